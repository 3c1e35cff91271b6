/**
 * CronJobs on Temporal Schedules. The Schedule `kjob-cron/<ns>/<name>` starts `kjobCronJobRun` at each slot;
 * the run names the Job `<cronjob>-<unix minutes of the slot>`, starts it as a child Job workflow (the normal
 * `kjob/<ns>/<job>`), waits for it and reports to `kjobCronJobState`, the CronJob's one long-lived workflow that
 * knows its Jobs (status.active, lastScheduleTime, lastSuccessfulTime) and deletes finished Jobs beyond the
 * history limits. The run lasts as long as its Job, so the Schedule's overlap policy is the concurrencyPolicy.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  type ChildWorkflowHandle,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import { rfc3339 } from '../src/shared/controller/timestamps.js';
import { jobFromCronJob } from '../src/shared/cronjob/defaults.js';
import { jobsBeyondHistoryLimits } from '../src/shared/cronjob/decisions.js';
import {
  cronJobStateWorkflowId,
  QUERY_CRONJOB_STATE,
  SIGNAL_CRONJOB_JOB_DELETED,
  SIGNAL_CRONJOB_JOB_FINISHED,
  SIGNAL_CRONJOB_JOB_STARTED,
  type CronJobRunInput,
  type CronJobRunResult,
  type CronJobStateInput,
  type CronJobStateView,
  type JobFinishedMessage,
  type JobStartedMessage,
} from '../src/shared/cronjob/protocol.js';
import { onJobDeleted, onJobFinished, onJobStarted, renderCronJobStatus, type CronJobJobs } from '../src/shared/cronjob/state.js';
import { kjobJob } from './job.js';
import { jobWorkflowId } from '../src/shared/protocol/names.js';
import { jobResultOfFailureDetails, type JobWorkflowResult } from '../src/shared/protocol/job-workflow.js';

type Activities = ReturnType<typeof createActivities>;

const { deleteJobExecution } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute', maximumAttempts: 10 },
});

export const cronJobJobStartedSignal = defineSignal<[JobStartedMessage]>(SIGNAL_CRONJOB_JOB_STARTED);
export const cronJobJobFinishedSignal = defineSignal<[JobFinishedMessage]>(SIGNAL_CRONJOB_JOB_FINISHED);
export const cronJobJobDeletedSignal = defineSignal<[string]>(SIGNAL_CRONJOB_JOB_DELETED);
export const cronJobStateQuery = defineQuery<CronJobStateView>(QUERY_CRONJOB_STATE);

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The slot a Schedule started this run for (its nominal time); a trigger's slot is the moment it was triggered. */
function scheduledStartTime(): number {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (typed) return typed.getTime();
  // Older servers send the attribute untyped.
  const untyped = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (untyped instanceof Date) return untyped.getTime();
  if (typeof untyped === 'string') return Date.parse(untyped);
  return Date.now();
}

/** Signals the CronJob's state workflow; a CronJob deleted with its Jobs orphaned has none, and that is fine. */
async function tellState(namespace: string, name: string, send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>) {
  try {
    await send(getExternalWorkflowHandle(cronJobStateWorkflowId(namespace, name)));
  } catch (error) {
    log.warn('the CronJob state workflow is gone; the Job is not tracked', { error: String(error) });
  }
}

