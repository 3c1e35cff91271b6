/**
 * What the Temporal Web UI shows of a Job: the workflow's static summary and details (set at start), its
 * current details (the live status), and a one-line summary on each pod activity and each timer. Pure, so the
 * workflow and the client share it and tests can read it.
 */
import type { Job, JobStatus } from '../kubernetes-types.js';
import { completionsColumn, jobStatusColumn } from '../controller/job-phase.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The workflow's one-line summary: what `kubectl get job` would say of it at creation. */
export function jobStaticSummary(job: Job): string {
  const { spec } = job;
  const completions = spec.completions === null ? 'work queue' : `${spec.completions} completions`;
  return `Job ${job.metadata.namespace}/${job.metadata.name}: ${spec.completionMode}, ${completions}, parallelism ${spec.parallelism}`;
}

/** The summary on a pod's activity: which pod (an Indexed pod's name holds its index), and which restart. */
export function podRunSummary(pod: { name: string; restartCount: number }): string {
  return `pod ${pod.name}${pod.restartCount > 0 ? ` · restart ${pod.restartCount}` : ''}`;
}

/** A batch of pods' activity in the Web UI: how many, and the first and last of them. */
export function podBatchSummary(pods: readonly { name: string; index: number | null }[]): string {
  const first = pods[0];
  const last = pods[pods.length - 1];
  if (!first || !last) return 'no pods';
  const indexes = first.index !== null && last.index !== null ? ` · indexes ${first.index}…${last.index}` : '';
  return `${pods.length} pods · ${first.name} … ${last.name}${indexes}`;
}

/** The summary on a wake-up timer: the deadline, or the backoff that holds the next pod. */
export function wakeSummary(at: number, deadline: number | null): string {
  return deadline !== null && at >= deadline ? `activeDeadlineSeconds: the Job's deadline at ${iso(at)}` : `backoff: next pod start at ${iso(at)}`;
}

/** Text shown as itself in the UI's Markdown (an image reference holds no markup, but a registry's message may). */
function markdownText(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, (c) => `\\${c}`);
}

/** Waiting pods the current details name at most; the rest are counted. */
const WAITING_PODS_SHOWN = 5;

/**
 * The workflow's current details (Markdown): the live JobStatus as `kubectl describe job` sums it up, and the
 * pods kept from starting (an image that cannot be pulled), as `kubectl get pods` would show them.
 */
export function jobCurrentDetails(
  job: Job,
  nextWake: number | null,
  waiting: readonly { pod: string; reason: string; message?: string }[] = [],
): string {
  const status: Partial<JobStatus> = job.status ?? {};
  const lines = [
    `**${jobStatusColumn(job)}** · completions ${completionsColumn(job)} · active ${status.active ?? 0} · ` +
      `ready ${status.ready ?? 0} · failed ${status.failed ?? 0}${status.terminating ? ` · terminating ${status.terminating}` : ''}`,
  ];
  if (job.spec.completionMode === 'Indexed') {
    // kubectl's <none>, escaped: the UI renders these details as Markdown, where <none> is an HTML tag.
    const none = '\\<none\\>';
    lines.push(`Completed indexes: ${status.completedIndexes || none}`);
    if (status.failedIndexes !== undefined) lines.push(`Failed indexes: ${status.failedIndexes || none}`);
  }
  if (nextWake !== null) lines.push(`Next retry: ${iso(nextWake)}`);
  const last = status.conditions?.[status.conditions.length - 1];
  if (last) lines.push(`Condition: ${last.type} (${last.reason ?? ''})${last.message ? `: ${last.message}` : ''}`);
  for (const { pod, reason, message } of waiting.slice(0, WAITING_PODS_SHOWN)) {
    lines.push(`Pod ${pod}: **${reason}**${message ? `: ${markdownText(message)}` : ''}`);
  }
  if (waiting.length > WAITING_PODS_SHOWN) lines.push(`… and ${waiting.length - WAITING_PODS_SHOWN} more pods waiting`);
  return lines.join('\n\n');
}
