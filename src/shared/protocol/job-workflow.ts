/**
 * What a client and the Job workflow pass: the workflow's input (the Job, and after continue-as-new the state
 * its previous run handed over) and its result. Plain data only: it crosses Temporal's payload converter.
 */
import type { CarriedControllerState } from '../controller/carry-over.js';
import type { ContainerLog, Job, JobEvent, Pod } from '../kubernetes-types.js';
import { renderPod } from '../controller/render.js';
import type { PodRecord } from '../controller/state.js';

export interface JobWorkflowInput {
  job: Job;
  /** The controller state handed over by the previous run when the workflow continued as new. */
  carried?: CarriedControllerState;
  /** Which pod runner shards run which pods (wide Jobs), handed over with the state. */
  shards?: { nextShard: number; shards: [string, { active: number; served: number; closed: boolean }][]; placement: [string, string][] };
}

/** What a finished Job's TTL workflow (workflows/ttl.ts) is given: the run to delete, and when. */
export interface JobTtlInput {
  workflowId: string;
  runId: string;
  /** Epoch milliseconds: the terminal condition's time plus the TTL. */
  expireAt: number;
}

/** A finished Job as the workflow returns it: the Job with its final status, and its pods. */
export interface JobWorkflowResult {
  job: Job;
  /** The latest pods as records, rendered by the reader (resultPods): half the bytes of rendered pods. */
  podRecords?: PodRecord[];
  /** The latest pods rendered (results of Jobs that finished before podRecords). */
  pods?: Pod[];
  logs: Record<string, ContainerLog[]>;
  events: JobEvent[];
}

/** A finished Job's latest pods, as `kjob get pods` shows them. */
export function resultPods(result: JobWorkflowResult): Pod[] {
  return result.pods ?? (result.podRecords ?? []).map((pod) => renderPod(result, pod));
}

/**
 * A Job that ends Failed ends its workflow as failed, so the Web UI and `ExecutionStatus="Failed"` tell it from a
 * Complete one: the failure's type and message are the Job's Failed condition's reason and message, and its
 * details hold the finished Job, as a Complete Job's workflow returns it.
 */
export interface FailedJobFailure {
  type: string;
  message: string;
  details: [JobWorkflowResult];
}

/** Workflow statuses whose outcome holds the finished Job: completed (a Complete Job) or failed (a Failed one). */
export function closedWithJob(status: string): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** The finished Job in a failed Job workflow's failure details, or null for a failure of another kind. */
export function jobResultOfFailureDetails(details: readonly unknown[] | null | undefined): JobWorkflowResult | null {
  const [result] = details ?? [];
  const job = (result as Partial<JobWorkflowResult> | undefined)?.job;
  const { pods, podRecords } = (result ?? {}) as Partial<JobWorkflowResult>;
  return job?.kind === 'Job' && (Array.isArray(pods) || Array.isArray(podRecords)) ? (result as JobWorkflowResult) : null;
}

/** What a finished Job's workflow fails with: null for a Job that did not end Failed. */
export function failedJobFailure(result: JobWorkflowResult): FailedJobFailure | null {
  const failed = result.job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!failed) return null;
  const reason = failed.reason ?? 'Failed';
  return { type: reason, message: failed.message || reason, details: [result] };
}
