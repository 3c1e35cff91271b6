/**
 * Pod-recreation backoff (pkg/controller/job/backoff_utils.go, getRemainingTimeForFailuresCount):
 * after n consecutive failures a new pod waits `min(base · 2^(n-1), cap)` from the last failure.
 * Kubernetes' base is 10 s; its docs promise a 6-minute cap (the controller code uses 10 minutes), so the cap is
 * a worker setting with 6 minutes as default.
 *
 * Reset rule (newBackoffRecord): a success sets the count back to 0; only failures after it count again.
 */
export interface BackoffRecord {
  /** Failures since the last success. */
  failuresAfterLastSuccess: number;
  /** Workflow time (ms) of the latest of those failures. */
  lastFailureTime: number | null;
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const emptyBackoffRecord = (): BackoffRecord => ({ failuresAfterLastSuccess: 0, lastFailureTime: null });

/** The delay after `failures` consecutive failures: 0, base, 2·base, 4·base, … capped. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy): number {
  if (failures <= 0) return 0;
  let delay = policy.baseMs;
  for (let i = 1; i < failures; i++) {
    delay *= 2;
    if (delay >= policy.capMs) return policy.capMs;
  }
  return Math.min(delay, policy.capMs);
}

/** Milliseconds still to wait at `now` before a pod may be created; 0 when it may be created now. */
export function remainingBackoffMs(record: BackoffRecord, now: number, policy: BackoffPolicy): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === null) return 0;
  const delay = backoffDelayMs(record.failuresAfterLastSuccess, policy);
  return Math.max(0, delay - (now - record.lastFailureTime));
}

export function recordPodSuccess(): BackoffRecord {
  return { failuresAfterLastSuccess: 0, lastFailureTime: null };
}

export function recordPodFailure(record: BackoffRecord, at: number): BackoffRecord {
  return {
    failuresAfterLastSuccess: record.failuresAfterLastSuccess + 1,
    lastFailureTime: Math.max(at, record.lastFailureTime ?? at),
  };
}

/**
 * The kubelet's restart delay for a container that keeps failing in place (restartPolicy OnFailure,
 * "CrashLoopBackOff"): 10 s doubling, capped at 5 minutes.
 */
export const CONTAINER_RESTART_BACKOFF: BackoffPolicy = { baseMs: 10_000, capMs: 300_000 };
