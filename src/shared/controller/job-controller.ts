/**
 * The Kubernetes Job controller's decisions (pkg/controller/job/job_controller.go, syncJob and manageJob) as
 * deterministic functions over plain state, with no I/O: the workflow feeds them pod events and the clock and
 * carries out what they return; unit tests drive them directly.
 *
 * Pods are identified by a slot: the completion index for Indexed Jobs, and for NonIndexed Jobs a position in
 * 0..completions-1 (0..parallelism-1 in work-queue mode) that a replacement pod inherits. Slots give every pod
 * an idempotency key that is stable across replacements.
 */
import { JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT, randomNameSuffix } from '../manifest/defaults.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { matchSuccessPolicy } from './success-policy.js';
import type { ContainerLog, ContainerStatus, Job, JobCondition, JobConditionType, JobEvent, JobStatus, Pod, PodPhase } from '../kubernetes-types.js';
import {
  backoffDelayMs,
  CONTAINER_RESTART_BACKOFF,
  emptyBackoffRecord,
  recordPodFailure,
  recordPodSuccess,
  remainingBackoffMs,
  type BackoffPolicy,
  type BackoffRecord,
} from './backoff.js';
import { formatIndexIntervals } from './intervals.js';
import { podSucceeded, type ContainerResult, type ControllerSettings, type PodRunOutcome } from '../protocol/pod-runs.js';

export interface PodRecord {
  name: string;
  uid: string;
  slot: number;
  /** Completion index (Indexed Jobs only). */
  index: number | null;
  phase: PodPhase;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  deletionRequestedAt: number | null;
  /** In-place container restarts (restartPolicy OnFailure), as the kubelet counts them. */
  restartCount: number;
  /** A run of the pod's containers is in flight (an activity was started and has not returned). */
  runInFlight: boolean;
  /** The containers are running (the worker reported the start of the current run). */
  containersRunning: boolean;
  /** OnFailure: the failed container is waiting to restart in place at this time. */
  restartAt: number | null;
  nodeName: string | null;
  lastRun: ContainerResult[];
  /** Counted in status.succeeded or status.failed, or ignored by the podFailurePolicy (each pod once). */
  counted: boolean;
  /** backoffLimitPerIndex: counted and ignored failures of this index before this pod (its annotations). */
  indexFailureCount: number;
  indexIgnoredCount: number;
  reason?: string;
  message?: string;
  /** Kubernetes' DisruptionTarget condition: the pod was lost with its worker. */
  disruption?: { reason: string; message: string; at: number };
}

export interface JobControllerState {
  job: Job;
  settings: ControllerSettings;
  startTime: number | null;
  completionTime: number | null;
  pods: PodRecord[];
  completedSlots: Set<number>;
  /** Indexes failed for good (backoffLimitPerIndex, FailIndex). */
  failedSlots: Set<number>;
  /** Failures per index, for backoffLimitPerIndex: counted, ignored, and when the last one happened. */
  slotFailures: Map<number, { counted: number; ignored: number; lastFailureAt: number }>;
  /** The message of the first failed pod that matched a FailJob rule. */
  failJobMessage: string | null;
  succeeded: number;
  failed: number;
  backoff: BackoffRecord;
  conditions: JobCondition[];
  finished: boolean;
  events: JobEvent[];
  logs: Map<string, ContainerLog[]>;
  logBytes: number;
}

/** What the workflow must do after a reconcile. */
export interface ReconcileActions {
  /** Pods whose containers must be run now (new pods, and OnFailure pods restarting in place). */
  start: PodRecord[];
  /** Pods whose running containers must be terminated. */
  terminate: PodRecord[];
  /** When to reconcile again if no pod event arrives first (a backoff, a restart, the deadline). */
  wakeAt: number | null;
}

/**
 * How a pod run ended: its result; `lost` when the worker stopped heartbeating (the pod is gone with it);
 * `aborted` when it ended without a result (cancelled before it reported, or failed inside kjob itself).
 */
export type PodOutcome = PodRunOutcome;

export interface IdSource {
  random: () => number;
  uuid: () => string;
}

const MAX_EVENTS = 500;
/** Kubernetes truncates generated pod-name prefixes to 58 characters (names.MaxGeneratedNameLength). */
const MAX_GENERATED_NAME_PREFIX = 58;

