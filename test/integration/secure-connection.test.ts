/**
 * kjob against a Temporal frontend that requires mutual TLS and an API key, configured only the SDK's way
 * (envconfig: TEMPORAL_* variables, or a profile of the Temporal config file). The dev server speaks plaintext, so a
 * TLS-terminating gRPC proxy (test/tls-proxy.ts) stands in front of it, as a cloud load balancer would; every
 * kjob process gets the proxy's address only. The `kjob` CLI binary (built code, dist/) runs as child processes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServiceError } from '@temporalio/client';
import { JobClient } from '../../src/client/job-client.js';
import { startDevServer, type DevServer } from '../../src/provision/index.js';
import { makeTestCertificates, proxyCredentials, startTlsProxy, type TestCertificates, type TlsProxy } from '../tls-proxy.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kjob-secure-'));
const taskQueue = `secure-${Date.now()}`;
const API_KEY = 'kjob-test-api-key';
const WORKFLOW_SERVICE = '/temporal.api.workflowservice.v1.WorkflowService';

let server: DevServer;
let proxy: TlsProxy;
let certs: TestCertificates;
let worker: ChildProcess | undefined;

/** Variables the test sets; the host's own TEMPORAL_* settings are removed so that none leaks in. */
type TemporalEnv = Record<string, string>;

/** The connection by environment variables only: mTLS, the server name the certificate carries, the API key. */
function secureEnv(): TemporalEnv {
  return {
    // An IP address, so TEMPORAL_TLS_SERVER_NAME is what the server certificate is checked against.
    TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_API_KEY: API_KEY,
    TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.caCert,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    // A missing file is no error to envconfig, and keeps the user's ~/.config/temporalio/temporal.toml out.
    TEMPORAL_CONFIG_FILE: join(dir, 'no-such-config.toml'),
  };
}

/** The connection by a profile of the Temporal config file: nothing but the file and the profile's name. */
function profileEnv(): TemporalEnv {
  const file = join(dir, 'temporal.toml');
  const s = JSON.stringify; // a JSON string is a valid TOML basic string for these paths
  writeFileSync(
    file,
    [
      '[profile.default]',
      'address = "localhost:1"', // not this one
      '',
      '[profile.secure]',
      `address = ${s(`localhost:${proxy.port}`)}`,
      'namespace = "default"',
      `api_key = ${s(API_KEY)}`,
      '',
      '[profile.secure.tls]',
      `client_cert_path = ${s(certs.clientCert)}`,
      `client_key_path = ${s(certs.clientKey)}`,
      `server_ca_cert_path = ${s(certs.caCert)}`,
      '',
    ].join('\n'),
  );
  return { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'secure' };
}

function childEnv(temporal: TemporalEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_')));
  return { ...env, ...temporal };
}

/** Runs `fn` with `temporal` as this process's only TEMPORAL_* variables (JobClient reads them on first use). */
async function withProcessEnv<T>(temporal: TemporalEnv, fn: () => Promise<T>): Promise<T> {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith('TEMPORAL_'));
  for (const [name] of saved) delete process.env[name];
  Object.assign(process.env, temporal);
  try {
    return await fn();
  } finally {
    for (const name of Object.keys(temporal)) delete process.env[name];
    Object.assign(process.env, Object.fromEntries(saved));
  }
}

const execFileAsync = promisify(execFile);
/** Runs the kjob CLI binary with only `temporal` for its connection (no --address), bounded in time. */
async function kjob(temporal: TemporalEnv, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [join(root, 'bin', 'kjob.js'), '--task-queue', taskQueue, ...args], {
      env: childEnv(temporal),
      cwd: dir,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number | null; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `kjob worker` in its own process; resolves once it polls, rejects if it exits first or takes too long. */
function startWorker(temporal: TemporalEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'bin', 'kjob.js'), '--task-queue', taskQueue, 'worker', '--handlers', join(dir, 'handlers.mjs')], {
    env: childEnv(temporal),
    cwd: dir, // its state folder (.kjob) goes here
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kjob worker did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('kjob worker polling task queue')) return;
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`kjob worker exited with ${code ?? signal}:\n${stderr}`));
    });
  });
}

