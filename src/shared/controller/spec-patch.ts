/**
 * Changes to a running Job's spec: the fields that take them (pkg/apis/batch/validation ValidateJobSpecUpdate
 * leaves them mutable), how a patch merges into the spec, and what a patch does to the controller's state.
 */
import type { Job, JobSpec } from '../kubernetes-types.js';
import type { JobControllerState } from './state.js';

/** The spec fields a running Job takes changes to. */
export const MUTABLE_SPEC_FIELDS = [
  'suspend',
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'backoffLimit',
  'maxFailedIndexes',
  'ttlSecondsAfterFinished',
  'podReplacementPolicy',
] as const satisfies readonly (keyof JobSpec)[];

export type MutableSpecField = (typeof MUTABLE_SPEC_FIELDS)[number];

/** A change to the mutable fields; `null` removes one. */
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
