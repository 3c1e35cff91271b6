/**
 * A pod runner shard: a child workflow that runs pods for a Job wider than one workflow may be (Temporal caps
 * pending activities per workflow). The Job's workflow stays the controller: it sends each run and each
 * termination here, and the shard reports how each run ended. The shard outlives the Job's continue-as-new
 * (abandoned child) and ends when told to close, or when its Job is gone.
 */
import { CancellationScope, condition, defineSignal, getExternalWorkflowHandle, isCancellation, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { type PodRunEndedSignal, type PodRunOutcome, type PodShardInput } from '../src/shared/protocol/pod-runs.js';
import type { PodRunRequest } from '../src/shared/protocol/pod-runs.js';
import { SIGNAL_POD_RUN_ENDED, SIGNAL_SHARD_ALIVE, SIGNAL_SHARD_CLOSE, SIGNAL_SHARD_JOB_GONE, SIGNAL_SHARD_RUN_POD, SIGNAL_SHARD_TERMINATE_POD } from '../src/shared/protocol/names.js';
import { outcomeOfFailure, podActivity } from './pod-activity.js';
import { inPodRunScope, inProcessPodStopper, sharedPodRunScope, startCancellable } from './pod-cancel.js';

export const shardRunPodSignal = defineSignal<[{ input: PodRunRequest; summary: string }]>(SIGNAL_SHARD_RUN_POD);
export const shardTerminatePodSignal = defineSignal<[string]>(SIGNAL_SHARD_TERMINATE_POD);
export const shardCloseSignal = defineSignal(SIGNAL_SHARD_CLOSE);
export const podRunEndedSignal = defineSignal<[PodRunEndedSignal]>(SIGNAL_POD_RUN_ENDED);
export const shardAliveSignal = defineSignal<[string]>(SIGNAL_SHARD_ALIVE);
export const shardJobGoneSignal = defineSignal(SIGNAL_SHARD_JOB_GONE);

/**
 * How often a shard checks that its Job still exists (a deleted Job's pods must not run on). Each check adds
 * 10 events to the shard's history (the timer, the signal and two workflow tasks), and a shard holding a long
 * pod cannot continue as new, so the checks thin out: every minute at first, then doubling up to every 10
 * minutes (Temporal's 51,200 events then last about 35 days, against 3.5 at one check a minute).
 * A Background delete tells the shards at once (JobClient.delete); the checks catch what it cannot see: a
 * Job terminated or deleted by other means.
 */
const LIVENESS_FIRST_INTERVAL_MS = 60_000;
const LIVENESS_MAX_INTERVAL_MS = 600_000;

export async function kjobPodShard({ jobWorkflowId, settings }: PodShardInput): Promise<void> {
  const run = podActivity(settings);
  const shardId = workflowInfo().workflowId;
  const job = getExternalWorkflowHandle(jobWorkflowId);
  /** Pod runs held, and how to cancel each (see workflows/pod-cancel.ts; older runs keep a scope each). */
  const runs = new Map<string, () => void>();
  const sharedPodScope = sharedPodRunScope();
  const stopInProcess = inProcessPodStopper(settings);
  const queued: { input: PodRunRequest; summary: string }[] = [];
  const terminations: string[] = [];
  let closing = false;
  let jobGone = false;

  setHandler(shardRunPodSignal, (request) => void queued.push(request));
  setHandler(shardTerminatePodSignal, (podName) => void terminations.push(podName));
  setHandler(shardCloseSignal, () => {
    closing = true;
  });
  setHandler(shardJobGoneSignal, () => {
    jobGone = true;
  });

  let reportsInFlight = 0;
  const report = (signal: PodRunEndedSignal) => {
    reportsInFlight++;
    void job
      .signal(podRunEndedSignal, signal)
      .catch(() => {
        jobGone = true;
      })
      .finally(() => reportsInFlight--);
  };

  // Liveness: the signal fails once the Job's workflow no longer exists (deleted, or its TTL passed).
  // A closing shard may still hold many runs (it closes after its share of runs, not when idle): it keeps checking.
  const liveness = async () => {
    const thinOut = patched('kjob-shard-liveness-thins-out');
    let interval = LIVENESS_FIRST_INTERVAL_MS;
    while (!jobGone && (!closing || runs.size > 0)) {
      await sleep(interval);
      if (thinOut) interval = Math.min(interval * 2, LIVENESS_MAX_INTERVAL_MS);
      if (!closing || runs.size > 0) await job.signal(shardAliveSignal, shardId).catch(() => (jobGone = true));
    }
  };
  // Cancelling the shard ends the loop's sleep; that is no failure.
  liveness().catch(() => undefined);

  try {
    for (;;) {
      await condition(() => queued.length > 0 || terminations.length > 0 || jobGone || (closing && runs.size === 0 && reportsInFlight === 0));
      if (jobGone) {
        for (const cancel of runs.values()) cancel();
        await condition(() => runs.size === 0);
        return;
      }
      const start = ({ input, summary }: { input: PodRunRequest; summary: string }) => {
        const { running, cancel: cancelActivity } = startCancellable(sharedPodScope, () => run(input, summary));
        const cancel = stopInProcess ? () => stopInProcess(input.attemptKey ?? '') : cancelActivity;
        runs.set(input.podName, cancel);
        const ended = (outcome: PodRunOutcome) => {
          // An OnFailure restart of the same pod may already hold the name: only this run's entry goes.
          if (runs.get(input.podName) === cancel) runs.delete(input.podName);
          report({ podName: input.podName, shardId, outcome });
        };
        running.then(
          (result) => ended({ kind: 'exited', result }),
          (error: unknown) => ended(outcomeOfFailure(error)),
        );
      };
      const requests = queued.splice(0);
      inPodRunScope(sharedPodScope, () => requests.forEach(start));
      for (const podName of terminations.splice(0)) runs.get(podName)?.();
      if (closing && runs.size === 0 && reportsInFlight === 0) return;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    for (const cancel of runs.values()) cancel();
    await CancellationScope.nonCancellable(() => condition(() => runs.size === 0));
  }
}
