/** A Failed Job's workflow failure, and reading the finished Job back from it. */
import { describe, expect, test } from 'vitest';
import { closedWithJob, failedJobFailure, jobResultOfFailureDetails, type JobWorkflowResult } from '../../src/shared/protocol/job-workflow.js';
import type { Job } from '../../src/shared/kubernetes-types.js';

const result = (conditions: { type: string; status: string; reason?: string; message?: string }[]): JobWorkflowResult => ({
  job: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: {}, status: { conditions } } as unknown as Job,
  podRecords: [],
  logs: {},
  events: [],
});

describe('a Failed Job fails its workflow', () => {
  test('with the Failed condition as the failure, and the finished Job in its details', () => {
    const failed = result([
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
    ]);
    expect(failedJobFailure(failed)).toEqual({ type: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', details: [failed] });
  });

  test('a Complete Job does not', () => {
    expect(failedJobFailure(result([{ type: 'Complete', status: 'True', reason: 'CompletionsReached' }]))).toBeNull();
  });

  test('the finished Job is read back from the details; other failures carry none', () => {
    const failed = result([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }]);
    expect(jobResultOfFailureDetails([failed])).toBe(failed);
    expect(jobResultOfFailureDetails(undefined)).toBeNull();
    expect(jobResultOfFailureDetails(null)).toBeNull();
    expect(jobResultOfFailureDetails(['some other detail'])).toBeNull();
    expect(jobResultOfFailureDetails([{ job: { kind: 'Pod' }, pods: [] }])).toBeNull();
  });

  test('completed and failed workflows hold the finished Job', () => {
    expect(['COMPLETED', 'FAILED', 'RUNNING', 'TERMINATED', 'CANCELLED'].map(closedWithJob)).toEqual([true, true, false, false, false]);
  });
});
