/**
 * A pod's life as the Job controller records it: its containers start, its run ends, and what the end counts
 * for (pkg/controller/job: succeeded, failed, ignored by the podFailurePolicy, per-index failures), or whether
 * it restarts in place (restartPolicy OnFailure, the kubelet's crash-loop delay).
 */
import { backoffDelayMs, CONTAINER_RESTART_BACKOFF, recordPodFailure, recordPodSuccess } from './backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { addPodEvents } from './conditions-and-events.js';
import { storeLogs } from './retention.js';
import { isTerminal, type JobControllerState, type PodRecord } from './state.js';
import { expandPodRunResult } from '../protocol/pod-run-wire.js';
import { podSucceeded, type PodRunOutcome, type PodRunResult, type PodStartedSignal, type PodStatusSignal } from '../protocol/pod-runs.js';

/**
 * How a pod run ended: its result; `lost` when the worker stopped heartbeating (the pod is gone with it);
 * `aborted` when it ended without a result (cancelled before it reported, or failed inside kjob itself).
 */
export type PodOutcome = PodRunOutcome;
type ExpandedOutcome = Exclude<PodOutcome, { kind: 'exited' }> | { kind: 'exited'; result: PodRunResult };

/**
 * The worker reported a run's state before its containers start: the kubelet's events, and the containers still
 * waiting (an image pull failing leaves the pod Pending, counted for nothing, while the kubelet retries).
 */
export function onPodStatus(state: JobControllerState, report: PodStatusSignal): void {
  const pod = state.pods.find((p) => p.name === report.podName);
  if (!pod || isTerminal(pod) || !pod.runInFlight || report.restartCount !== pod.restartCount) return;
  addPodEvents(state, pod.name, report.events);
  pod.nodeName = report.nodeName;
  // A report overtaken by the containers' start (signals may arrive out of order) cannot make them wait again.
  if (report.waiting.length > 0 && !pod.containersRunning) pod.waiting = report.waiting;
  else delete pod.waiting;
}

/** The worker reported that a run of the pod's containers started. */
export function onPodStarted(state: JobControllerState, report: PodStartedSignal, now: number): void {
  const pod = state.pods.find((p) => p.name === report.podName);
  if (!pod || isTerminal(pod) || !pod.runInFlight || report.restartCount !== pod.restartCount) return;
  if (report.events) addPodEvents(state, pod.name, report.events);
  delete pod.waiting;
  pod.containersRunning = true;
  pod.nodeName = report.nodeName;
  if (pod.phase === 'Pending') {
    pod.phase = 'Running';
    pod.startedAt = Math.max(pod.createdAt, now - (report.runningForMs ?? 0));
  }
}

/** A run of the pod's containers ended. */
export function onPodExited(state: JobControllerState, podName: string, reported: PodOutcome, now: number): void {
  // The worker leaves out of a result what the spec says (protocol/pod-run-wire.ts).
  const outcome: ExpandedOutcome = reported.kind === 'exited' ? { kind: 'exited', result: expandPodRunResult(state.job.spec.template.spec, reported.result) } : reported;
  const pod = state.pods.find((p) => p.name === podName);
  if (!pod || isTerminal(pod)) return;
  pod.runInFlight = false;
  pod.containersRunning = false;
  delete pod.waiting;
  if (outcome.kind === 'exited') {
    if (outcome.result.events) addPodEvents(state, pod.name, outcome.result.events);
    pod.lastRun = outcome.result.containers;
    pod.nodeName = outcome.result.nodeName || pod.nodeName;
    storeLogs(state, pod.name, outcome.result.logs);
    // A short pod reports its start with its result (no podStarted signal): it was Running from then on.
    const ranMs = outcome.result.containersStartedMsAgo;
    if (pod.startedAt === null && ranMs !== undefined) pod.startedAt = Math.max(pod.createdAt, now - ranMs);
  }
  // A pod whose index is beyond an elastic Job's new size counts for nothing (getValidPodsWithFilter).
  if (outOfRange(state, pod)) pod.counted = true;
  const succeeded = outcome.kind === 'exited' && podSucceeded(outcome.result) && !outcome.result.deadlineExceeded;
  if (succeeded) {
    finishPod(pod, 'Succeeded', now);
    countSuccess(state, pod);
    return;
  }
  const podDeadlineExceeded = outcome.kind === 'exited' && outcome.result.deadlineExceeded === true;
  if (
    pod.deletionRequestedAt === null &&
    outcome.kind === 'exited' &&
    !podDeadlineExceeded &&
    state.job.spec.template.spec.restartPolicy === 'OnFailure'
  ) {
    // The kubelet restarts the failed container in place: at once the first time, then after its crash-loop
    // delay (10 s doubling, capped at 5 minutes).
    pod.restartAt = now + backoffDelayMs(pod.restartCount, CONTAINER_RESTART_BACKOFF);
    return;
  }
  finishPod(pod, 'Failed', now);
  if (podDeadlineExceeded) {
    pod.reason = 'DeadlineExceeded';
    pod.message = 'Pod was active on the node longer than the specified deadline';
  } else if (outcome.kind === 'lost') {
    pod.reason = 'WorkerLost';
    pod.message = outcome.message;
    pod.disruption = { reason: 'WorkerLost', message: outcome.message, at: now };
  } else if (outcome.kind === 'aborted') {
    pod.reason = 'Error';
    pod.message = outcome.message;
  }
  // A pod the controller terminated was counted (or not) when it was deleted.
  if (pod.deletionRequestedAt === null && !pod.counted) recordPodFailed(state, pod, now);
}

