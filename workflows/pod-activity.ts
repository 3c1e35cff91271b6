/**
 * The `runPod` activity as the Job workflow and the pod runner shards both start it: the same options (no
 * Temporal retries, heartbeat timeout from the worker's settings, wait for cancellation to complete) and the
 * same reading of a failure (a heartbeat timeout is a pod lost with its worker).
 */
import { ActivityCancellationType, ActivityFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import type { ControllerSettings, PodRunOutcome, PodRunResult } from '../src/shared/protocol/pod-runs.js';
import type { PodBatchRequest, PodBatchResult, PodRunRequest, PodRunResultWire } from '../src/shared/protocol/pod-runs.js';

type Activities = ReturnType<typeof createActivities>;

/**
 * Pods run until they end; the heartbeat timeout, not this limit, notices a lost worker. It is a year, not
 * "forever": Temporal's time-skipping test server keeps finished activities' timeout timers and may skip to
 * them between two awaited results, and shorter skips stay harmless.
 */
const POD_RUN_TIMEOUT = '365 days';

export function outcomeOfFailure(error: unknown): PodRunOutcome {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.HEARTBEAT) {
    return { kind: 'lost', message: 'the worker running the pod stopped heartbeating' };
  }
  return { kind: 'aborted', message: cause instanceof Error ? cause.message : String(cause) };
}

/**
 * Starts one pod run; the promise settles when it ends (or is cancelled): read its failure with
 * `outcomeOfFailure`. Unmapped, so a caller spends one continuation per run (each workflow promise costs the SDK
 * a captured stack trace).
 */
export function podActivity(settings: ControllerSettings): (input: PodRunRequest, summary: string) => Promise<PodRunResult | PodRunResultWire> {
  const options = podRunOptions(settings);
  const { runPod } = proxyActivities<Activities>(options);
  return (input, summary) => runPod.executeWithOptions({ ...options, summary }, [input]);
}

function podRunOptions(settings: ControllerSettings) {
  return {
    startToCloseTimeout: POD_RUN_TIMEOUT,
    heartbeatTimeout: `${settings.podHeartbeatTimeoutSeconds} seconds`,
    // A pod is never retried by Temporal: a failed pod is replaced (Never) or restarted (OnFailure) by the
    // controller, which counts it first, as Kubernetes does.
    retry: { maximumAttempts: 1 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/** Starts a batch of pod runs (workflows/pod-batches.ts), with the options of a single pod's run. */
export function podBatchActivity(settings: ControllerSettings): (request: PodBatchRequest, summary: string) => Promise<PodBatchResult> {
  const options = podRunOptions(settings);
  const { runPodBatch } = proxyActivities<Activities>(options);
  return (request, summary) => runPodBatch.executeWithOptions({ ...options, summary }, [request]);
}
