/** Names and messages shared by the CronJob workflows and the client. Plain data: it crosses the workflow sandbox. */
import type { CronJob, CronJobStatus } from './types.js';

export const CRONJOB_RUN_WORKFLOW_TYPE = 'kjobCronJobRun';
export const CRONJOB_STATE_WORKFLOW_TYPE = 'kjobCronJobState';
export const SIGNAL_CRONJOB_JOB_STARTED = 'cronJobJobStarted';
export const SIGNAL_CRONJOB_JOB_FINISHED = 'cronJobJobFinished';
export const SIGNAL_CRONJOB_JOB_DELETED = 'cronJobJobDeleted';
export const QUERY_CRONJOB_STATE = 'cronJobState';

/** The Temporal Schedule of a CronJob: `kjob-cron/<namespace>/<name>`. */
export function cronJobScheduleId(namespace: string, name: string): string {
  return `${CRONJOB_SCHEDULE_ID_PREFIX}${namespace}/${name}`;
}
export const CRONJOB_SCHEDULE_ID_PREFIX = 'kjob-cron/';
/** The workflow that keeps a CronJob's Jobs (active and finished) and applies its history limits. */
export function cronJobStateWorkflowId(namespace: string, name: string): string {
  return `kjob-cron-state/${namespace}/${name}`;
}
/** Prefix of the schedule's run workflows (Temporal appends the scheduled time). */
export function cronJobRunWorkflowId(namespace: string, name: string): string {
  return `kjob-cron-run/${namespace}/${name}`;
}

export interface CronJobRunInput {
  cronJob: CronJob;
  /** Set by `createJobFromCronJob`: a Job with this name, as `kubectl create job NAME --from=cronjob/X`. */
  manualJobName?: string;
}

export interface CronJobRunResult {
  jobName: string;
  /** AlreadyExists: a Job of that name existed (the same slot ran before), so nothing was started. */
  outcome: 'Finished' | 'AlreadyExists';
  succeeded?: boolean;
}

export interface JobStartedMessage {
  name: string;
  uid: string;
  runId: string;
  /** The schedule slot; for a manual Job, its creation time. */
  scheduledAtMs: number;
  startedAtMs: number;
  /** Created by createJobFromCronJob: not a scheduled run, so lastScheduleTime stays. */
  manual: boolean;
}

export interface JobFinishedMessage {
  name: string;
  succeeded: boolean;
  finishedAtMs: number;
  /** The limits of the CronJob as the run saw it (apply may change them). */
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
}

export interface TrackedJob {
  name: string;
  uid: string;
  runId: string;
  scheduledAtMs: number;
  startedAtMs: number;
  finished?: { succeeded: boolean; atMs: number };
}

export interface CronJobStateInput {
  namespace: string;
  name: string;
  /** Carried over continue-as-new. */
  jobs?: TrackedJob[];
  lastScheduleAtMs?: number;
  lastSuccessfulAtMs?: number;
}

export interface CronJobStateView {
  jobs: TrackedJob[];
  status: CronJobStatus;
}
