/**
 * The CronJob controller's choices as pure functions: how a CronJob maps onto a Temporal Schedule, and which
 * finished Jobs its history limits remove.
 */
import type { ConcurrencyPolicy, CronJobSpec } from './types.js';

/** Temporal's overlap policy for each concurrencyPolicy (string values of @temporalio/client's ScheduleOverlapPolicy). */
export type OverlapPolicy = 'ALLOW_ALL' | 'SKIP' | 'CANCEL_OTHER';

/**
 * Allow: runs overlap. Forbid: a run due while the previous one runs is skipped (Kubernetes skips it too, and
 * does not queue it). Replace: the running run is cancelled (its Job's pods get SIGTERM, the Job is deleted)
 * and the new one starts once it is gone.
 */
export function overlapPolicyFor(policy: ConcurrencyPolicy): OverlapPolicy {
  switch (policy) {
    case 'Allow':
      return 'ALLOW_ALL';
    case 'Forbid':
      return 'SKIP';
    case 'Replace':
      return 'CANCEL_OTHER';
  }
}

/** Temporal refuses catch-up windows under 10 s. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;

/**
 * startingDeadlineSeconds: a run missed (server down, worker absent) is still started this long after its time.
 * Unset: Temporal's default (a year), close to Kubernetes' "no deadline".
 */
export function catchupWindowMs(spec: Pick<CronJobSpec, 'startingDeadlineSeconds'>): number | undefined {
  if (spec.startingDeadlineSeconds === undefined) return undefined;
  return Math.max(spec.startingDeadlineSeconds * 1000, MIN_CATCHUP_WINDOW_MS);
}

/** A Temporal schedule spec: the cron expression in the CronJob's zone (UTC when none; see README). */
export function scheduleSpecFor(spec: Pick<CronJobSpec, 'schedule' | 'timeZone'>): { cronExpressions: string[]; timezone?: string } {
  return { cronExpressions: [spec.schedule], ...(spec.timeZone !== undefined ? { timezone: spec.timeZone } : {}) };
}

export interface FinishedJobRecord {
  name: string;
  succeeded: boolean;
  /** Epoch ms; Kubernetes orders history by the Job's start time. */
  startedAtMs: number;
}

/**
 * Kubernetes' cleanupFinishedJobs: successful and failed Jobs are kept separately, the newest by start time,
 * up to each limit; the rest are deleted, oldest first.
 */
export function jobsBeyondHistoryLimits(
  finished: readonly FinishedJobRecord[],
  limits: Pick<CronJobSpec, 'successfulJobsHistoryLimit' | 'failedJobsHistoryLimit'>,
): string[] {
  const beyond = (jobs: FinishedJobRecord[], limit: number) =>
    jobs
      .sort((a, b) => a.startedAtMs - b.startedAtMs || a.name.localeCompare(b.name))
      .slice(0, Math.max(jobs.length - limit, 0))
      .map((j) => j.name);
  return [
    ...beyond(finished.filter((j) => j.succeeded), limits.successfulJobsHistoryLimit),
    ...beyond(finished.filter((j) => !j.succeeded), limits.failedJobsHistoryLimit),
  ];
}
