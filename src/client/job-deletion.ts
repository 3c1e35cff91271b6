/**
 * Deleting a Job's workflow, as a Background delete does (the Job's own pods notice on their next heartbeat).
 * A wide Job's pods that run in pod runner shards would notice only on the shards' next liveness check, which
 * may be minutes away: the shards open before the delete are told at once. One opened meanwhile still notices
 * through that check.
 */
import type { Client } from '@temporalio/client';
import { QUERY_SHARDS, SIGNAL_SHARD_JOB_GONE } from '../shared/protocol/names.js';
import { deleteExecution } from './execution-deletion.js';

/** Short: a delete must not wait long on a worker that is gone (a common reason to delete). */
const SHARDS_QUERY_TIMEOUT_MS = 3_000;

export async function deleteJobWorkflow(client: Client, workflowId: string, taskQueue: string): Promise<void> {
  const shards = await openShards(client, workflowId);
  await deleteExecution(client, workflowId, { taskQueue });
  await Promise.all(shards.map((id) => client.workflow.getHandle(id).signal(SIGNAL_SHARD_JOB_GONE).catch(() => undefined)));
}

/** The running Job's open shards; none when it has finished, or no worker answers in time. */
async function openShards(client: Client, workflowId: string): Promise<string[]> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return [];
    return await client.withDeadline(Date.now() + SHARDS_QUERY_TIMEOUT_MS, () => handle.query<string[]>(QUERY_SHARDS));
  } catch {
    return [];
  }
}
