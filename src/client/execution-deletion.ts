/**
 * Deleting one workflow execution (a Job's run, a CronJob's state), also where the server cannot: Temporal's
 * time-skipping test server answers DeleteWorkflowExecution with Unimplemented. There the run is terminated if
 * it still runs and marked deleted by a small workflow, `kjob-deleted/<workflowId>/<runId>`, which a
 * client made with `deletionMarks` (kjob/testing's) checks when it reads a Job: a deleted Job reads as NotFound
 * and its name can be used again. The marks are kept by the server, so every client and worker sees them.
 */
import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { KjobError } from '../shared/errors.js';
import { DELETION_MARK_WORKFLOW_TYPE } from '../shared/protocol/names.js';

const GRPC_NOT_FOUND = 5;
const GRPC_UNIMPLEMENTED = 12;
const markerId = (workflowId: string, runId: string) => `kjob-deleted/${workflowId}/${runId}`;

export interface DeletionOptions {
  /** The run to delete (default the latest). */
  runId?: string;
  /** Where the server cannot delete, mark the run deleted (kjob/testing's clients and worker do). */
  marks: boolean;
  /** Where kjob's workers poll: the mark runs there (workflows/deletion-mark.ts). */
  taskQueue: string;
}

/** Deletes a run of a workflow; gone already is fine. */
export async function deleteExecution(client: Client, workflowId: string, { runId, marks, taskQueue }: DeletionOptions): Promise<void> {
  try {
    await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId, runId } });
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return;
    if (!(isGrpcServiceError(error) && error.code === GRPC_UNIMPLEMENTED)) throw error;
    if (!marks) throw new KjobError(`this Temporal server cannot delete workflows (the time-skipping test server cannot); ${workflowId} stays`, 'BadRequest', { cause: error });
    await markDeleted(client, workflowId, runId, taskQueue);
  }
}

async function markDeleted(client: Client, workflowId: string, runId: string | undefined, taskQueue: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId, runId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    throw error;
  }
  if (description.status.name === 'RUNNING') await handle.terminate('deleted').catch(() => undefined);
  await client.workflow.start(DELETION_MARK_WORKFLOW_TYPE, { workflowId: markerId(workflowId, description.runId), taskQueue, args: [] }).catch((error: unknown) => {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  });
}

/** Whether this run of a workflow has been deleted by a mark (on a server that cannot delete workflows). */
export async function markedDeleted(client: Client, workflowId: string, runId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(markerId(workflowId, runId)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
