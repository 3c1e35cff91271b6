/**
 * ttlSecondsAfterFinished (pkg/controller/ttlafterfinished): a finished Job's workflow is deleted `ttl` seconds
 * after its terminal condition. The Job workflow ends at once (so `wait` and `get` see the Job) and leaves this
 * small workflow behind, on a durable timer, to delete exactly that run (Kubernetes' uid precondition) later.
 */
import { proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { JobTtlInput } from '../src/shared/protocol/job-workflow.js';

type Activities = ReturnType<typeof createActivities>;

const { deleteJobExecution } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

/** Starts the TTL workflow from the worker rather than as a child (on the time-skipping test server: job-run.ts). */
export const { startJobTtl } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function kjobJobTtl({ workflowId, runId, expireAt }: JobTtlInput): Promise<void> {
  const wait = expireAt - Date.now();
  if (wait > 0) await sleep(wait);
  await deleteJobExecution({ workflowId, runId });
}
