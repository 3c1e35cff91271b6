/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port, its storage in
 * a temp folder, and when asked htpasswd auth and an access log (the requests it answered: servedBlobs reads which
 * blobs it served). The bcrypt hashes come from Apache's `htpasswd -B` (Debian's apache2-utils), the tool
 * distribution's own docs use; it adds no npm dependency. Resolves once /v2/ answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  address: string;
  /** The access log's lines so far, oldest first (`"GET /v2/… HTTP/1.1" 200 …`); empty unless `accessLog`. */
  requests(): string[];
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: { username: string; password: string };
  /** Keep the access log (distribution writes it to stdout, in Apache's combined format). */
  accessLog?: boolean;
}

const REGISTRY = '/usr/bin/docker-registry';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function htpasswdLine(username: string, password: string): string {
  const result = spawnSync('htpasswd', ['-Bbn', username, password], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`htpasswd -B failed (apt-get install apache2-utils): ${result.error?.message ?? result.stderr}`);
  }
  return result.stdout.trim();
}

function config(port: number, storage: string, accessLog: boolean, htpasswd?: string): string {
  return [
    'version: 0.1',
    `log: {level: error, accesslog: {disabled: ${!accessLog}}}`,
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(storage)}}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}"}`,
    ...(htpasswd ? [`auth: {htpasswd: {realm: kjob-test, path: ${JSON.stringify(htpasswd)}}}`] : []),
    '',
  ].join('\n');
}

async function waitForV2(address: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    const answered = await fetch(`http://${address}/v2/`).then(
      (response) => response.status === 200 || response.status === 401,
      () => false,
    );
    if (answered) return;
    await sleep(50);
  }
  throw new Error(`docker-registry at ${address} did not answer /v2/: ${output()}`);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'kjob-registry-'));
  let htpasswd: string | undefined;
  if (options.auth) {
    htpasswd = join(dir, 'htpasswd');
    await writeFile(htpasswd, `${htpasswdLine(options.auth.username, options.auth.password)}\n`);
  }
  const port = await freePort();
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, config(port, join(dir, 'storage'), options.accessLog ?? false, htpasswd));
  const child = spawn(REGISTRY, ['serve', configPath], { stdio: ['ignore', options.accessLog ? 'pipe' : 'ignore', 'pipe'] });
  let output = '';
  let accessLog = '';
  child.stdout?.on('data', (chunk: Buffer) => (accessLog += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => (output += `\n${error.message}`));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForV2(address, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  // Whole lines only: the last may still be arriving.
  const requests = () => accessLog.slice(0, accessLog.lastIndexOf('\n') + 1).split('\n').filter((line) => line !== '');
  return { address, requests, stop };
}

/** The blobs of `repository` (`kjob/big`) that access-log `lines` show served whole (GET, 200), in order. */
export function servedBlobs(lines: string[], repository: string): string[] {
  const served = new RegExp(`"GET /v2/${repository}/blobs/(sha256:[0-9a-f]{64}) HTTP/[\\d.]+" 200 `);
  return lines.map((line) => served.exec(line)?.[1]).filter((blob): blob is string => blob !== undefined);
}

/** The config and layer digests of the OCI image manifest `repository:tag` names in the registry at `address`. */
export async function manifestBlobs(address: string, repository: string, tag: string): Promise<{ config: string; layers: string[] }> {
  const response = await fetch(`http://${address}/v2/${repository}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  if (!response.ok) throw new Error(`${address}/${repository}:${tag}: the registry answered ${response.status}`);
  const manifest = (await response.json()) as { config: { digest: string }; layers: { digest: string }[] };
  return { config: manifest.config.digest, layers: manifest.layers.map((l) => l.digest) };
}
