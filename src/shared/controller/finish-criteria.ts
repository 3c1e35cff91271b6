/**
 * When a Job is done (pkg/controller/job/job_controller.go, syncJob's checks and enactJobFinished): the criteria
 * that set its interim condition (FailureTarget or SuccessCriteriaMet), and the terminal condition (Failed or
 * Complete) once no pod is left terminating.
 */
import type { JobCondition } from '../kubernetes-types.js';
import { addCondition, addEvent, findCondition } from './conditions-and-events.js';
import { activePods, isTerminal, type JobControllerState } from './state.js';
import { matchSuccessPolicy } from './success-policy.js';

export const MESSAGES = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  MaxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  FailedIndexes: 'Job has failed indexes',
  CompletionsReached: 'Reached expected number of succeeded pods',
} as const;

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

/** The interim condition (FailureTarget or SuccessCriteriaMet) that decides how the Job ends, if any. */
export function terminalTarget(state: JobControllerState): JobCondition | undefined {
  return findCondition(state, 'SuccessCriteriaMet') ?? findCondition(state, 'FailureTarget');
}

/**
 * syncJob's checks, in its order: a FailJob rule, backoffLimit, the deadline, then (Indexed, per-index limit)
 * maxFailedIndexes and failed indexes, then the successPolicy. The first that holds sets the interim condition.
 */
export function evaluateFinishCriteria(state: JobControllerState, now: number): void {
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

export function isComplete(state: JobControllerState): boolean {
  const active = activePods(state).length;
  const { completions } = state.job.spec;
  return completions === null ? state.succeeded > 0 && active === 0 : state.succeeded >= completions && active === 0;
}

/** The terminal condition waits until no pod is terminating (enactJobFinished). */
export function finishIfSettled(state: JobControllerState, target: JobCondition, now: number): void {
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