/** SIGTERM (the worker drains and exits), SIGKILL if it takes over 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** An Indexed Job of three handler pods (`hello`, from the worker's --handlers module). */
function manifest(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: kjob.dev/handler/hello\n`,
  );
  return file;
}

beforeAll(async () => {
  certs = makeTestCertificates(dir);
  server = await startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false });
  proxy = await startTlsProxy({ ...proxyCredentials(certs), upstream: server.address, apiKey: API_KEY });
  writeFileSync(join(dir, 'handlers.mjs'), `export const handlers = { hello: (ctx) => ctx.log.info('hello from index ' + ctx.index) };\n`);
});
afterAll(async () => {
  if (worker) await stop(worker);
  await proxy?.close();
  await server?.stop();
});

describe('mTLS and an API key', () => {
  test('by environment variables only: kjob worker, apply, wait and get run a Job through the proxy', async () => {
    worker = await startWorker(secureEnv());
    expect(await kjob(secureEnv(), 'apply', '-f', manifest('secure-env'))).toMatchObject({ code: 0, stdout: 'job.batch/secure-env created\n' });
    expect(await kjob(secureEnv(), 'wait', '--for=condition=complete', 'job/secure-env', '--timeout=60s')).toMatchObject({
      code: 0,
      stdout: 'job.batch/secure-env condition met\n',
    });
    const table = await kjob(secureEnv(), 'get', 'jobs');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\nsecure-env\s+Complete\s+3\/3\s/);

    // Everything went through the proxy, authenticated: the worker's polls and completions as well as the client's calls.
    expect(proxy.stats.tlsErrors).toEqual([]);
    expect(proxy.stats.unauthenticated).toBe(0);
    expect([...proxy.stats.authorizations.keys()]).toEqual([`Bearer ${API_KEY}`]);
    for (const method of ['PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted', 'StartWorkflowExecution']) {
      expect(proxy.stats.methods.get(`${WORKFLOW_SERVICE}/${method}`), method).toBeGreaterThan(0);
    }
  });

  test('by a profile of the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE): the CLI and JobClient', async () => {
    const relayed = proxy.stats.relayed;
    expect(await kjob(profileEnv(), 'apply', '-f', manifest('secure-profile'))).toMatchObject({ code: 0, stdout: 'job.batch/secure-profile created\n' });
    expect(await kjob(profileEnv(), 'wait', '--for=condition=complete', 'job/secure-profile', '--timeout=60s')).toMatchObject({ code: 0 });
    const table = await kjob(profileEnv(), 'get', 'jobs');
    expect(table.stdout).toMatch(/\nsecure-env\s+Complete\s+3\/3\s/);
    expect(table.stdout).toMatch(/\nsecure-profile\s+Complete\s+3\/3\s/);
    expect(proxy.stats.relayed).toBeGreaterThan(relayed);

    // The TypeScript API, given no address or connection options, reads the same settings from its process.
    const job = await withProcessEnv(profileEnv(), async () => {
      const jobs = new JobClient({ taskQueue });
      try {
        return await jobs.get('secure-profile');
      } finally {
        await jobs.close();
      }
    });
    expect(job.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    expect([...proxy.stats.authorizations.keys()]).toEqual([`Bearer ${API_KEY}`]);
  });

  test('the worker stops cleanly, and its long polls end upstream too', async () => {
    expect(proxy.stats.open).toBeGreaterThan(0); // the worker's polls, held open by the server
    await stop(worker!);
    expect(worker!.exitCode).toBe(0);
    for (let i = 0; i < 50 && proxy.stats.open > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(proxy.stats.open).toBe(0);
  });
});

describe('refused connections: a clear error, a non-zero exit, and nothing started', () => {
  // The worker has stopped (above): the proxy's counters move only for the calls under test.
  // The client commands connect through grpc-js, `kjob worker` through the SDK's Core (rustls): each fails its own
  // way. grpc-js retries a refused handshake until its 10 s connect deadline and then says only that.
  const cases: { name: string; env: () => TemporalEnv; client: RegExp; worker: RegExp; refusedBy: 'tls' | 'apiKey' }[] = [
    {
      name: 'no client certificate',
      env: () => {
        const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...rest } = secureEnv();
        return rest;
      },
      client: /^error: Failed to connect before the deadline\n$/,
      worker: /^error: Failed to call GetSystemInfo: .*(connection|transport|tls)/im,
      refusedBy: 'tls',
    },
    {
      name: 'a client certificate from another CA',
      env: () => ({ ...secureEnv(), TEMPORAL_TLS_CLIENT_CERT_PATH: certs.otherClientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: certs.otherClientKey }),
      client: /^error: Failed to connect before the deadline\n$/,
      worker: /^error: Failed to call GetSystemInfo: .*(connection|transport|tls)/im,
      refusedBy: 'tls',
    },
    {
      name: 'a wrong API key',
      env: () => ({ ...secureEnv(), TEMPORAL_API_KEY: 'not-the-key' }),
      // The cause (the server's UNAUTHENTICATED and its message) is printed with the error.
      client: /^error: Failed to connect to Temporal server: 16 UNAUTHENTICATED: kjob test proxy: missing or invalid API key\n$/,
      worker: /^error: Failed to call GetSystemInfo: .*valid authentication credentials.*kjob test proxy: missing or invalid API key/m,
      refusedBy: 'apiKey',
    },
  ];

  test.each(cases)('$name', async ({ env, client, worker: workerError, refusedBy }) => {
    const { relayed, unauthenticated } = proxy.stats;
    const tlsErrors = proxy.stats.tlsErrors.length;

    const applied = await kjob(env(), 'apply', '-f', manifest('must-not-run'));
    expect(applied).toMatchObject({ code: 1, stdout: '' });
    expect(applied.stderr).toMatch(client);
    // The worker exits at once rather than retrying in silence.
    const polled = await kjob(env(), 'worker', '--handlers', join(dir, 'handlers.mjs'));
    expect(polled).toMatchObject({ code: 1, stdout: '' });
    expect(polled.stderr).toMatch(workerError);

    // Refused by the proxy, and not one call reached the server.
    if (refusedBy === 'tls') expect(proxy.stats.tlsErrors.length).toBeGreaterThanOrEqual(tlsErrors + 2);
    else expect(proxy.stats.unauthenticated).toBeGreaterThanOrEqual(unauthenticated + 2);
    expect(proxy.stats.relayed).toBe(relayed);
    expect(await kjob(secureEnv(), 'get', 'job', 'must-not-run')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): jobs.batch "must-not-run" not found\n' });
  });

  test("JobClient: a wrong API key fails with the server's UNAUTHENTICATED as the cause", async () => {
    const error = await withProcessEnv({ ...secureEnv(), TEMPORAL_API_KEY: 'not-the-key' }, async () => {
      const jobs = new JobClient({ taskQueue });
      try {
        return await jobs.get('secure-env').then(() => undefined, (e: unknown) => e);
      } finally {
        // A failed connection leaves nothing to close.
        await jobs.close();
      }
    });
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ message: 'Failed to connect to Temporal server', cause: { code: 16 /* UNAUTHENTICATED */, details: proxy.unauthenticatedMessage } });
  });
});
