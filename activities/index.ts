/** The worker's activities: the pod runner and the controller settings a Job reads when it starts. */
import type { ControllerSettings, PodBatchRequest } from '../src/shared/protocol/pod-runs.js';
import type { PodRunRequest } from '../src/shared/protocol/pod-runs.js';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { deleteExecution } from '../src/client/execution-deletion.js';
import { isKjobError } from '../src/shared/errors.js';
import { JOB_TTL_WORKFLOW_TYPE } from '../src/shared/protocol/names.js';
import type { JobTtlInput } from '../src/shared/protocol/job-workflow.js';
import type { PodRunner } from './pod-run.js';
import { runPod } from './run-pod.js';
import { runPodBatch } from './run-pod-batch.js';

export function createActivities(deps: { settings: ControllerSettings; pods: PodRunner }) {
  return {
    /** Read once per Job (a local activity), so the worker's settings become part of the Job's history. */
    async controllerSettings(): Promise<ControllerSettings> {
      return deps.settings;
    },
    async runPod(request: PodRunRequest) {
      return runPod(deps.pods, request);
    },
    /** Many short pods in one activity (workflows/pod-batches.ts). */
    async runPodBatch(request: PodBatchRequest) {
      return runPodBatch(deps.pods, request);
    },
    /**
     * Stops pod runs of this worker's process (a local activity of the Job's workflow, on a worker with
     * `timeSkippingTestServer`; workflows/pod-cancel.ts says why); runs not started yet stop when they start.
     */
    async stopPodRuns(attemptKeys: string[]): Promise<void> {
      // A worker of the same task queue started without the option: the pods it runs could not be stopped.
      if (!deps.pods.stops) throw ApplicationFailure.nonRetryable('this worker was not started for the time-skipping test server (timeSkippingTestServer)', 'NotStoppable');
      deps.pods.stops.stop(attemptKeys);
    },
    /** Starts a finished Job's TTL workflow (a local activity; on the time-skipping test server: workflows/job-run.ts). */
    async startJobTtl({ ttlWorkflowId, input }: { ttlWorkflowId: string; input: JobTtlInput }): Promise<void> {
      const { client, info } = Context.current();
      await client.workflow.start(JOB_TTL_WORKFLOW_TYPE, { workflowId: ttlWorkflowId, taskQueue: info.taskQueue, args: [input] }).catch((error: unknown) => {
        // A retried attempt finds the workflow the first one started.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      });
    },
    /** Deletes one run of a Job workflow (ttlSecondsAfterFinished); gone already counts as done. */
    async deleteJobExecution({ workflowId, runId }: { workflowId: string; runId: string }): Promise<void> {
      const { client, info } = Context.current();
      // runId may name the Job's first run (a CronJob knows only that): if the Job has continued as new since,
      // its latest run is the one that holds the Job, so that is the one deleted.
      let target = runId;
      const latest = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      if (latest && latest.runId !== runId && latest.raw.workflowExecutionInfo?.firstRunId === runId) target = latest.runId;
      await deleteExecution(client, workflowId, { runId: target, marks: deps.settings.timeSkippingTestServer === true, taskQueue: info.taskQueue }).catch((error: unknown) => {
        // A server that cannot delete will not learn to by retrying.
        if (isKjobError(error)) throw ApplicationFailure.nonRetryable(error.message, 'Unimplemented');
        throw error;
      });
    },
  };
}