//// What a pod's end counts for

export function finishPod(pod: PodRecord, phase: 'Succeeded' | 'Failed', now: number): void {
  pod.phase = phase;
  pod.finishedAt = now;
  pod.runInFlight = false;
  pod.containersRunning = false;
  pod.restartAt = null;
}

export function outOfRange(state: JobControllerState, pod: PodRecord): boolean {
  const { completionMode, completions } = state.job.spec;
  return completionMode === 'Indexed' && completions !== null && pod.slot >= completions;
}

function countSuccess(state: JobControllerState, pod: PodRecord): void {
  if (pod.counted) return;
  pod.counted = true;
  state.backoff = recordPodSuccess();
  if (state.job.spec.completionMode === 'Indexed') {
    // completedIndexes is a set: a second success for an index counts once.
    state.completedSlots.add(pod.slot);
    state.succeeded = state.completedSlots.size;
  } else {
    state.completedSlots.add(pod.slot);
    state.succeeded++;
  }
}

export function countFailure(state: JobControllerState, pod: PodRecord, now: number): void {
  if (pod.counted) return;
  pod.counted = true;
  state.failed++;
  state.backoff = recordPodFailure(state.backoff, now);
}

function slotFailureRecord(state: JobControllerState, slot: number) {
  let record = state.slotFailures.get(slot);
  if (!record) state.slotFailures.set(slot, (record = { counted: 0, ignored: 0, lastFailureAt: 0 }));
  return record;
}

/**
 * A pod failed on its own (not terminated by the controller): apply the podFailurePolicy, count it, and keep the
 * per-index books (isIndexFailed: the pod's prior failures reached backoffLimitPerIndex, or a FailIndex rule).
 */
function recordPodFailed(state: JobControllerState, pod: PodRecord, now: number): void {
  const { spec } = state.job;
  const match = spec.podFailurePolicy
    ? matchPodFailurePolicy(spec.podFailurePolicy.rules, {
        namespace: state.job.metadata.namespace,
        name: pod.name,
        containers: pod.lastRun,
        conditions: pod.disruption ? [{ type: 'DisruptionTarget', status: 'True' }] : [],
      })
    : undefined;
  const perIndex = spec.backoffLimitPerIndex;
  const slotRecord = perIndex !== undefined ? slotFailureRecord(state, pod.slot) : undefined;
  if (slotRecord) slotRecord.lastFailureAt = now;
  if (match?.action === 'Ignore') {
    // Not counted anywhere, but it still lengthens the recreation backoff, as in Kubernetes.
    pod.counted = true;
    state.backoff = recordPodFailure(state.backoff, now);
    if (slotRecord) slotRecord.ignored++;
    return;
  }
  countFailure(state, pod, now);
  if (match?.action === 'FailJob') state.failJobMessage ??= match.message;
  if (perIndex !== undefined && slotRecord) {
    slotRecord.counted++;
    if (match?.action === 'FailIndex' || pod.indexFailureCount >= perIndex) state.failedSlots.add(pod.slot);
  }
}
