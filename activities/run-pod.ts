/**
 * One run of a pod, the pod runner's activity: it heartbeats so a lost worker is noticed, sets up the pod's
 * volumes, runs its containers (pod-containers.ts), ends the run at the pod's own deadline, and on cancellation
 * terminates the containers and still returns what they did. Then it removes what the run left.
 */
import { Context } from '@temporalio/activity';
import { join } from 'node:path';
import type { FieldRefSource } from '../src/shared/manifest/field-refs.js';
import { SIGNAL_POD_STATUS } from '../src/shared/protocol/names.js';
import type { PodRunInput, PodRunRequest, PodRunResult, PodRunResultWire } from '../src/shared/protocol/pod-runs.js';
import { compactPodRunResult, expandPodRunRequest } from '../src/shared/protocol/pod-run-wire.js';
import { ownerOfRequest } from './pod-owners.js';
import { startError } from './container-exit.js';
import { eitherAborts } from './either-aborts.js';
import { LogTail } from './log-tail.js';
import { runContainers } from './pod-containers.js';
import { lazyDirectory, removeTree } from './pod-directories.js';
import { PodHeartbeat } from './pod-heartbeat.js';
import { PodStatus } from './pod-status.js';
import { podMetrics } from './pod-metrics.js';
import type { PodRun, PodRunner } from './pod-run.js';
import { untilConfigured } from './pod-config/config-retry.js';
import { PodObjects } from './pod-config/object-reads.js';
import { preparePodVolumes, VolumeSetupError, type PodVolume, type PodVolumeDirs } from './pod-volumes.js';
import { MAX_TIMER_MS } from './timer-limit.js';

export async function runPod(runner: PodRunner, request: PodRunRequest): Promise<PodRunResultWire> {
  const ctx = Context.current();
  const workflowId = request.workflowId ?? ctx.info.workflowExecution?.workflowId ?? '';
  const owner = await ownerOfRequest(runner.owners, ctx, workflowId, request.job);
  const input = expandPodRunRequest(request, { workflowId, owner });
  const heartbeat = new PodHeartbeat((details) => ctx.heartbeat(details), input);
  return compactPodRunResult(owner.spec.template.spec, await runPodInput(runner, input, { ctx, cancellation: ctx.cancellationSignal, heartbeat }));
}

/** Where a pod runs: its activity (alone, or with a batch: run-pod-batch.ts), its termination, its heartbeat. */
export interface PodScope {
  ctx: Context;
  /** Aborts when the pod is terminated: its activity is cancelled, or (a batch) this pod alone is stopped. */
  cancellation: AbortSignal;
  heartbeat: PodHeartbeat;
}

