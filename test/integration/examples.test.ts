/**
 * The Kubernetes docs' example manifests, unchanged, as command pods on the time-skipping server, with the
 * outcomes the docs give (Jobs page, "Backoff limit per index" section). The podFailurePolicy examples run on
 * the dev server (dev-server.test.ts): their pods exit together, a race the time-skipping server mishandles.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions } from '../helpers.js';

const example = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'examples', `${name}.yaml`), 'utf8');

let t: JobTestEnvironment;
beforeAll(async () => {
  t = await createJobTestEnvironment();
});
afterAll(async () => t?.teardown());

describe('backoffLimitPerIndex examples', () => {
  test('job-backoff-limit-per-index-example: even indexes fail twice, the Job fails with FailedIndexes', async () => {
    await t.jobs.create(example('job-backoff-limit-per-index-example'));
    const job = await t.jobs.wait('job-backoff-limit-per-index-example');
    // The docs: failed 10, succeeded 5, completedIndexes 1,3,5,7,9, failedIndexes 0,2,4,6,8.
    expect(job.status).toMatchObject({ failed: 10, succeeded: 5, completedIndexes: '1,3,5,7,9', failedIndexes: '0,2,4,6,8' });
    expect(conditions(job)).toEqual(['FailureTarget=True:FailedIndexes', 'Failed=True:FailedIndexes']);
    const pods = await t.jobs.pods('job-backoff-limit-per-index-example');
    expect(pods).toHaveLength(15);
    expect((await t.jobs.logs('job-backoff-limit-per-index-example', { pod: pods[0]!.metadata.name }))[0]!.text).toBe('Hello world\n');
  });

  test('job-backoff-limit-per-index-failindex: index 0 retried once, index 1 failed at once by FailIndex', async () => {
    await t.jobs.create(example('job-backoff-limit-per-index-failindex'));
    const job = await t.jobs.wait('job-backoff-limit-per-index-failindex');
    // The docs: failedIndexes 0,1, completedIndexes 2,3, failed 3, succeeded 2.
    expect(job.status).toMatchObject({ failed: 3, succeeded: 2, completedIndexes: '2,3', failedIndexes: '0,1' });
    expect(conditions(job)).toEqual(['FailureTarget=True:FailedIndexes', 'Failed=True:FailedIndexes']);
  });
});
