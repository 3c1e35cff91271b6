/** The worker's activities: the pod runner and the controller settings a Job reads when it starts. */
import type { ControllerSettings, PodRunInput } from '../src/shared/protocol/pod-runs.js';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isGrpcServiceError } from '@temporalio/client';
import type { PodRunner } from './pod-run.js';
import { runPod } from './run-pod.js';

const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;

export function createActivities(deps: { settings: ControllerSettings; pods: PodRunner }) {
  return {
    /** Read once per Job (a local activity), so the worker's settings become part of the Job's history. */
    async controllerSettings(): Promise<ControllerSettings> {
      return deps.settings;
    },
    async runPod(input: PodRunInput) {
      return runPod(deps.pods, input);
    },
    /** Deletes one run of a Job workflow (ttlSecondsAfterFinished); gone already counts as done. */
    async deleteJobExecution({ workflowId, runId }: { workflowId: string; runId: string }): Promise<void> {
      const { client, info } = Context.current();
      try {
        // runId may name the Job's first run (a CronJob knows only that): if the Job has continued as new since,
        // its latest run is the one that holds the Job, so that is the one deleted.
        let target = runId;
        const latest = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
        if (latest && latest.runId !== runId && latest.raw.workflowExecutionInfo?.firstRunId === runId) target = latest.runId;
        await client.workflowService.deleteWorkflowExecution({ namespace: info.workflowNamespace, workflowExecution: { workflowId, runId: target } });
      } catch (error) {
        if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return;
        if (isGrpcServiceError(error) && error.code === GRPC_UNIMPLEMENTED) {
          throw ApplicationFailure.nonRetryable(`this Temporal server cannot delete workflows (the time-skipping test server cannot); ${workflowId} stays`, 'Unimplemented');
        }
        throw error;
      }
    },
  };
}