export async function runPodInput(runner: PodRunner, input: PodRunInput, { ctx, cancellation, heartbeat }: PodScope): Promise<PodRunResult> {
  const status = new PodStatus({ podName: input.podName, restartCount: input.restartCount, nodeName: runner.nodeName }, async (signal) => {
    try {
      await ctx.client.workflow.getHandle(input.workflowId).signal(SIGNAL_POD_STATUS, signal);
    } catch (error) {
      // The pod goes on; kubectl shows its state only with its start or result.
      ctx.log.warn('could not report pod status', { pod: input.podName, error: String(error) });
    }
  });
  const metrics = podMetrics(ctx.metricMeter, { namespace: input.job.metadata.namespace, name: input.job.metadata.name });
  metrics.started();
  let outcome: { result: 'succeeded' | 'failed'; reason: string } = { result: 'failed', reason: 'Error' };
  // Made on first use only: most pods never touch it, and a directory per pod is measurable work.
  const scratch = lazyDirectory(join(runner.scratchRoot, `${input.podName}-${input.restartCount}`));
  // Volumes belong to the pod, not the run: an emptyDir outlives an in-place restart (restartPolicy OnFailure).
  const podDir = join(runner.scratchRoot, input.podName);
  // Secret volumes are rewritten at each run and never outlive it: they sit in memory, not on the disk.
  const secretDir = join(runner.secretVolumeRoot, `${input.podName}-${input.restartCount}`);
  let keepVolumes = false;
  // The pod's own activeDeadlineSeconds ends it like a termination, and marks it DeadlineExceeded.
  const deadline = new AbortController();
  const podDeadline =
    input.podDeadlineMs === undefined ? undefined : setTimeout(() => deadline.abort(), Math.min(input.podDeadlineMs, MAX_TIMER_MS));
  // Terminated: the activity cancelled, or (kjob/testing) the run stopped through this worker.
  const stoppedHere = runner.stops?.track(input.attemptKey, cancellation);
  const terminated = stoppedHere ?? cancellation;
  const stop = eitherAborts(terminated, deadline.signal);
  try {
    const podSpec = input.job.spec.template.spec;
    const fieldRefs = fieldRefSource(input, runner.nodeName);
    const objects = new PodObjects(runner.configObjects, input.job.metadata.namespace);
    let volumes: Map<string, PodVolume> | undefined;
    try {
      volumes = await setUpVolumes(input, { podDir, secretDir }, { fieldRefs, objects, status, stop, retryMs: runner.configRetryMs });
    } catch (error) {
      outcome = { result: 'failed', reason: 'StartError' };
      return volumeSetupFailed(runner, input, error);
    }
    const pod: PodRun = {
      input,
      runner,
      stop,
      gracePeriodMs: podSpec.terminationGracePeriodSeconds * 1000,
      scratch,
      volumes: volumes ?? new Map(),
      objects,
      fieldRefs,
      heartbeat,
      status,
      results: [],
      logs: [],
    };
    // Stopped while a volume's object was missing: the pod never started a container.
    const containersStartedAt = volumes ? await runContainers(pod) : undefined;
    const { results } = pod;
    keepVolumes = podSpec.restartPolicy === 'OnFailure' && !stop.aborted && results.some((r) => r.exitCode !== 0);
    const failedContainer = results.find((r) => r.exitCode !== 0);
    outcome = terminated.aborted
      ? { result: 'failed', reason: 'Terminated' }
      : deadline.signal.aborted
        ? { result: 'failed', reason: 'DeadlineExceeded' }
        : failedContainer
          ? { result: 'failed', reason: failedContainer.reason }
          : { result: 'succeeded', reason: 'Completed' };
    const events = status.take();
    const ranMain = results.some((r) => !r.init);
    const notStarted = ranMain && podSpec.containers.some((c) => !results.some((r) => !r.init && r.name === c.name));
    return {
      containers: results,
      logs: pod.logs,
      nodeName: runner.nodeName,
      terminated: terminated.aborted,
      ...(events.length > 0 ? { events } : {}),
      ...(notStarted ? { containersNotStarted: true as const } : {}),
      ...(containersStartedAt !== undefined ? { containersStartedMsAgo: Date.now() - containersStartedAt } : {}),
      ...(deadline.signal.aborted && !terminated.aborted ? { deadlineExceeded: true } : {}),
    };
  } finally {
    metrics.finished(outcome.result, outcome.reason);
    heartbeat.stop();
    status.stop();
    clearTimeout(podDeadline);
    stop.release();
    stoppedHere?.release();
    if (scratch.created) await removeTree(scratch.path);
    const podVolumes = input.job.spec.template.spec.volumes ?? [];
    if (!keepVolumes && podVolumes.length > 0) await removeTree(podDir);
    if (podVolumes.some((v) => v.secret)) await removeTree(secretDir);
  }
}

/**
 * The pod's volumes, set up as the kubelet's volume manager does: while a secret or configMap is missing the pod
 * stays ContainerCreating with a FailedMount event, and the mount is tried again; undefined when the pod is
 * stopped first.
 */
async function setUpVolumes(
  input: PodRunInput,
  dirs: PodVolumeDirs,
  run: { fieldRefs: FieldRefSource; objects: PodObjects; status: PodStatus; stop: AbortSignal; retryMs: number },
): Promise<Map<string, PodVolume> | undefined> {
  const podSpec = input.job.spec.template.spec;
  const first = (podSpec.initContainers?.[0] ?? podSpec.containers[0])?.name ?? '';
  let waited = false;
  const volumes = await untilConfigured(
    () => preparePodVolumes(podSpec.volumes ?? [], dirs, run.fieldRefs, run.objects.fresh()),
    (message) => {
      run.status.event('Warning', 'FailedMount', message);
      run.status.wait(first, 'ContainerCreating');
      waited = true;
    },
    run.retryMs,
    run.stop,
  );
  if (waited) run.status.gaveUp(first, volumes === undefined);
  return volumes;
}

/** The kubelet would keep the pod Pending with a FailedMount event; kjob ends the run with the reason. */
function volumeSetupFailed(runner: PodRunner, input: PodRunInput, error: unknown): PodRunResult {
  const podSpec = input.job.spec.template.spec;
  const log = new LogTail(runner.logTailBytes);
  const first = podSpec.initContainers?.[0] ?? podSpec.containers[0];
  const exit = startError(log, error instanceof VolumeSetupError ? error.message : `volume setup failed: ${String(error)}`);
  return {
    containers: first ? [{ name: first.name, image: first.image ?? '', init: first !== podSpec.containers[0], ...exit }] : [],
    logs: first ? [{ container: first.name, ...log.result() }] : [],
    nodeName: runner.nodeName,
    terminated: false,
  };
}

function fieldRefSource(input: PodRunInput, nodeName: string): FieldRefSource {
  return {
    podName: input.podName,
    namespace: input.job.metadata.namespace,
    podUid: input.podUid,
    nodeName,
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    labels: input.labels ?? {},
    annotations: input.annotations ?? {},
  };
}
