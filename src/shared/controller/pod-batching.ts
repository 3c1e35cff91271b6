/**
 * Whether a Job's pods run one per activity or many per activity (workflows/pod-batches.ts), decided from how
 * long its pods run. Kubernetes has no such choice (every pod is an API object and a kubelet's work); it is
 * kjob's, because a short pod is cheap to run and expensive to schedule: one activity's round trips cost the
 * server more than a no-op pod costs the worker. Long pods keep an activity each, so the Web UI shows them
 * one by one; pods of unknown length go in small batches only when many start at once.
 *
 * The annotation `kjob.dev/pod-batching` on the Job: `auto` (the default) or `off` (one activity per pod).
 *
 * These numbers decide which activities a Job's workflow schedules: changing any of them changes the commands
 * of existing histories, so a change goes behind a new patched() (the old values kept for histories without it).
 */
import { fieldError, type FieldError } from '../manifest/field-errors.js';
import type { Job } from '../kubernetes-types.js';

export const POD_BATCHING_ANNOTATION = 'kjob.dev/pod-batching';
export const POD_BATCHING_MODES = ['auto', 'off'] as const;
export type PodBatchingMode = (typeof POD_BATCHING_MODES)[number];

/**
 * A run whose containers ran this long or less is short. Not much less: on a loaded 2-core host a no-op
 * command pod's run can pass a second, and a Job should not fall back to one activity per pod for that.
 */
export const SHORT_RUN_MS = 2_000;
/** The runs the pace is read from: the latest ones. */
const PACE_WINDOW = 8;
/**
 * A batch that runs longer than this reports its pods' ends to the Job as they come (SIGNAL_POD_BATCH_ENDED), so a
 * pod stopped alone, or one that ended beside a long one, is seen ended then, not when its whole batch ends.
 */
export const BATCH_REPORTS_ENDS_AFTER_MS = 1_000;
/** Pods of unknown length go in batches of this many, and only when at least UNKNOWN_BATCHES_FROM start at once. */
const UNKNOWN_BATCH_SIZE = 8;
const UNKNOWN_BATCHES_FROM = 32;
/** Short pods go in batches of about a quarter of the parallelism (a few batches in flight), at most this many. */
export const MAX_BATCH_SIZE = 250;

export function podBatchingMode(job: Pick<Job, 'metadata'>): PodBatchingMode {
  return job.metadata.annotations?.[POD_BATCHING_ANNOTATION] === 'off' ? 'off' : 'auto';
}

export function podBatchingErrors(annotations: unknown): FieldError[] {
  const value = (annotations as Record<string, unknown> | undefined)?.[POD_BATCHING_ANNOTATION];
  if (value === undefined || (POD_BATCHING_MODES as readonly unknown[]).includes(value)) return [];
  return [fieldError.notSupported(`metadata.annotations[${POD_BATCHING_ANNOTATION}]`, value, POD_BATCHING_MODES)];
}

/** How long the Job's latest pod runs ran (their containers, ms), newest last. */
export interface PodPace {
  recentRunMs: number[];
}

export const newPodPace = (): PodPace => ({ recentRunMs: [] });

export function recordRun(pace: PodPace, ranMs: number): void {
  pace.recentRunMs.push(ranMs);
  if (pace.recentRunMs.length > PACE_WINDOW) pace.recentRunMs.shift();
}

export type Pace = 'unknown' | 'short' | 'long';

export function paceOf(pace: PodPace): Pace {
  if (pace.recentRunMs.length === 0) return 'unknown';
  return pace.recentRunMs.every((ms) => ms <= SHORT_RUN_MS) ? 'short' : 'long';
}

/**
 * How `count` pods starting together are grouped: each number is a batch's size, 1 a pod with an activity of
 * its own. Short pods: batches of a quarter of the parallelism (up to MAX_BATCH_SIZE); long pods, or batching
 * off: one each; unknown: small batches when many start at once, else one each.
 */
export function batchSizes(count: number, options: { mode: PodBatchingMode; pace: Pace; parallelism: number }): number[] {
  if (count <= 0) return [];
  let size = 1;
  if (options.mode === 'auto') {
    if (options.pace === 'short') size = Math.min(MAX_BATCH_SIZE, Math.max(1, Math.ceil(options.parallelism / 4)));
    else if (options.pace === 'unknown' && count >= UNKNOWN_BATCHES_FROM) size = UNKNOWN_BATCH_SIZE;
  }
  if (size === 1) return Array.from({ length: count }, () => 1);
  const sizes: number[] = [];
  for (let left = count; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}
