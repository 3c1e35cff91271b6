/**
 * New pods (pkg/controller/job, manageJob and firstPendingIndexes): which slots get one, under the per-index
 * backoff, and the new pod's record.
 */
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { addEvent } from './conditions-and-events.js';
import { generatePodName } from './pod-identity.js';
import { activePods, isTerminal, type IdSource, type JobControllerState, type PodRecord } from './state.js';
import type { Job } from '../kubernetes-types.js';
import type { ControllerSettings } from '../protocol/pod-runs.js';

export function podBackoffPolicy(settings: ControllerSettings): BackoffPolicy {
  return { baseMs: settings.podBackoffBaseSeconds * 1000, capMs: settings.podBackoffCapSeconds * 1000 };
}

/** Slots a Job fills: its completions, or its parallelism in work-queue mode. */
function slotCount(job: Job): number {
  return job.spec.completions ?? job.spec.parallelism;
}

export function createPod(state: JobControllerState, slot: number, now: number, ids: IdSource): PodRecord {
  const index = state.job.spec.completionMode === 'Indexed' ? slot : null;
  const pod: PodRecord = {
    name: generatePodName(state.job, index, ids.random, state.pods),
    uid: ids.uuid(),
    slot,
    index,
    phase: 'Pending',
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    deletionRequestedAt: null,
    restartCount: 0,
    runInFlight: false,
    containersRunning: false,
    restartAt: null,
    nodeName: null,
    lastRun: [],
    counted: false,
    indexFailureCount: state.slotFailures.get(slot)?.counted ?? 0,
    indexIgnoredCount: state.slotFailures.get(slot)?.ignored ?? 0,
  };
  state.pods.push(pod);
  addEvent(state, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.name}`, now);
  return pod;
}

/**
 * Lowest slots with no success, no active pod and not failed for good (firstPendingIndexes). With
 * backoffLimitPerIndex each index waits out its own backoff; `notBefore` reports the earliest such wait.
 */
export function pendingSlots(state: JobControllerState, count: number, now: number): { slots: number[]; notBefore: number | null } {
  // With podReplacementPolicy Failed, a terminating pod still holds its index.
  const holders = state.job.spec.podReplacementPolicy === 'Failed' ? state.pods.filter((p) => !isTerminal(p)) : activePods(state);
  const occupied = new Set(holders.map((p) => p.slot));
  const candidates: number[] = [];
  const total = slotCount(state.job);
  for (let slot = 0; slot < total && candidates.length < count; slot++) {
    if (!state.completedSlots.has(slot) && !state.failedSlots.has(slot) && !occupied.has(slot)) candidates.push(slot);
  }
  if (state.job.spec.backoffLimitPerIndex === undefined) return { slots: candidates, notBefore: null };
  // Kubernetes takes the first pending indexes, then holds back those still in their own backoff.
  const slots: number[] = [];
  let notBefore: number | null = null;
  for (const slot of candidates) {
    const failures = state.slotFailures.get(slot);
    const readyAt = failures ? failures.lastFailureAt + backoffDelayMs(failures.counted + failures.ignored, podBackoffPolicy(state.settings)) : now;
    if (readyAt > now) notBefore = notBefore === null ? readyAt : Math.min(notBefore, readyAt);
    else slots.push(slot);
  }
  return { slots, notBefore };
}
