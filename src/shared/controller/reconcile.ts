/**
 * One pass of the Job controller (pkg/controller/job/job_controller.go, syncJob and manageJob): the finish
 * criteria, pods beyond what the Job wants deleted, new pods under parallelism and backoff, the Suspended
 * condition, and when to look again. It returns what the workflow must do; it mutates only the state.
 */
import { remainingBackoffMs } from './backoff.js';
import { addCondition, addEvent } from './conditions-and-events.js';
import { deadlineAt, evaluateFinishCriteria, finishIfSettled, isComplete, MESSAGES, terminalTarget } from './finish-criteria.js';
import { createPod, pendingSlots, podBackoffPolicy } from './pod-creation.js';
import { countFailure, finishPod, outOfRange } from './pod-lifecycle.js';
import { forgetOldFinishedPods } from './retention.js';
import { activePods, isTerminating, type IdSource, type JobControllerState, type PodRecord } from './state.js';
import { rfc3339 } from './timestamps.js';
import type { JobCondition } from '../kubernetes-types.js';

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
