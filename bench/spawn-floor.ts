/**
 * The `spawn` variant, the physical floor for command pods: no Temporal, no Job. In a benchmark worker child it
 * runs the bench's clock command N times at parallelism P through kjob's own process runtime (ProcessRuntime:
 * the sandbox that src/worker/create-worker.ts detects for `commandPods: true, images: 'host'`, the process
 * helper, the process registry), so each run spawns the very process a command pod of the `command` variant
 * spawns. What a command pod costs beyond it (Temporal's round trips, the pod runner) is what kjob adds.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ContainerRun, PodRunContext } from '../activities/container-runtime.js';
import { LogTail } from '../activities/log-tail.js';
import { PodObjects } from '../activities/pod-config/object-reads.js';
import { lazyDirectory } from '../activities/pod-directories.js';
import { ProcessRegistry } from '../activities/runtimes/process/process-registry.js';
import { ProcessRuntime } from '../activities/runtimes/process/process-runtime.js';
import { detectSandbox } from '../activities/runtimes/process/sandbox.js';
import type { Container } from '../src/shared/kubernetes-types.js';
import type { PodCounter } from './pod-timing.js';
import { CLOCK_COMMAND, containerClockMs, type StartLatencies } from './start-latency.js';

/** The pod runner's default log tail (createJobWorker's logTailBytes). */
const LOG_TAIL_BYTES = 16 * 1024;
/** Kubernetes' default terminationGracePeriodSeconds; no spawn is stopped, so it only has to be the pods'. */
const GRACE_PERIOD_MS = 30_000;

export interface SpawnFloor {
  runtime: ProcessRuntime;
  nodeName: string;
  scratchRoot: string;
  /** Whether the runs are sandboxed (bubblewrap), as the command variant's pods are on this host. */
  sandboxed: boolean;
}

/** The process runtime as createJobWorker makes it for the command variant's worker (cgroups aside: no pod has limits). */
export async function prepareSpawnFloor(stateDir: string): Promise<SpawnFloor> {
  const sandbox = await detectSandbox({ network: 'none', readOnlyPaths: [] });
  if ('unavailable' in sandbox) console.warn(`spawn floor: unsandboxed, as the command pods on this host: ${sandbox.unavailable}`);
  const nodeName = hostname();
  const runtime = new ProcessRuntime({
    enabled: true,
    nodeName,
    podPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    processes: new ProcessRegistry(join(stateDir, 'state', 'processes')),
    sandbox: 'sandbox' in sandbox ? sandbox.sandbox : sandbox,
  });
  return { runtime, nodeName, scratchRoot: join(stateDir, 'pods'), sandboxed: 'sandbox' in sandbox };
}

const CONTAINER: Container = { name: 'main', image: 'busybox', command: CLOCK_COMMAND };
const NO_CONFIG_OBJECTS = { configMap: () => Promise.resolve(undefined), secret: () => Promise.resolve(undefined) };

/** Index `index`'s container run, as the pod runner hands it to the runtime: the Indexed pod's hostname and env. */
function containerRun(floor: SpawnFloor, jobName: string, index: number): ContainerRun {
  const podName = `${jobName}-${index}-spawn`;
  const pod: PodRunContext = {
    input: {
      workflowId: `spawn-floor/${jobName}`,
      job: { metadata: { name: jobName, namespace: 'default', uid: jobName }, spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: GRACE_PERIOD_MS / 1000, containers: [CONTAINER] } } } },
      podName,
      podUid: podName,
      index,
      restartCount: 0,
      hostname: `${jobName}-${index}`,
      podKey: podName,
      attemptKey: podName,
    },
    stop: new AbortController().signal,
    gracePeriodMs: GRACE_PERIOD_MS,
    scratch: lazyDirectory(join(floor.scratchRoot, podName)),
    volumes: new Map(),
    heartbeat: { handlerProgress: () => undefined },
    objects: new PodObjects(NO_CONFIG_OBJECTS, 'default'),
    status: { event: () => undefined, wait: () => undefined, ready: () => undefined },
  };
  return { pod, container: CONTAINER, env: { JOB_COMPLETION_INDEX: String(index) }, args: [], log: new LogTail(LOG_TAIL_BYTES) };
}

/**
 * Runs the clock command `pods` times, `parallelism` at once, counting each run as a pod and its start latency
 * (asked → the process reads the clock) as the part in the worker. Rejects after all ran if any failed.
 */
export async function runSpawnFloor(
  floor: SpawnFloor,
  run: { jobName: string; pods: number; parallelism: number },
  seen: { counter: PodCounter; latencies: StartLatencies },
): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  const lane = async () => {
    while (next < run.pods) {
      const index = next++;
      const askedMs = Date.now();
      seen.counter.started(1, askedMs);
      const t0 = performance.now();
      const container = containerRun(floor, run.jobName, index);
      try {
        const exit = await floor.runtime.run(container);
        const log = container.log.result().text;
        if (exit.exitCode !== 0) failures.push(`index ${index}: exit ${exit.exitCode} (${exit.reason}): ${log.trim().slice(0, 200)}`);
        else seen.latencies.started({ scheduledMs: askedMs, startedMs: askedMs }, containerClockMs(log));
      } catch (error) {
        failures.push(`index ${index}: ${String(error)}`);
      } finally {
        seen.counter.ended(1, 1, performance.now() - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.parallelism, run.pods) }, lane));
  if (failures.length > 0) throw new Error(`${failures.length} of ${run.pods} spawns failed; the first: ${failures[0]}`);
}