export async function kjobCronJobRun({ cronJob, manualJobName }: CronJobRunInput): Promise<CronJobRunResult> {
  const { namespace, name: cronJobName } = cronJob.metadata;
  const scheduledAtMs = manualJobName === undefined ? scheduledStartTime() : Date.now();
  const job = jobFromCronJob(
    cronJob,
    manualJobName === undefined ? { kind: 'scheduled', scheduledAtMs } : { kind: 'manual', name: manualJobName },
    { uid: uuid4(), creationTimestamp: rfc3339(Date.now()), random: Math.random },
  );
  const jobName = job.metadata.name;
  let child;
  try {
    child = await startChild(kjobJob, {
      workflowId: jobWorkflowId(namespace, jobName),
      args: [{ job }],
      // Deleting the CronJob terminates its runs; their Jobs are then cancelled (pods get SIGTERM).
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    // The slot's Job exists (Kubernetes: "already exists", not created twice).
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { jobName, outcome: 'AlreadyExists' };
    throw error;
  }
  const started: JobStartedMessage = {
    name: jobName,
    uid: job.metadata.uid,
    runId: child.firstExecutionRunId,
    scheduledAtMs,
    startedAtMs: Date.now(),
    manual: manualJobName !== undefined,
  };
  await tellState(namespace, cronJobName, (state) => state.signal(cronJobJobStartedSignal, started));
  try {
    const result = await finishedJob(child);
    const succeeded = (result.job.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
    const finished: JobFinishedMessage = {
      name: jobName,
      succeeded,
      finishedAtMs: Date.now(),
      successfulJobsHistoryLimit: cronJob.spec.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: cronJob.spec.failedJobsHistoryLimit,
    };
    await tellState(namespace, cronJobName, (state) => state.signal(cronJobJobFinishedSignal, finished));
    return { jobName, outcome: 'Finished', succeeded };
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // concurrencyPolicy Replace: the Schedule cancelled this run for a newer one. The Job has been cancelled
    // (its pods terminated); Kubernetes deletes the replaced Job, so it goes too.
    await CancellationScope.nonCancellable(async () => {
      await deleteJobExecution({ workflowId: child.workflowId, runId: child.firstExecutionRunId });
      await tellState(namespace, cronJobName, (state) => state.signal(cronJobJobDeletedSignal, jobName));
    });
    throw error;
  }
}

/** The child Job's outcome: a Complete Job's workflow returns it, a Failed Job's fails with it in the details. */
async function finishedJob(child: ChildWorkflowHandle<typeof kjobJob>): Promise<JobWorkflowResult> {
  try {
    return await child.result();
  } catch (error) {
    const result = error instanceof ChildWorkflowFailure && error.cause instanceof ApplicationFailure ? jobResultOfFailureDetails(error.cause.details) : null;
    if (result) return result;
    throw error;
  }
}

type StateEvent = { kind: 'started'; message: JobStartedMessage } | { kind: 'finished'; message: JobFinishedMessage } | { kind: 'deleted'; name: string };

/** Events between two continue-as-new; keeps the history small for CronJobs that run for years. */
const EVENTS_PER_RUN = 500;

export async function kjobCronJobState(input: CronJobStateInput): Promise<void> {
  const state: CronJobJobs = {
    jobs: input.jobs ?? [],
    ...(input.lastScheduleAtMs !== undefined ? { lastScheduleAtMs: input.lastScheduleAtMs } : {}),
    ...(input.lastSuccessfulAtMs !== undefined ? { lastSuccessfulAtMs: input.lastSuccessfulAtMs } : {}),
  };
  const inbox: StateEvent[] = [];
  let handled = 0;
  setHandler(cronJobJobStartedSignal, (message) => void inbox.push({ kind: 'started', message }));
  setHandler(cronJobJobFinishedSignal, (message) => void inbox.push({ kind: 'finished', message }));
  setHandler(cronJobJobDeletedSignal, (name) => void inbox.push({ kind: 'deleted', name }));
  setHandler(cronJobStateQuery, () => ({ jobs: state.jobs, status: renderCronJobStatus(state, input.namespace) }));

  for (;;) {
    await condition(() => inbox.length > 0);
    for (const event of inbox.splice(0)) {
      handled++;
      if (event.kind === 'started') onJobStarted(state, event.message);
      else if (event.kind === 'deleted') onJobDeleted(state, event.name);
      else {
        onJobFinished(state, event.message);
        const finished = state.jobs.flatMap((j) => (j.finished ? [{ name: j.name, succeeded: j.finished.succeeded, startedAtMs: j.startedAtMs }] : []));
        for (const name of jobsBeyondHistoryLimits(finished, event.message)) {
          const doomed = state.jobs.find((j) => j.name === name)!;
          try {
            await deleteJobExecution({ workflowId: jobWorkflowId(input.namespace, name), runId: doomed.runId });
          } catch (error) {
            log.warn('could not delete a Job beyond the history limit', { job: name, error: String(error) });
          }
          onJobDeleted(state, name);
        }
      }
    }
    if (handled >= EVENTS_PER_RUN && inbox.length === 0) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof kjobCronJobState>({ namespace: input.namespace, name: input.name, ...state });
    }
  }
}
