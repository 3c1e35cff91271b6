/**
 * One benchmark worker, run as a child process of bench/run.ts so its memory and CPU are its own. argv[2] is a
 * JSON {@link ChildConfig}. It tells the parent `ready` over IPC once polling, answers `stats` with what an
 * activity interceptor saw (first start, last end, concurrency), and on `stop` shuts down and exits (so
 * `--cpu-prof` writes its profile).
 */
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { bundleWorkflowCode, NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { quietTemporalRuntime } from '../src/worker/runtime-logging.js';
import { createJobWorker } from '../src/worker/create-worker.js';
import * as baselineActivities from './baseline-activities.js';

export type Variant = 'baseline' | 'handler' | 'command';

/** The worker settings every variant gets, so they differ only in what runs on them. */
export interface SharedWorkerSettings {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number;
}

export interface ChildConfig {
  variant: Variant;
  address: string;
  namespace: string;
  taskQueue: string;
  /** kjob's state and scratch directories. */
  stateDir: string;
  settings: SharedWorkerSettings;
}

export interface ActivityStats {
  /** Non-local activities started and finished (local ones: kjob's controllerSettings, counted apart). */
  started: number;
  finished: number;
  local: number;
  /** Date.now() of the first start and the last end. */
  firstStartMs: number | null;
  lastEndMs: number | null;
  maxInFlight: number;
  /** Sum of the activity functions' own durations, ms. */
  busyMs: number;
}

/** `monoUs`: CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles, so the parent can cut a profile to the run. */
export type ChildMessage =
  | { type: 'ready'; monoUs: number }
  | { type: 'stats'; stats: ActivityStats; monoUs: number; memory: NodeJS.MemoryUsage }
  | { type: 'error'; message: string };
export type ParentMessage = { type: 'stats' } | { type: 'stop' };

const stats: ActivityStats = { started: 0, finished: 0, local: 0, firstStartMs: null, lastEndMs: null, maxInFlight: 0, busyMs: 0 };
let inFlight = 0;

/** Times every activity; the same interceptor on every variant. */
const timing: ActivityInterceptorsFactory = (ctx: Context) => ({
  inbound: {
    async execute(input, next) {
      if (ctx.info.isLocal) {
        stats.local++;
        return next(input);
      }
      const start = Date.now();
      stats.started++;
      stats.firstStartMs ??= start;
      stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
      const t0 = performance.now();
      try {
        return await next(input);
      } finally {
        stats.busyMs += performance.now() - t0;
        inFlight--;
        stats.finished++;
        stats.lastEndMs = Date.now();
      }
    },
  },
});

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (message: string) => console.error(message), log: noop };

async function createWorker(config: ChildConfig, connection: NativeConnection): Promise<Worker> {
  const shared: Partial<WorkerOptions> = { ...config.settings, interceptors: { activity: [timing] } };
  if (config.variant === 'baseline') {
    return Worker.create({
      ...shared,
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('./baseline-workflows.js', import.meta.url)),
        logger: quietBundlerLogger,
      }),
      activities: baselineActivities,
    });
  }
  return createJobWorker({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    stateDir: `${config.stateDir}/state`,
    scratchRoot: `${config.stateDir}/pods`,
    handlers: { noop: () => 0 },
    // Both kjob variants get the same worker; command pods are off unless asked for.
    commandPods: true,
    workerOptions: shared,
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ChildConfig;
  const send = (message: ChildMessage) => process.send?.(message);
  const monoUs = () => Number(process.hrtime.bigint() / 1000n);
  quietTemporalRuntime();
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker(config, connection);
  const running = worker.run();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send({ type: 'stats', stats: { ...stats }, monoUs: monoUs(), memory: process.memoryUsage() });
    else if (message.type === 'stop' && worker.getState() === 'RUNNING') worker.shutdown();
  });
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  // Worker.run() starts polling at once; wait until it says so.
  while (worker.getState() !== 'RUNNING') await new Promise((r) => setTimeout(r, 10));
  send({ type: 'ready', monoUs: monoUs() });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage);
  console.error(error);
  process.exit(1);
});
