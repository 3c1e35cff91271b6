/**
 * One benchmark worker, run as a child process of bench/run.ts so its memory and CPU are its own. argv[2] is a
 * JSON {@link ChildConfig}. It tells the parent `ready` once polling, answers `stats` with what its activity
 * interceptor saw (pod-timing.ts: first start, last end, pods in flight, and on request each pod's start
 * latency), and on `stop` shuts down and exits (so `--cpu-prof` writes its profile). The spawn variant's child
 * runs no worker: it is ready once its process runtime is (spawn-floor.ts), runs the spawns when told
 * (`spawnFloor`) and says `spawnFloorDone`, a notice outside the request/reply order.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { quietTemporalRuntime } from '../src/worker/runtime-logging.js';
import { createJobWorker } from '../src/worker/create-worker.js';
import * as baselineActivities from './baseline-activities.js';
import { counter, latencies, noopHandler, onceDurations, onceHandler, timing, type PodStats } from './pod-timing.js';
import { prepareSpawnFloor, runSpawnFloor } from './spawn-floor.js';
import { summarise, type LatencySummary, type StartLatencySummary } from './start-latency.js';
import type { Variant } from './variants.js';

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

/** `monoUs`: CLOCK_MONOTONIC in µs, the clock of V8's CPU profiles, so the parent can cut a profile to the run. */
export type ChildMessage =
  | { type: 'ready'; monoUs: number }
  | { type: 'stats'; stats: PodStats; monoUs: number; memory: NodeJS.MemoryUsage; latencies?: StartLatencySummary; onceMs?: LatencySummary | null }
  | { type: 'error'; message: string }
  | SpawnFloorDone;
/** The spawn variant's runs are over (`error`: some failed). */
export interface SpawnFloorDone {
  type: 'spawnFloorDone';
  error?: string;
}
/** `latencies`: summarise the start latencies too (sorting them all: only once the run is over). */
export type ParentMessage = { type: 'stats'; latencies?: boolean } | { type: 'stop' } | { type: 'spawnFloor'; jobName: string; pods: number; parallelism: number };

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

const send = (message: ChildMessage) => process.send?.(message);
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

function statsReply(withLatencies: boolean | undefined): ChildMessage {
  const summaries = withLatencies ? { latencies: latencies.summary(), onceMs: summarise(onceDurations) } : {};
  return { type: 'stats', stats: { ...counter.stats }, monoUs: monoUs(), memory: process.memoryUsage(), ...summaries };
}

async function runWorker(config: ChildConfig): Promise<void> {
  quietTemporalRuntime();
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await createWorker(config, connection);
  const running = worker.run();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send(statsReply(message.latencies));
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

/** The spawn variant: kjob's process runtime without a worker; the spawns start when the parent says. */
async function runSpawnFloorChild(config: ChildConfig): Promise<void> {
  const floor = await prepareSpawnFloor(config.stateDir);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') send(statsReply(message.latencies));
    else if (message.type === 'spawnFloor') {
      runSpawnFloor(floor, message, { counter, latencies }).then(
        () => send({ type: 'spawnFloorDone' }),
        (error: unknown) => send({ type: 'spawnFloorDone', error: error instanceof Error ? error.message : String(error) }),
      );
    } else if (message.type === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', monoUs: monoUs() });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ChildConfig;
  await (config.variant === 'spawn' ? runSpawnFloorChild(config) : runWorker(config));
}

main().catch((error: unknown) => {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage);
  console.error(error);
  process.exit(1);
});
