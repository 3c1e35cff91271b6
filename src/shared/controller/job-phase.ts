/**
 * How kubectl sums up a Job in one word and one fraction (the STATUS and COMPLETIONS columns of `kubectl get
 * jobs`). Shared by the CLI and the workflow, which publishes the same word as a search attribute.
 */
import type { Job } from '../kubernetes-types.js';

const hasCondition = (job: Job, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The Job has finished: Complete or Failed. */
export function isFinished(job: Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** kubectl's STATUS column: the first true condition among these, else Running. */
export function jobStatusColumn(job: Job): string {
  for (const type of ['Complete', 'Failed', 'Suspended', 'FailureTarget', 'SuccessCriteriaMet']) {
    if (hasCondition(job, type)) return type;
  }
  return 'Running';
}

/** kubectl's COMPLETIONS column. */
export function completionsColumn(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const { completions, parallelism } = job.spec;
  if (completions !== null) return `${succeeded}/${completions}`;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}