export const MESSAGES = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  MaxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  FailedIndexes: 'Job has failed indexes',
  CompletionsReached: 'Reached expected number of succeeded pods',
} as const;

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newControllerState(job: Job, settings: ControllerSettings): JobControllerState {
  return {
    job,
    settings,
    startTime: null,
    completionTime: null,
    pods: [],
    completedSlots: new Set(),
    failedSlots: new Set(),
    slotFailures: new Map(),
    failJobMessage: null,
    succeeded: 0,
    failed: 0,
    backoff: emptyBackoffRecord(),
    conditions: [],
    finished: false,
    events: [],
    logs: new Map(),
    logBytes: 0,
  };
}

//// Queries over the state

const isTerminal = (pod: PodRecord) => pod.phase === 'Succeeded' || pod.phase === 'Failed';
/** Kubernetes' `active`: not terminal and not being deleted. */
export const isActive = (pod: PodRecord) => !isTerminal(pod) && pod.deletionRequestedAt === null;
export const isTerminating = (pod: PodRecord) => !isTerminal(pod) && pod.deletionRequestedAt !== null;

/** Finished pods a Job keeps records of, the latest ones with their logs (Kubernetes keeps all; a 100,000-pod Job cannot). */
export const FINISHED_PODS_KEPT = 200;

/**
 * Forgets the oldest finished pods beyond the latest `keep`, and their logs: they are counted already and no
 * decision reads them, so the workflow's memory and its result grow with the running pods, not with completions.
 * Done once the excess reaches `slack`, so it costs nothing per pod.
 */
export function forgetOldFinishedPods(state: JobControllerState, keep = FINISHED_PODS_KEPT, slack = keep): void {
  if (state.pods.length <= keep + slack) return;
  let finished = 0;
  for (const pod of state.pods) if (isTerminal(pod)) finished++;
  if (finished <= keep + slack) return;
  let excess = finished - keep;
  const kept: PodRecord[] = [];
  for (const pod of state.pods) {
    if (excess > 0 && isTerminal(pod)) {
      excess--;
      const logs = state.logs.get(pod.name);
      if (logs) state.logBytes -= logSize(logs);
      state.logs.delete(pod.name);
    } else kept.push(pod);
  }
  state.pods = kept;
}

export function activePods(state: JobControllerState): PodRecord[] {
  return state.pods.filter(isActive);
}

function podBackoffPolicy(settings: ControllerSettings): BackoffPolicy {
  return { baseMs: settings.podBackoffBaseSeconds * 1000, capMs: settings.podBackoffCapSeconds * 1000 };
}

function findCondition(state: JobControllerState, type: JobConditionType): JobCondition | undefined {
  return state.conditions.find((c) => c.type === type && c.status === 'True');
}

/** Slots a Job fills: its completions, or its parallelism in work-queue mode. */
function slotCount(job: Job): number {
  return job.spec.completions ?? job.spec.parallelism;
}

/**
 * manageJob's target of active pods: `min(parallelism, completions - succeeded)`; in work-queue mode
 * `parallelism` until a pod succeeds, then no new pods.
 */
export function wantActive(state: JobControllerState, active: number): number {
  const { completions, parallelism, suspend } = state.job.spec;
  if (suspend) return 0;
  if (completions === null) return state.succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - state.succeeded, parallelism));
}

/**
 * restartPolicy OnFailure (pastBackoffLimitOnFailure): the restarts of pods still running or pending add up to
 * the limit (`>=`, or any restart when the limit is 0).
 */
