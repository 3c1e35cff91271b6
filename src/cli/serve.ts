/** `kjob dev` and `kjob worker` (and the demo's stack): servers and workers in this process tree. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '../worker/runtime-logging.js';
import { startDevServer, type DevServer } from '../provision/dev-server.js';
import { createJobWorker, type JobWorkerOptions } from '../worker/create-worker.js';

export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nstopping...\n');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

export interface DevOptions {
  dbFile: string;
  /** Free ports when omitted. */
  port?: number;
  uiPort?: number;
  worker: Omit<JobWorkerOptions, 'connection'>;
}

export async function startDevStack(options: DevOptions): Promise<{ server: DevServer; worker: Worker; running: Promise<void> }> {
  quietTemporalRuntime();
  await mkdir(dirname(options.dbFile), { recursive: true });
  const server = await startDevServer({
    dbFile: options.dbFile,
    ...(options.port ? { port: options.port } : {}),
    ...(options.uiPort ? { uiPort: options.uiPort } : {}),
  });
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createJobWorker({ ...options.worker, connection });
    return { server, worker, running: worker.run() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export async function runDev(options: DevOptions): Promise<void> {
  const { server, worker, running } = await startDevStack(options);
  process.stdout.write(
    [
      `Temporal dev server: ${server.address} (state in ${options.dbFile})`,
      `Temporal Web UI:     ${server.uiUrl ?? '(none)'}`,
      `kjob worker:         task queue ${options.worker.taskQueue ?? 'kjob'}, command pods ${options.worker.commandPods ? `on (images: ${options.worker.images ?? 'pull'})` : 'off'}`,
      '',
      `Submit Jobs from another terminal:  TEMPORAL_ADDRESS=${server.address} npx kjob apply -f job.yaml`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  onShutdownSignal(async () => {
    worker.shutdown();
    await running;
    await server.stop();
  });
  await running;
}
