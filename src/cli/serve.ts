/** `kjob dev` and `kjob worker` (and the demo's stack): servers and workers in this process tree. */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { AesGcmPayloadCodec } from '../codec/aes-gcm-codec.js';
import { startCodecServer, type CodecServer } from '../codec/codec-server.js';
import { devEncryptionKeys, type DevKeys } from '../codec/dev-keys.js';
import { quietTemporalRuntime } from '../worker/runtime-logging.js';
import { onShutdownSignal } from './shutdown-signal.js';
import { freePort, startDevServer, type DevServer } from '../provision/dev-server.js';
import { createJobWorker, type JobWorkerOptions } from '../worker/create-worker.js';

export interface DevOptions {
  dbFile: string;
  /** Free ports when omitted. */
  port?: number;
  uiPort?: number;
  /** The codec endpoint's port (default a free one). */
  codecPort?: number;
  worker: Omit<JobWorkerOptions, 'connection'>;
}

export interface DevStack {
  server: DevServer;
  worker: Worker;
  running: Promise<void>;
  /** The payload keys the worker encrypts with (kjob dev's own unless configured); clients need them. */
  keys: DevKeys;
  /** The codec endpoint the Web UI decrypts payloads through. */
  codec: CodecServer;
  /** Stops the worker, the codec endpoint and the server. */
  stop(): Promise<void>;
}

/**
 * The dev server, its Web UI wired to a codec endpoint on this host, and a worker, all with one payload key
 * (`<stateDir>/encryption-keys`, made on first start unless a key is configured).
 */
export async function startDevStack(options: DevOptions): Promise<DevStack> {
  quietTemporalRuntime();
  await mkdir(dirname(options.dbFile), { recursive: true });
  const keys = devEncryptionKeys(options.worker.stateDir ?? join(process.cwd(), '.kjob'));
  const uiPort = options.uiPort ?? (await freePort());
  // The UI calls the codec endpoint from the browser, from whichever name of this host it was opened at.
  const codec = await startCodecServer({
    codec: new AesGcmPayloadCodec(keys.keys),
    ...(options.codecPort ? { port: options.codecPort } : {}),
    allowedOrigins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
  });
  let server: DevServer | undefined;
  try {
    server = await startDevServer({
      dbFile: options.dbFile,
      ...(options.port ? { port: options.port } : {}),
      uiPort,
      extraArgs: ['--ui-codec-endpoint', codec.url],
    });
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createJobWorker({ ...options.worker, encryptionKeys: keys.keys, connection });
    const running = worker.run();
    const started = server;
    return {
      server,
      worker,
      running,
      keys,
      codec,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await codec.close();
        await started.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    await codec.close();
    throw error;
  }
}

export async function runDev(options: DevOptions): Promise<void> {
  const stack = await startDevStack(options);
  const { server, keys, codec } = stack;
  process.stdout.write(
    [
      `Temporal dev server: ${server.address} (state in ${options.dbFile})`,
      `Temporal Web UI:     ${server.uiUrl ?? '(none)'}`,
      `Codec endpoint:      ${codec.url} (the UI decrypts payloads through it)`,
      `Payload key:         ${keys.keys[0]!.id}, ${keys.created ? `new in ${keys.source}` : `from ${keys.source}`}${keys.created && !isDefaultKeyFile(keys.source) ? ' (the CLI finds it with KJOB_ENCRYPTION_KEY_FILE)' : ''}`,
      `kjob worker:         task queue ${options.worker.taskQueue ?? 'kjob'}, command pods ${options.worker.commandPods ? `on (images: ${options.worker.images ?? 'pull'})` : 'off'}`,
      '',
      `Submit Jobs from another terminal:  TEMPORAL_ADDRESS=${server.address} npx kjob apply -f job.yaml`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  onShutdownSignal(() => stack.stop());
  await stack.running;
}

/** The key file a client run from this folder finds by itself. */
function isDefaultKeyFile(path: string): boolean {
  return path === join(process.cwd(), '.kjob', 'encryption-keys') || path === join('.kjob', 'encryption-keys');
}
