/**
 * `ctx.once` through the Job's workflow (what the worker's TemporalOnceStore sends, what the Job's workflow
 * answers): a pod run claims a key, runs its function, and commits the value; a replacement pod on any host finds
 * the committed value. Decided by src/shared/controller/once-records.ts.
 */

/** Which pod run asks: the attempt key of its run, and the uid of the Job it was started for. */
export interface OncePodRun {
  attemptKey: string;
  jobUid: string;
}

export interface OnceClaimRequest extends OncePodRun {
  /** `<podKey>/<name>`: stable across the pod's replacements. */
  key: string;
}

export interface OnceCommitRequest extends OnceClaimRequest {
  /** The function's result (JSON; `undefined` is stored as `null`). */
  value: unknown;
}

/**
 * A claim's answer: the committed value; the claim is this run's (run the function, then commit); or another
 * running pod run holds it (ask again after a while).
 */
export type OnceClaimResult = { done: unknown } | { claimed: true } | { heldBy: string };

/** A commit's answer: the value committed for the key (this run's, or one committed before). */
export interface OnceCommitResult {
  done: unknown;
}

/** The ApplicationFailure type of a refused claim or commit: asking again cannot change the answer. */
export const ONCE_REFUSED = 'KjobOnceRefused';
/**
 * The ApplicationFailure type of a claim held by another running pod run (its message is the holder's attempt
 * key): the claim's validator rejects it, so a waiter's polls leave nothing in the history and do not count
 * against the server's updates per run.
 */
export const ONCE_HELD = 'KjobOnceHeld';