export function pastBackoffLimitOnFailure(state: JobControllerState): boolean {
  if (state.job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  const restarts = state.pods.filter((p) => !isTerminal(p)).reduce((sum, p) => sum + p.restartCount, 0);
  const limit = state.job.spec.backoffLimit;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** The activeDeadlineSeconds deadline; none while the Job is suspended. */
export function deadlineAt(state: JobControllerState): number | null {
  const ads = state.job.spec.activeDeadlineSeconds;
  return ads === undefined || state.startTime === null || state.job.spec.suspend ? null : state.startTime + ads * 1000;
}

//// Conditions and events

function addEvent(state: JobControllerState, type: JobEvent['type'], reason: string, message: string, now: number): void {
  const last = state.events[state.events.length - 1];
  if (last && last.reason === reason && last.message === message && last.type === type) {
    last.count++;
    last.lastTimestamp = rfc3339(now);
    return;
  }
  state.events.push({ type, reason, message, count: 1, firstTimestamp: rfc3339(now), lastTimestamp: rfc3339(now) });
  if (state.events.length > MAX_EVENTS) state.events.shift();
}

function addCondition(state: JobControllerState, type: JobConditionType, reason: string, message: string, now: number): void {
  const time = rfc3339(now);
  state.conditions.push({ type, status: 'True', reason, message, lastProbeTime: time, lastTransitionTime: time });
}

/** The interim condition (FailureTarget or SuccessCriteriaMet) that decides how the Job ends, if any. */
function terminalTarget(state: JobControllerState): JobCondition | undefined {
  return findCondition(state, 'SuccessCriteriaMet') ?? findCondition(state, 'FailureTarget');
}

//// Pods

function podNamePrefix(job: Job, index: number | null): string {
  const tail = index === null ? '-' : `-${index}-`;
  const room = MAX_GENERATED_NAME_PREFIX - tail.length;
  return `${job.metadata.name.slice(0, Math.max(room, 0))}${tail}`;
}

function createPod(state: JobControllerState, slot: number, now: number, ids: IdSource): PodRecord {
  const index = state.job.spec.completionMode === 'Indexed' ? slot : null;
  const prefix = podNamePrefix(state.job, index);
  let name = `${prefix}${randomNameSuffix(ids.random)}`;
  // The API server refuses a generated name that is taken, and the controller tries again: a name the Job still
  // holds a record of would send one pod's events to the other (a NonIndexed Job of 100,000 pods meets ~17).
  while (state.pods.some((p) => p.name === name)) name = `${prefix}${randomNameSuffix(ids.random)}`;
  const pod: PodRecord = {
    name,
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
function pendingSlots(state: JobControllerState, count: number, now: number): { slots: number[]; notBefore: number | null } {
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

function finishPod(pod: PodRecord, phase: 'Succeeded' | 'Failed', now: number): void {
  pod.phase = phase;
  pod.finishedAt = now;
  pod.runInFlight = false;
  pod.containersRunning = false;
  pod.restartAt = null;
}

function outOfRange(state: JobControllerState, pod: PodRecord): boolean {
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

function countFailure(state: JobControllerState, pod: PodRecord, now: number): void {
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

/** Characters of log text held, as the Job's log budget counts them. */
export const logSize = (entries: ContainerLog[]) => entries.reduce((sum, l) => sum + l.text.length, 0);

function storeLogs(state: JobControllerState, podName: string, logs: ContainerLog[]): void {
  const size = logSize;
  const previous = state.logs.get(podName);
  if (previous) state.logBytes -= size(previous);
  state.logs.set(podName, logs);
  state.logBytes += size(logs);
  // Over budget: drop the oldest pods' logs, keeping how much was dropped.
  for (const [name, entries] of state.logs) {
    if (state.logBytes <= state.settings.jobLogBudgetBytes) break;
    if (name === podName) continue;
    state.logBytes -= size(entries);
    state.logs.set(
      name,
      entries.map((l) => ({ container: l.container, text: '', truncatedBytes: l.truncatedBytes + l.text.length })),
    );
  }
}

//// Events from pods

/** The worker reported that a run of the pod's containers started. */
export function onPodStarted(
  state: JobControllerState,
  report: { podName: string; restartCount: number; nodeName: string; runningForMs?: number },
  now: number,
): void {
  const pod = state.pods.find((p) => p.name === report.podName);
  if (!pod || isTerminal(pod) || !pod.runInFlight || report.restartCount !== pod.restartCount) return;
  pod.containersRunning = true;
  pod.nodeName = report.nodeName;
  if (pod.phase === 'Pending') {
    pod.phase = 'Running';
    pod.startedAt = Math.max(pod.createdAt, now - (report.runningForMs ?? 0));
  }
}

/** A run of the pod's containers ended. */
export function onPodExited(state: JobControllerState, podName: string, outcome: PodOutcome, now: number): void {
  const pod = state.pods.find((p) => p.name === podName);
  if (!pod || isTerminal(pod)) return;
  pod.runInFlight = false;
  pod.containersRunning = false;
  if (outcome.kind === 'exited') {
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

//// The sync loop

/**
 * One pass of the Job controller at time `now` (syncJob): failure criteria first (backoffLimit, then the
 * deadline), then pod creation under parallelism and backoff, then completion. Mutates `state`.
 */
export function reconcile(state: JobControllerState, now: number, ids: IdSource, options: { holdNewRuns?: boolean } = {}): ReconcileActions {
  // holdNewRuns: the workflow is draining its pod runs to continue as new; nothing new starts, the rest holds.
  const hold = options.holdNewRuns === true;
  const actions: ReconcileActions = { start: [], terminate: [], wakeAt: null };
  forgetOldFinishedPods(state);
  if (state.finished) return actions;
  const wake = (at: number) => {
    actions.wakeAt = actions.wakeAt === null ? at : Math.min(actions.wakeAt, at);
  };
  if (!state.job.spec.suspend) state.startTime ??= now;

  // In-place restarts that are due (OnFailure); the kubelet counts a restart when the container starts again.
  const restarting: PodRecord[] = [];
  for (const pod of activePods(state)) {
    if (!hold && pod.restartAt !== null && pod.restartAt <= now) {
      pod.restartAt = null;
      pod.restartCount++;
      restarting.push(pod);
    }
  }

  if (!terminalTarget(state)) evaluateFinishCriteria(state, now);

  const target = terminalTarget(state);
  if (target) {
    terminateActivePods(state, target, now, actions);
    finishIfSettled(state, target, now);
    return actions;
  }

  // Pods beyond what the Job wants now (suspended, parallelism lowered, elastic scale-down) are deleted first and
  // counted neither as succeeded nor as failed (deleteJobPods removes their tracking finalizer first).
  removeExcessPods(state, now, actions);
  updateSuspendedCondition(state, now);

  const active = activePods(state);
  for (const pod of active) {
    if (restarting.includes(pod)) {
      pod.runInFlight = true;
      actions.start.push(pod);
    } else if (pod.restartAt !== null && !hold) wake(pod.restartAt);
  }
  const terminating = state.pods.filter(isTerminating).length;
  const terminatingHeld = state.job.spec.podReplacementPolicy === 'Failed' ? terminating : 0;
  const cap = state.settings.maxPodsInFlight;
  // Pods still terminating are in flight too; under the cap they hold a place whatever the replacement policy.
  const room = cap === undefined ? Number.POSITIVE_INFINITY : cap - active.length - terminating;
  const toCreate = Math.min(wantActive(state, active.length) - terminatingHeld - active.length, room);
  if (toCreate > 0 && !hold) {
    // Without a per-index limit, one Job-wide backoff gates all creations; with it, each index has its own.
    const waitMs = state.job.spec.backoffLimitPerIndex === undefined ? remainingBackoffMs(state.backoff, now, podBackoffPolicy(state.settings)) : 0;
    if (waitMs > 0) wake(now + waitMs);
    else {
      const { slots, notBefore } = pendingSlots(state, toCreate, now);
      if (notBefore !== null) wake(notBefore);
      for (const slot of slots) {
        const pod = createPod(state, slot, now, ids);
        pod.runInFlight = true;
        actions.start.push(pod);
      }
    }
  }

  if (actions.start.length === 0 && isComplete(state)) {
    addCondition(state, 'SuccessCriteriaMet', 'CompletionsReached', MESSAGES.CompletionsReached, now);
    finishIfSettled(state, terminalTarget(state) as JobCondition, now);
    return actions;
  }
  const deadline = deadlineAt(state);
  if (deadline !== null) wake(deadline);
  return actions;
}

/**
 * syncJob's checks, in its order: a FailJob rule, backoffLimit, the deadline, then (Indexed, per-index limit)
 * maxFailedIndexes and failed indexes, then the successPolicy. The first that holds sets the interim condition.
 */
function evaluateFinishCriteria(state: JobControllerState, now: number): void {
  const { spec } = state.job;
  const deadline = deadlineAt(state);
  const fail = (reason: string, message: string) => addCondition(state, 'FailureTarget', reason, message, now);
  if (state.failJobMessage !== null) return fail('PodFailurePolicy', state.failJobMessage);
  if (state.failed > spec.backoffLimit || pastBackoffLimitOnFailure(state)) return fail('BackoffLimitExceeded', MESSAGES.BackoffLimitExceeded);
  if (deadline !== null && now >= deadline) return fail('DeadlineExceeded', MESSAGES.DeadlineExceeded);
  if (spec.completionMode !== 'Indexed' || spec.completions === null) return;
  if (spec.backoffLimitPerIndex !== undefined) {
    const failedIndexes = state.failedSlots.size;
    if (spec.maxFailedIndexes !== undefined && failedIndexes > spec.maxFailedIndexes) {
      return fail('MaxFailedIndexesExceeded', MESSAGES.MaxFailedIndexesExceeded);
    }
    if (failedIndexes > 0 && failedIndexes + state.completedSlots.size >= spec.completions) return fail('FailedIndexes', MESSAGES.FailedIndexes);
  }
  const matched = spec.successPolicy ? matchSuccessPolicy(spec.successPolicy.rules, state.completedSlots, spec.completions) : undefined;
  if (matched) addCondition(state, 'SuccessCriteriaMet', 'SuccessPolicy', matched, now);
}

function isComplete(state: JobControllerState): boolean {
  const active = activePods(state).length;
  const { completions } = state.job.spec;
  return completions === null ? state.succeeded > 0 && active === 0 : state.succeeded >= completions && active === 0;
}

/** Deletes every active pod; when the Job is failing they count as failed, as Kubernetes counts them. */
function terminateActivePods(state: JobControllerState, target: JobCondition, now: number, actions: ReconcileActions): void {
  deletePods(state, activePods(state), now, actions, target.type === 'FailureTarget' ? 'failed' : 'as-they-end');
}

/**
 * Deletes pods: their runs are terminated. `failed` counts them as failed now; `uncounted` keeps them out of
 * the counts whatever they do; `as-they-end` counts a pod that still succeeds.
 */
function deletePods(
  state: JobControllerState,
  pods: PodRecord[],
  now: number,
  actions: ReconcileActions,
  counting: 'failed' | 'uncounted' | 'as-they-end',
): void {
  for (const pod of pods) {
    pod.deletionRequestedAt = now;
    addEvent(state, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`, now);
    if (counting === 'uncounted' || outOfRange(state, pod)) pod.counted = true;
    if (counting === 'failed') countFailure(state, pod, now);
    if (pod.runInFlight) actions.terminate.push(pod);
    else finishPod(pod, 'Failed', now);
  }
}

/**
 * activePodsForRemoval: pods whose index is out of range (elastic scale-down), then the surplus over what the
 * Job wants, preferring pods that are not running yet, then the newest.
 */
function removeExcessPods(state: JobControllerState, now: number, actions: ReconcileActions): void {
  const { completions, completionMode } = state.job.spec;
  const outOfRange = completionMode === 'Indexed' && completions !== null ? activePods(state).filter((p) => p.slot >= completions) : [];
  deletePods(state, outOfRange, now, actions, 'uncounted');
  const active = activePods(state);
  const surplus = active.length - wantActive(state, active.length);
  if (surplus <= 0) return;
  const order = [...active].sort((a, b) => Number(a.containersRunning) - Number(b.containersRunning) || b.createdAt - a.createdAt);
  deletePods(state, order.slice(0, surplus), now, actions, 'uncounted');
}

/** The Suspended condition: added (or set back to True) on suspend, set to False on resume, which restarts startTime. */
function updateSuspendedCondition(state: JobControllerState, now: number): void {
  const existing = state.conditions.find((c) => c.type === 'Suspended');
  const time = rfc3339(now);
  if (state.job.spec.suspend) {
    if (existing?.status === 'True') return;
    if (existing) Object.assign(existing, { status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: time, lastTransitionTime: time });
    else addCondition(state, 'Suspended', 'JobSuspended', 'Job suspended', now);
    addEvent(state, 'Normal', 'Suspended', 'Job suspended', now);
    // As Kubernetes 1.35 (and the 1.32-1.34 patch releases) do: a suspended Job has no startTime, so the
    // deadline starts over when it resumes.
    state.startTime = null;
  } else if (existing?.status === 'True') {
    Object.assign(existing, { status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: time, lastTransitionTime: time });
    addEvent(state, 'Normal', 'Resumed', 'Job resumed', now);
  }
}

type MutableSpecField =
  | 'suspend'
  | 'parallelism'
  | 'completions'
  | 'activeDeadlineSeconds'
  | 'backoffLimit'
  | 'maxFailedIndexes'
  | 'ttlSecondsAfterFinished'
  | 'podReplacementPolicy';

/** The spec fields a running Job takes changes to (ValidateJobSpecUpdate leaves them mutable); `null` removes one. */
export type JobSpecPatch = { [K in MutableSpecField]?: Job['spec'][K] | null };

/** A spec with a patch applied; `null` removes an optional field (completions: null is work-queue mode). */
export function mergeSpecPatch(spec: Job['spec'], patch: JobSpecPatch): Job['spec'] {
  const merged: Record<string, unknown> = { ...spec };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null && key !== 'completions') delete merged[key];
    else merged[key] = value;
  }
  return merged as unknown as Job['spec'];
}

/**
 * Applies a change to a running Job's spec. An elastic Indexed Job that shrinks forgets its completed and
 * failed indexes above the new size (succeeded may decrease, as Kubernetes documents); the next reconcile
 * deletes their pods.
 */
export function applySpecPatch(state: JobControllerState, patch: JobSpecPatch): void {
  const spec = mergeSpecPatch(state.job.spec, patch);
  state.job = { ...state.job, spec };
  if (state.finished || spec.completionMode !== 'Indexed' || spec.completions === null) return;
  const limit = spec.completions;
  state.completedSlots = new Set([...state.completedSlots].filter((i) => i < limit));
  state.failedSlots = new Set([...state.failedSlots].filter((i) => i < limit));
  state.succeeded = state.completedSlots.size;
}

/** The terminal condition waits until no pod is terminating (enactJobFinished). */
function finishIfSettled(state: JobControllerState, target: JobCondition, now: number): void {
  if (state.pods.some((p) => !isTerminal(p))) return;
  const reason = target.reason ?? '';
  const message = target.message ?? '';
  if (target.type === 'SuccessCriteriaMet') {
    addCondition(state, 'Complete', reason, message, now);
    state.completionTime = now;
    addEvent(state, 'Normal', 'Completed', 'Job completed', now);
  } else {
    addCondition(state, 'Failed', reason, message, now);
    addEvent(state, 'Warning', reason, message, now);
  }
  state.finished = true;
}

//// Rendering as Kubernetes objects

export function renderJobStatus(state: JobControllerState): JobStatus {
  const active = activePods(state);
  const terminating = state.pods.filter(isTerminating).length;
  const status: JobStatus = {
    ...(active.length > 0 ? { active: active.length } : {}),
    ready: active.filter((p) => p.containersRunning).length,
    terminating,
    ...(state.succeeded > 0 ? { succeeded: state.succeeded } : {}),
    ...(state.failed > 0 ? { failed: state.failed } : {}),
    uncountedTerminatedPods: {},
  };
  if (state.job.spec.completionMode === 'Indexed' && state.completedSlots.size > 0) {
    status.completedIndexes = formatIndexIntervals(state.completedSlots);
  }
  if (state.job.spec.backoffLimitPerIndex !== undefined) status.failedIndexes = formatIndexIntervals(state.failedSlots);
  if (state.startTime !== null) status.startTime = rfc3339(state.startTime);
  if (state.completionTime !== null) status.completionTime = rfc3339(state.completionTime);
  if (state.conditions.length > 0) status.conditions = state.conditions.map((c) => ({ ...c }));
  return status;
}

export function renderJob(state: JobControllerState): Job {
  return { ...state.job, status: renderJobStatus(state) };
}

export function podLabels(job: Job, index: number | null): Record<string, string> {
  return {
    ...job.spec.template.metadata?.labels,
    ...(index === null ? {} : { [JOB_COMPLETION_INDEX]: String(index) }),
  };
}

export function podAnnotations(job: Job, pod: Pick<PodRecord, 'index' | 'indexFailureCount' | 'indexIgnoredCount'>): Record<string, string> {
  const perIndex = job.spec.backoffLimitPerIndex !== undefined && pod.index !== null;
  return {
    ...job.spec.template.metadata?.annotations,
    ...(pod.index === null ? {} : { [JOB_COMPLETION_INDEX]: String(pod.index) }),
    ...(perIndex ? { [JOB_INDEX_FAILURE_COUNT]: String(pod.indexFailureCount) } : {}),
    ...(perIndex && pod.indexIgnoredCount > 0 ? { [JOB_INDEX_IGNORED_FAILURE_COUNT]: String(pod.indexIgnoredCount) } : {}),
  };
}

/** Kubernetes gives Indexed pods the hostname `$(job-name)-$(index)`, other pods their own name. */
export function podHostname(job: Job, pod: Pick<PodRecord, 'name' | 'index'>): string {
  return pod.index === null ? pod.name : `${job.metadata.name}-${pod.index}`;
}

function containerStatuses(state: JobControllerState, pod: PodRecord, init: boolean): ContainerStatus[] {
  const spec = state.job.spec.template.spec;
  const containers = (init ? spec.initContainers : spec.containers) ?? [];
  return containers.map((container) => {
    const result = pod.lastRun.find((r) => r.name === container.name && r.init === init);
    const restartCount = init ? 0 : pod.restartCount;
    let statusState: ContainerStatus['state'];
    if (pod.restartAt !== null && result && result.exitCode !== 0) {
      statusState = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${container.name}` } };
    } else if (result) {
      statusState = {
        terminated: {
          exitCode: result.exitCode,
          reason: result.reason,
          ...(result.message ? { message: result.message } : {}),
          ...(pod.startedAt !== null ? { startedAt: rfc3339(pod.startedAt) } : {}),
          ...(pod.finishedAt !== null ? { finishedAt: rfc3339(pod.finishedAt) } : {}),
        },
      };
    } else if (pod.containersRunning && pod.startedAt !== null) {
      statusState = { running: { startedAt: rfc3339(pod.startedAt) } };
    } else {
      statusState = { waiting: { reason: isTerminal(pod) ? 'PodTerminated' : 'ContainerCreating' } };
    }
    return { name: container.name, image: container.image ?? '', restartCount, state: statusState };
  });
}

export function renderPod(state: JobControllerState, pod: PodRecord): Pod {
  const { job } = state;
  const initStatuses = containerStatuses(state, pod, true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: job.metadata.namespace,
      creationTimestamp: rfc3339(pod.createdAt),
      ...(pod.deletionRequestedAt !== null ? { deletionTimestamp: rfc3339(pod.deletionRequestedAt) } : {}),
      labels: podLabels(job, pod.index),
      annotations: podAnnotations(job, pod),
    },
    spec: {
      hostname: podHostname(job, pod),
      restartPolicy: job.spec.template.spec.restartPolicy,
      ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
    },
    status: {
      phase: pod.phase,
      ...(pod.reason ? { reason: pod.reason } : {}),
      ...(pod.message ? { message: pod.message } : {}),
      ...(pod.startedAt !== null ? { startTime: rfc3339(pod.startedAt) } : {}),
      ...(pod.disruption
        ? {
            conditions: [
              {
                type: 'DisruptionTarget',
                status: 'True' as const,
                reason: pod.disruption.reason,
                message: pod.disruption.message,
                lastTransitionTime: rfc3339(pod.disruption.at),
              },
            ],
          }
        : {}),
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: containerStatuses(state, pod, false),
    },
  };
}

export function renderPods(state: JobControllerState): Pod[] {
  return state.pods.map((pod) => renderPod(state, pod));
}

/** Idempotency keys: one per (job uid, slot), stable across replacements; one per pod run. */
export function podKeys(job: Job, pod: Pick<PodRecord, 'slot' | 'name' | 'restartCount'>): { podKey: string; attemptKey: string } {
  const podKey = `kjob:${job.metadata.uid}:${pod.slot}`;
  return { podKey, attemptKey: `${podKey}:${pod.name}:${pod.restartCount}` };
}
