/**
 * The finished Job from its workflow's outcome: a Complete Job's workflow returns it, a Failed Job's workflow
 * fails with it in the failure's details (src/shared/protocol/job-workflow.ts).
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { jobResultOfFailureDetails, type JobWorkflowResult } from '../shared/protocol/job-workflow.js';

export async function finishedJobResult(handle: WorkflowHandle): Promise<JobWorkflowResult> {
  try {
    return (await handle.result()) as JobWorkflowResult;
  } catch (error) {
    const result = error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure ? jobResultOfFailureDetails(error.cause.details) : null;
    if (result) return result;
    throw error;
  }
}
