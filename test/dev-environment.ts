/**
 * A real dev server (SQLite file in a temp folder), one kjob worker on a task queue of its own, and a JobClient:
 * what the dev-server tests share. Payloads are encrypted as `kjob dev` does (a fresh key in
 * `<dir>/.kjob/encryption-keys`, which the CLI run in `dir` finds), and a UI gets kjob's codec endpoint, unless
 * told otherwise. `stop()` ends them in order and leaves no process behind.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { JobClient } from '../src/client/job-client.js';
import { AesGcmPayloadCodec } from '../src/codec/aes-gcm-codec.js';
import { startCodecServer, type CodecServer } from '../src/codec/codec-server.js';
import { generateEncryptionKey, writeKeyFile, type EncryptionKey } from '../src/codec/encryption-keys.js';
import type { PodHandler } from '../src/worker/handlers.js';
import { freePort, startDevServer, type DevServer } from '../src/provision/index.js';
import { quietTemporalRuntime } from '../src/worker/runtime-logging.js';
import { createJobWorker, type JobWorkerOptions } from '../src/worker/create-worker.js';

export interface DevEnvironment {
  dir: string;
  taskQueue: string;
  server: DevServer;
  worker: Worker;
  /** The worker's run; resolves once it has shut down. */
  running: Promise<void>;
  jobs: JobClient;
  /** The payload keys of the worker and clients (`[]` when started with `encryption: false`). */
  keys: EncryptionKey[];
  /** The codec endpoint the UI is wired to, when there is a UI and encryption. */
  codec?: CodecServer;
  stop(): Promise<void>;
}

export async function startDevEnvironment(
  name: string,
  options: {
    withUi?: boolean;
    serverArgs?: string[];
    worker?: Omit<JobWorkerOptions, 'connection' | 'taskQueue' | 'encryptionKeys'>;
    /** Encrypt payloads (default true); the replay recording turns it off. */
    encryption?: boolean;
  } = {},
): Promise<DevEnvironment> {
  quietTemporalRuntime();
  const dir = mkdtempSync(join(tmpdir(), `kjob-${name}-`));
  const taskQueue = `${name}-${Date.now()}`;
  const keys = options.encryption === false ? [] : [generateEncryptionKey(`test-${name}`)];
  if (keys.length > 0) {
    mkdirSync(join(dir, '.kjob'));
    writeKeyFile(join(dir, '.kjob', 'encryption-keys'), keys, `${name} test key`);
  }
  const uiPort = options.withUi ? await freePort() : false;
  const codec =
    uiPort !== false && keys.length > 0
      ? await startCodecServer({ codec: new AesGcmPayloadCodec(keys), allowedOrigins: [`http://127.0.0.1:${uiPort}`] })
      : undefined;
  const server = await startDevServer({
    dbFile: join(dir, 'temporal.db'),
    uiPort,
    extraArgs: [...(codec ? ['--ui-codec-endpoint', codec.url] : []), ...(options.serverArgs ?? [])],
  });
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createJobWorker({ stateDir: join(dir, 'state'), commandPods: true, images: 'host', ...options.worker, encryptionKeys: keys, connection, taskQueue });
  const running = worker.run();
  const jobs = new JobClient({ address: server.address, taskQueue, encryptionKeys: keys });
  return {
    dir,
    taskQueue,
    server,
    worker,
    running,
    jobs,
    keys,
    ...(codec ? { codec } : {}),
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close().catch(() => undefined);
      await jobs.close();
      await codec?.close();
      await server.stop();
    },
  };
}

/**
 * A handler pod that runs until it is terminated (its AbortSignal fires) or released; `aborted` collects the
 * pods that saw the signal, `releases` lets a test end a pod by its Job's name.
 */
export function holdingHandler(): { hold: PodHandler; aborted: string[]; releases: Map<string, () => void> } {
  const aborted: string[] = [];
  const releases = new Map<string, () => void>();
  const hold: PodHandler = async (ctx) => {
    await new Promise<void>((resolve) => {
      releases.set(ctx.jobName, resolve);
      ctx.signal.addEventListener(
        'abort',
        () => {
          aborted.push(ctx.podName);
          resolve();
        },
        { once: true },
      );
    });
    return ctx.signal.aborted ? 143 : 0;
  };
  return { hold, aborted, releases };
}

const execFileAsync = promisify(execFile);

/** Runs the built `kjob` command against the environment (its server and task queue), in its folder. */
export async function runKjob(env: DevEnvironment, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(import.meta.dirname, '..', 'bin', 'kjob.js');
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [bin, '--task-queue', env.taskQueue, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.server.address },
      cwd: env.dir,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
