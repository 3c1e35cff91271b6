/** `kjob dev`, `kjob worker` and `kjob demo`: servers and workers in this process tree. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { quietTemporalRuntime } from '../worker/runtime-logging.js';
import { JobClient } from '../client/job-client.js';
import { jobWorkflowId } from '../shared/protocol/names.js';
import { NotFoundError } from '../shared/errors.js';
import { packageRoot } from '../provision/paths.js';
import { startDevServer, type DevServer } from '../provision/dev-server.js';
import { createJobWorker, type JobWorkerOptions } from '../worker/create-worker.js';
import { jobRows, podRows } from './format.js';

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
      `kjob worker:         task queue ${options.worker.taskQueue ?? 'kjob'}, command pods ${options.worker.commandPods ? 'on (sandboxed where the host allows)' : 'off'}`,
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

/** The README's first command: the Kubernetes docs' pi Job on the embedded dev server, start to finish. */
export async function runDemo(options: { keep: boolean; dbFile: string }): Promise<void> {
  const started = Date.now();
  const { server, worker, running } = await startDevStack({ dbFile: options.dbFile, worker: { commandPods: true } });
  const stop = async () => {
    worker.shutdown();
    await running;
    await server.stop();
  };
  try {
    const jobs = new JobClient({ address: server.address });
    const manifest = await readFile(join(packageRoot(), 'examples', 'job-pi.yaml'), 'utf8');
    await jobs.delete('pi').catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
    process.stdout.write(`Temporal dev server ${server.address}, state in ${options.dbFile}\n`);
    process.stdout.write(`$ kjob create -f examples/job-pi.yaml\njob.batch/pi created\n`);
    await jobs.create(manifest);
    const job = await jobs.wait('pi', { timeoutMs: 300_000 });
    process.stdout.write(`\n$ kjob get jobs\n${jobRows([job], Date.now())}\n`);
    process.stdout.write(`\n$ kjob get pods\n${podRows(await jobs.pods('pi'), Date.now())}\n`);
    const logs = await jobs.logs('pi');
    const text = logs.map((l) => l.text).join('');
    process.stdout.write(`\n$ kjob logs job/pi\n${text.trimEnd()}\n`);
    const digits = text.replace(/[^0-9]/g, '').length;
    process.stdout.write(`\n(${digits} digits of pi, ${Math.round((Date.now() - started) / 1000)}s in all)\n`);
    const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(jobWorkflowId('default', 'pi'))}`;
    process.stdout.write(`\nTemporal Web UI: ${server.uiUrl}\nThis Job in the UI: ${url}\n`);
    await jobs.close();
    if (options.keep) {
      process.stdout.write('Server and worker keep running; press Ctrl-C to stop.\n');
      onShutdownSignal(stop);
      await running;
      return;
    }
    process.stdout.write(`(Run \`npx kjob dev\` to start the server and UI again on the same state; \`npm run demo -- --keep\` keeps them up now.)\n`);
  } catch (error) {
    await stop();
    throw error;
  }
  await stop();
}
