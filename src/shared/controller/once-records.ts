/**
 * `ctx.once` records, kept by the Job's controller (its workflow), which is the one place that knows which pod
 * runs are alive. A key (`<podKey>/<name>`, stable across an index's replacements) is claimed by one pod run,
 * which runs the function and commits its value; later claims get the value. A claim whose holder's run has
 * ended (succeeded, failed, lost with its worker, terminated) is free again: a crash inside the function before
 * its commit runs it again, and a waiter is never stuck behind a dead host. Pure functions over the state: the
 * workflow's update handlers (workflows/job.ts) call them, unit tests drive them directly. No Kubernetes source:
 * Kubernetes has no once-effects.
 *
 * Bounds, so a Job's records fit its continue-as-new hand-over: a value of at most MAX_ONCE_VALUE_BYTES of JSON,
 * at most MAX_ONCE_RECORDS records and MAX_ONCE_TOTAL_BYTES of values per Job. An index's records are dropped
 * once it is finished (succeeded, or failed for good) and no pod of it runs: nothing can ask for them again.
 */
import { podKeys } from './pod-identity.js';
import { isTerminal, type JobControllerState, type PodRecord } from './state.js';
import type { OnceClaimRequest, OnceClaimResult, OnceCommitRequest, OnceCommitResult } from '../protocol/once.js';

export const MAX_ONCE_VALUE_BYTES = 16 * 1024;
export const MAX_ONCE_RECORDS = 1_000;
export const MAX_ONCE_TOTAL_BYTES = 256 * 1024;
export const MAX_ONCE_KEY_LENGTH = 1_024;
/**
 * Once updates one run of the Job's workflow takes before it continues as new. The server accepts 2,000 updates
 * per run (history.maxTotalUpdates) and suggests continue-as-new at 90%; the pods running when the hand-over
 * begins must still commit through this run, so it begins at half the server's cap.
 */
export const ONCE_UPDATES_PER_RUN = 1_000;

/** Temporal counts payloads in UTF-8 bytes (TextEncoder is one of the workflow sandbox's globals). */
export const onceValueBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value ?? null)).length;

/** The pod whose current run has this attempt key, when that run is in flight. */
function runningPod(state: JobControllerState, attemptKey: string): PodRecord | undefined {
  return state.pods.find((pod) => pod.runInFlight && !isTerminal(pod) && podKeys(state.job, pod).attemptKey === attemptKey);
}

/** Why a claim must be refused (asking again cannot change that), or null. */
export function onceClaimRefusal(state: JobControllerState, request: OnceClaimRequest): string | null {
  const { metadata } = state.job;
  const job = `${metadata.namespace}/${metadata.name}`;
  if (request.jobUid !== metadata.uid) {
    return `the Job ${job} (uid ${metadata.uid}) is not the one this pod was started for (uid ${request.jobUid}): it was deleted and created again`;
  }
  const pod = runningPod(state, request.attemptKey);
  if (!pod) return `pod run ${request.attemptKey} is not running for the Job ${job} (it ended, or its worker was lost): its once-effects are refused`;
  if (!request.key.startsWith(`${podKeys(state.job, pod).podKey}/`)) return `key ${JSON.stringify(request.key)} is not one of pod ${pod.name}'s`;
  if (request.key.length > MAX_ONCE_KEY_LENGTH) return `the name is too long: the key must be at most ${MAX_ONCE_KEY_LENGTH} characters`;
  if (!state.onceRecords.has(request.key) && state.onceRecords.size >= MAX_ONCE_RECORDS) {
    return `the Job ${job} holds ${MAX_ONCE_RECORDS} once records, the most a Job keeps (an index's go when it is finished)`;
  }
  return null;
}

/** Why a commit must be refused, or null. */
export function onceCommitRefusal(state: JobControllerState, request: OnceCommitRequest): string | null {
  const refused = onceClaimRefusal(state, request);
  if (refused) return refused;
  const record = state.onceRecords.get(request.key);
  if (record?.committed) return null;
  if (record?.holder && record.holder !== request.attemptKey && runningPod(state, record.holder)) return `the key is claimed by pod run ${record.holder}`;
  const bytes = onceValueBytes(request.value);
  if (bytes > MAX_ONCE_VALUE_BYTES) return `the value is ${bytes} bytes of JSON, more than the ${MAX_ONCE_VALUE_BYTES} a once value may have`;
  const total = committedBytes(state) + bytes;
  if (total > MAX_ONCE_TOTAL_BYTES) return `the Job's once values would take ${total} bytes of JSON, more than the ${MAX_ONCE_TOTAL_BYTES} a Job keeps`;
  return null;
}

function committedBytes(state: JobControllerState): number {
  let bytes = 0;
  for (const record of state.onceRecords.values()) if (record.committed) bytes += onceValueBytes(record.value);
  return bytes;
}

/** The attempt key of another running pod run that holds the key's claim (the caller waits), or null. */
export function onceHeldBy(state: JobControllerState, request: OnceClaimRequest): string | null {
  const record = state.onceRecords.get(request.key);
  if (!record || record.committed || !record.holder || record.holder === request.attemptKey) return null;
  return runningPod(state, record.holder) ? record.holder : null;
}

/** A claim that onceClaimRefusal let through: the committed value, the claim, or who holds it. */
export function claimOnce(state: JobControllerState, request: OnceClaimRequest): OnceClaimResult {
  const record = state.onceRecords.get(request.key);
  if (record?.committed) return { done: record.value ?? null };
  const holder = onceHeldBy(state, request);
  if (holder) return { heldBy: holder };
  const pod = runningPod(state, request.attemptKey) as PodRecord;
  state.onceRecords.set(request.key, { slot: pod.slot, holder: request.attemptKey, committed: false });
  return { claimed: true };
}

/** A commit that onceCommitRefusal let through. A key committed before keeps its value (a commit sent twice). */
export function commitOnce(state: JobControllerState, request: OnceCommitRequest): OnceCommitResult {
  const record = state.onceRecords.get(request.key);
  if (record?.committed) return { done: record.value ?? null };
  const pod = runningPod(state, request.attemptKey) as PodRecord;
  const value = request.value ?? null;
  state.onceRecords.set(request.key, { slot: pod.slot, holder: null, committed: true, value });
  return { done: value };
}

/** Drops the records of the indexes that are finished and have no pod running: nothing asks for them again. */
export function forgetFinishedOnceRecords(state: JobControllerState): void {
  if (state.onceRecords.size === 0) return;
  const running = new Set<number>();
  for (const pod of state.pods) if (pod.runInFlight) running.add(pod.slot);
  for (const [key, record] of state.onceRecords) {
    const finished = state.completedSlots.has(record.slot) || state.failedSlots.has(record.slot);
    if (finished && !running.has(record.slot)) state.onceRecords.delete(key);
  }
}
