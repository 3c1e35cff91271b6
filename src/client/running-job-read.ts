/**
 * Reading a Job that was running a moment ago, through a workflow query. The query can meet the workflow's end:
 * Temporal's time-skipping test server then fails it or never answers it (seen in CI), and a worker that is gone
 * answers nothing. So each attempt has a deadline, longer each time; after a failure the Job is read from its
 * result if it has finished meanwhile, and otherwise queried again, up to a few attempts.
 */
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { KjobError } from '../shared/errors.js';
import { closedWithJob } from '../shared/protocol/job-workflow.js';

export interface RunningJobReads<T> {
  /** One query attempt, given up after `deadlineMs`. */
  query(deadlineMs: number): Promise<T>;
  /** What the server says of the Job's workflow now: its status name and task queue. */
  describe(): Promise<{ status: string; taskQueue: string }>;
  /** The same read, from the result of the Job's finished workflow. */
  fromResult(): Promise<T>;
}

export interface RunningJobReadOptions {
  /** The first attempt's deadline; each later attempt gets twice the one before. */
  firstDeadlineMs: number;
  attempts: number;
  /** `jobs.batch "name" (namespace "ns")`, for the error that ends the attempts. */
  jobLabel: string;
  /** The error for a Job deleted meanwhile (a TTL, a CronJob's history limit). */
  notFound(): Error;
}

export async function readRunningJob<T>(reads: RunningJobReads<T>, options: RunningJobReadOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reads.query(options.firstDeadlineMs * 2 ** (attempt - 1));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw options.notFound();
      const { status, taskQueue } = await reads.describe();
      if (closedWithJob(status)) return reads.fromResult();
      // The SDK reports a query the worker failed as "not registered" too: only a running Job's is final, unless
      // the workflow has not set its handlers yet (its first task reads the worker's settings first).
      if (error instanceof QueryNotRegisteredError && !(handlersNotSetYet(error) && attempt < options.attempts)) throw error;
      if (attempt < options.attempts) {
        if (error instanceof QueryNotRegisteredError) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        continue;
      }
      throw new KjobError(
        `${options.jobLabel}: its workflow did not answer ${options.attempts} queries; is a kjob worker polling task queue ${JSON.stringify(taskQueue)}?`,
        'ServiceUnavailable',
        { cause: error },
      );
    }
  }
}

/** The SDK's answer for a workflow with only its built-in queries registered: it has not run far enough yet. */
function handlersNotSetYet(error: QueryNotRegisteredError): boolean {
  const registered = /Registered queries: \[([^\]]*)\]/.exec(error.message)?.[1];
  return registered !== undefined && registered.split(/[\s,]+/).filter(Boolean).every((name) => name.startsWith('__'));
}
