/** Reading a running Job through queries that may fail or go unanswered (src/running-job-read.ts), without a server. */
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { isKjobError, NotFoundError } from '../../src/shared/errors.js';
import { readRunningJob, type RunningJobReads } from '../../src/client/running-job-read.js';

const options = { firstDeadlineMs: 100, attempts: 3, jobLabel: 'jobs.batch "j" (namespace "default")', notFound: () => new NotFoundError('default', 'j') };
const deadlineExceeded = () => Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 });

/** Scripted reads: each query attempt and each describe answers in turn; the deadlines asked for are kept. */
function scripted(queries: (() => Promise<string>)[], statuses: string[]): RunningJobReads<string> & { deadlines: number[]; describes: number } {
  const reads = {
    deadlines: [] as number[],
    describes: 0,
    query: (deadlineMs: number) => {
      reads.deadlines.push(deadlineMs);
      return queries.shift()!();
    },
    describe: async () => ({ status: statuses[reads.describes++]!, taskQueue: 'team-queue' }),
    fromResult: async () => 'from result',
  };
  return reads;
}

describe('reading a running Job', () => {
  test('an answered query is the read', async () => {
    const reads = scripted([async () => 'queried'], []);
    expect(await readRunningJob(reads, options)).toBe('queried');
    expect(reads.describes).toBe(0);
  });

  test('a query that meets the end of the workflow: the Job is read from its result', async () => {
    const reads = scripted([() => Promise.reject(deadlineExceeded())], ['COMPLETED']);
    expect(await readRunningJob(reads, options)).toBe('from result');
  });

  test('a failed query of a Job still running is tried again, each time with twice the deadline', async () => {
    const reads = scripted([() => Promise.reject(deadlineExceeded()), () => Promise.reject(deadlineExceeded()), async () => 'queried'], ['RUNNING', 'RUNNING']);
    expect(await readRunningJob(reads, options)).toBe('queried');
    expect(reads.deadlines).toEqual([100, 200, 400]);
  });

  test('after the last attempt: an error that names the Job and its workflow task queue, with the cause', async () => {
    const reads = scripted([0, 1, 2].map(() => () => Promise.reject(deadlineExceeded())), ['RUNNING', 'RUNNING', 'RUNNING']);
    const error = await readRunningJob(reads, options).catch((e: unknown) => e);
    expect(isKjobError(error)).toBe(true);
    expect((error as Error).message).toBe('jobs.batch "j" (namespace "default"): its workflow did not answer 3 queries; is a kjob worker polling task queue "team-queue"?');
    expect((error as Error).cause).toMatchObject({ code: 4 });
  });

  test('a Job deleted meanwhile is NotFound', async () => {
    const reads = scripted([() => Promise.reject(new WorkflowNotFoundError('gone', 'kjob/default/j', undefined))], []);
    await expect(readRunningJob(reads, options)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('a query the worker failed: read from the result if the Job has finished, else that error at once', async () => {
    const failed = () => Promise.reject(new QueryNotRegisteredError('query failed', 3));
    expect(await readRunningJob(scripted([failed], ['COMPLETED']), options)).toBe('from result');
    const running = scripted([failed], ['RUNNING']);
    await expect(readRunningJob(running, options)).rejects.toBeInstanceOf(QueryNotRegisteredError);
    expect(running.deadlines).toHaveLength(1);
  });

  test('a Job whose workflow has not set its query handlers yet (only the built-in ones) is asked again', async () => {
    const early = () =>
      Promise.reject(new QueryNotRegisteredError('Workflow did not register a handler for job. Registered queries: [__stack_trace __enhanced_stack_trace __temporal_workflow_metadata]', 3));
    const reads = scripted([early, () => Promise.resolve('from query')], ['RUNNING']);
    expect(await readRunningJob(reads, options)).toBe('from query');
    expect(reads.deadlines).toHaveLength(2);
  });
});
