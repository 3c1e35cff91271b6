/**
 * What a client and the Job workflow pass: the workflow's input (the Job, and after continue-as-new the state
 * its previous run handed over) and its result. Plain data only: it crosses Temporal's payload converter.
 */
import type { CarriedControllerState } from '../controller/carry-over.js';
import type { ContainerLog, Job, JobEvent, Pod } from '../kubernetes-types.js';

export interface JobWorkflowInput {
  job: Job;
  /** The controller state handed over by the previous run when the workflow continued as new. */
  carried?: CarriedControllerState;
  /** Which pod runner shards run which pods (wide Jobs), handed over with the state. */
  shards?: { nextShard: number; shards: [string, { active: number; served: number; closed: boolean }][]; placement: [string, string][] };
}

/** A finished Job as the workflow returns it: the Job with its final status, and its pods. */
export interface JobWorkflowResult {
  job: Job;
  pods: Pod[];
  logs: Record<string, ContainerLog[]>;
  events: JobEvent[];
}
