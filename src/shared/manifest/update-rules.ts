/**
 * Which changes a running Job takes (pkg/apis/batch/validation ValidateJobSpecUpdate): the mutable fields become a
 * patch; a change to an immutable one is refused with Kubernetes' message.
 */
import { MUTABLE_SPEC_FIELDS, type JobSpecPatch } from '../controller/spec-patch.js';
import type { JobSpec } from '../kubernetes-types.js';
import { fieldError, type FieldError } from './field-errors.js';

const IMMUTABLE_SPEC_FIELDS = ['completionMode', 'backoffLimitPerIndex', 'podFailurePolicy', 'successPolicy', 'managedBy', 'template'] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function validateJobSpecUpdate(current: JobSpec, next: JobSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (!same(current.completions, next.completions)) {
    // Elastic Indexed Jobs: completions may change only together with parallelism, to the same value.
    if (current.completionMode !== 'Indexed') errors.push(fieldError.invalid('spec.completions', next.completions, 'field is immutable'));
    else if (next.completions !== next.parallelism) {
      errors.push(fieldError.invalid('spec.completions', next.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  for (const key of IMMUTABLE_SPEC_FIELDS) {
    if (!same(current[key], next[key])) errors.push(fieldError.invalid(`spec.${key}`, next[key] ?? null, 'field is immutable'));
  }
  return errors;
}

/** The mutable fields in which `next` differs from `current`. */
export function specPatch(current: JobSpec, next: JobSpec): JobSpecPatch {
  const patch: Record<string, unknown> = {};
  // A removed field travels as null: JSON payloads drop undefined.
  for (const key of MUTABLE_SPEC_FIELDS) if (!same(current[key], next[key])) patch[key] = next[key] ?? null;
  return patch as JobSpecPatch;
}
