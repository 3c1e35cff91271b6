/**
 * Deleting a Job: its pods stopped first where the delete asks for it, its workflow deleted, and the delete
 * awaited until the Job is gone. Deleting the workflow is what a Background delete does (the Job's own pods
 * notice on their next heartbeat). A wide Job's pods that run in pod runner shards would notice only on the
 * shards' next liveness check, which may be minutes away: the shards open before the delete are told at once.
 * One opened meanwhile still notices through that check.
 */
import type { Client } from '@temporalio/client';
import { QUERY_SHARDS, SIGNAL_SHARD_JOB_GONE } from '../shared/protocol/names.js';
import { NotFoundError, WaitTimeoutError } from '../shared/errors.js';
import { deleteExecution, type DeletionOptions } from './execution-deletion.js';
import type { JobReads } from './job-reads.js';

/** Short: a delete must not wait long on a worker that is gone (a common reason to delete). */
const SHARDS_QUERY_TIMEOUT_MS = 3_000;

/**
 * `JobClient.delete` once its options are checked: `foreground` for propagationPolicy Foreground, `deletionMarks`
 * as in `JobClientOptions`.
 */
export async function deleteJob(
  client: Client,
  reads: JobReads,
  name: string,
  namespace: string,
  options: { foreground: boolean; deletionMarks: boolean | undefined; taskQueue: string },
): Promise<void> {
  const handle = await reads.handle(name, namespace);
  const running = (await reads.describe(handle, name, namespace)).status.name === 'RUNNING';
  // Foreground: the pods are terminated (SIGTERM, grace period) before the Job goes. Background: the Job goes
  // at once (the server terminates its workflow) and the pods notice on their next heartbeat and are stopped.
  // Where deletion is by mark (the time-skipping test server), the pods are always stopped first: pods still
  // running when their workflow is terminated leave that server's time unable to skip.
  if (running && (options.foreground || options.deletionMarks)) {
    await handle.cancel();
    await reads.result(handle).catch(() => undefined);
  }
  await deleteJobWorkflow(client, handle.workflowId, { marks: options.deletionMarks === true, taskQueue: options.taskQueue });
  // Deletion is asynchronous on the server (about 30 s on the dev server); like `kubectl delete`, wait
  // until the Job is gone so its name can be used again.
  for (let i = 0; i < 1200; i++) {
    try {
      await reads.describe(handle, name, namespace);
    } catch (error) {
      if (error instanceof NotFoundError) return;
      throw error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new WaitTimeoutError(name, 'deletion');
}

export async function deleteJobWorkflow(client: Client, workflowId: string, options: Omit<DeletionOptions, 'runId'>): Promise<void> {
  const shards = await openShards(client, workflowId);
  await deleteExecution(client, workflowId, options);
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
