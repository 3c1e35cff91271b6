/**
 * ttlSecondsAfterFinished (pkg/controller/ttlafterfinished): a finished Job's workflow is deleted `ttl` seconds
 * after its terminal condition. The Job workflow completes at once (so `wait` and `get` see it) and leaves this
 * small workflow behind, on a durable timer, to delete exactly that run (Kubernetes' uid precondition) later.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';

type Activities = ReturnType<typeof createActivities>;

const { deleteJobExecution } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '1 minute' },
});

export interface JobTtlInput {
  workflowId: string;
  runId: string;
  /** Epoch milliseconds: the terminal condition's time plus the TTL. */
  expireAt: number;
}

export async function kjobJobTtl({ workflowId, runId, expireAt }: JobTtlInput): Promise<void> {
  const wait = expireAt - Date.now();
  if (wait > 0) await sleep(wait);
  await deleteJobExecution({ workflowId, runId });
}
