/**
 * What a CronJob knows about its Jobs (Kubernetes keeps it in status.active and finds the rest by owner
 * reference): pure transitions, used by the CronJob's state workflow, and the status they render to.
 */
import { rfc3339 } from '../controller/timestamps.js';
import type { JobFinishedMessage, JobStartedMessage, TrackedJob } from './protocol.js';
import type { CronJobStatus } from './types.js';

export interface CronJobJobs {
  jobs: TrackedJob[];
  lastScheduleAtMs?: number;
  lastSuccessfulAtMs?: number;
}

export function onJobStarted(state: CronJobJobs, message: JobStartedMessage): void {
  if (!state.jobs.some((j) => j.name === message.name)) {
    const { manual: _manual, ...job } = message;
    state.jobs.push(job);
  }
  if (!message.manual) state.lastScheduleAtMs = Math.max(state.lastScheduleAtMs ?? 0, message.scheduledAtMs);
}

export function onJobFinished(state: CronJobJobs, message: JobFinishedMessage): void {
  const job = state.jobs.find((j) => j.name === message.name);
  if (job) job.finished = { succeeded: message.succeeded, atMs: message.finishedAtMs };
  if (message.succeeded) state.lastSuccessfulAtMs = Math.max(state.lastSuccessfulAtMs ?? 0, message.finishedAtMs);
}

export function onJobDeleted(state: CronJobJobs, name: string): void {
  state.jobs = state.jobs.filter((j) => j.name !== name);
}

/** status.active (in start order), lastScheduleTime and lastSuccessfulTime. */
export function renderCronJobStatus(state: CronJobJobs, namespace: string): CronJobStatus {
  const active = state.jobs
    .filter((j) => !j.finished)
    .map((j) => ({ apiVersion: 'batch/v1' as const, kind: 'Job' as const, name: j.name, namespace, uid: j.uid }));
  return {
    ...(active.length > 0 ? { active } : {}),
    ...(state.lastScheduleAtMs !== undefined ? { lastScheduleTime: rfc3339(state.lastScheduleAtMs) } : {}),
    ...(state.lastSuccessfulAtMs !== undefined ? { lastSuccessfulTime: rfc3339(state.lastSuccessfulAtMs) } : {}),
  };
}
