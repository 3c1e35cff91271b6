/**
 * One benchmark worker, run as a child process of bench/run.ts so its memory and CPU are its own. argv[2] is a
 * JSON {@link ChildConfig}. It tells the parent `ready` over IPC once polling, answers `stats` with what an
 * activity interceptor saw (first start, last end, concurrency, and on request each pod's start latency:
 * start-latency.ts), and on `stop` shuts down and exits (so `--cpu-prof` writes its profile).
 */
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { bundleWorkflowCode, NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { quietTemporalRuntime } from '../src/worker/runtime-logging.js';
import { createJobWorker } from '../src/worker/create-worker.js';
import * as baselineActivities from './baseline-activities.js';
import type { PodContext } from '../src/worker/handlers.js';
import { containerClockMs, firstContainerLog, StartLatencies, summarise, type ActivityTimes, type LatencySummary, type StartLatencySummary } from './start-latency.js';

export type Variant = 'baseline' | 'handler' | 'once' | 'command' | 'image';

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
  /** The image variant: the image store its worker uses, where the pods' image was pulled beforehand. */
  imageCache?: string;
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
  | { type: 'stats'; stats: ActivityStats; monoUs: number; memory: NodeJS.MemoryUsage; latencies?: StartLatencySummary; onceMs?: LatencySummary | null }
  | { type: 'error'; message: string };
/** `latencies`: summarise the start latencies too (sorting them all: only once the run is over). */
export type ParentMessage = { type: 'stats'; latencies?: boolean } | { type: 'stop' };

const stats: ActivityStats = { started: 0, finished: 0, local: 0, firstStartMs: null, lastEndMs: null, maxInFlight: 0, busyMs: 0 };
let inFlight = 0;
const latencies = new StartLatencies();
/** The running activities' times, for the handler pods' no-op to find its own. */
const activityTimes = new Map<string, ActivityTimes>();

/**
 * Times every activity; the same interceptor on every variant. A baseline activity's work begins when it
 * starts; a handler pod's when its handler is called (noopHandler); a command or image pod's when its
 * container reads the clock, as its log says.
 */
function timing(variant: Variant): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.isLocal) {
          stats.local++;
          return next(input);
        }
        const start = Date.now();
        const times = { scheduledMs: ctx.info.scheduledTimestampMs, startedMs: start };
        activityTimes.set(ctx.info.base64TaskToken, times);
        latencies.dispatched(times);
        if (variant === 'baseline') latencies.started(times, start);
        stats.started++;
        stats.firstStartMs ??= start;
        stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
        const t0 = performance.now();
        try {
          const result: unknown = await next(input);
          if (variant === 'command' || variant === 'image') latencies.started(times, containerClockMs(firstContainerLog(result) ?? ''));
          return result;
        } finally {
          activityTimes.delete(ctx.info.base64TaskToken);
          stats.busyMs += performance.now() - t0;
          inFlight--;
          stats.finished++;
          stats.lastEndMs = Date.now();
        }
      },
    },
  });
}

/** The handler pods' no-op: it notes when it was called. */
function noopHandler(): number {
  const now = Date.now();
  const times = activityTimes.get(Context.current().info.base64TaskToken);
  if (times) latencies.started(times, now);
  else latencies.unmeasured++;
  return 0;
}

/** How long each `ctx.once` call of the once variant took (claim, the no-op function, commit), ms. */
const onceDurations: number[] = [];

/** The once variant's pod: the no-op's start, then one ctx.once call, timed. */
async function onceHandler(ctx: PodContext): Promise<number> {
  noopHandler();
  const t0 = performance.now();
  await ctx.once('effect', () => ctx.index);
  onceDurations.push(performance.now() - t0);
  return 0;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (message: string) => console.error(message), log: noop };

async function createWorker(config: ChildConfig, connection: NativeConnection): Promise<Worker> {
  const shared: Partial<WorkerOptions> = { ...config.settings, interceptors: { activity: [timing(config.variant)] } };
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
    handlers: { noop: noopHandler, once: onceHandler },
    // Plain payloads, as the bench's client (bench/run.ts) reads them, whatever keys the environment holds.
    encryptionKeys: [],
    // Every kjob variant gets the same worker (command pods are off unless asked for) but for its images mode:
    // the handler and command variants' run commands on the host (`images: 'host'`; `busybox` is not pulled),
    // the image variant's run them in their image, from the store it was pulled into before the run.
    commandPods: true,
    ...(config.variant === 'image' ? { images: 'pull' as const, imageStore: { root: requireImageCache(config) } } : { images: 'host' as const }),
    workerOptions: shared,
  });
}

function requireImageCache(config: ChildConfig): string {
  if (!config.imageCache) throw new Error('the image variant needs the image cache its image was pulled into');
  return config.imageCache;
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
    if (message.type === 'stats') {
      send({ type: 'stats', stats: { ...stats }, monoUs: monoUs(), memory: process.memoryUsage(), ...(message.latencies ? { latencies: latencies.summary(), onceMs: summarise(onceDurations) } : {}) });
    }
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
