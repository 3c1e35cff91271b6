/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port, its storage in
 * a temp folder, and htpasswd auth when asked. The bcrypt hashes come from Apache's `htpasswd -B` (Debian's
 * apache2-utils), the tool distribution's own docs use; it adds no npm dependency. Resolves once /v2/ answers.
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
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: { username: string; password: string };
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

function config(port: number, storage: string, htpasswd?: string): string {
  return [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
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
  await writeFile(configPath, config(port, join(dir, 'storage'), htpasswd));
  const child = spawn(REGISTRY, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
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
  return { address, stop };
}
