/**
 * The Kubernetes docs' example manifests, unchanged, as command pods on the time-skipping server, with the
 * outcomes the docs give (Jobs page, "Backoff limit per index" section, the Indexed Job tasks). The
 * podFailurePolicy and successPolicy examples run on the dev server (dev-server.test.ts): their pods exit
 * together, a race the time-skipping server mishandles.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions } from '../helpers.js';
import type { Pod } from '../../src/shared/kubernetes-types.js';

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

const indexOf = (pod: Pod) => pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];

describe('Indexed Job examples (docs: Indexed Job for Parallel Processing with Static Work Assignment)', () => {
  test('indexed-job: the init container writes the item into an emptyDir, the worker reverses it', async () => {
    await t.jobs.create(example('indexed-job'));
    const job = await t.jobs.wait('indexed-job');
    expect(job.status).toMatchObject({ succeeded: 5, completedIndexes: '0-4' });
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    const reversed = ['oof', 'rab', 'zab', 'xuq', 'zyx'];
    const pods = await t.jobs.pods('indexed-job');
    for (const pod of pods) {
      const [log] = await t.jobs.logs('indexed-job', { pod: pod.metadata.name, container: 'worker' });
      expect(log!.text).toBe(`${reversed[Number(indexOf(pod))]}\n`);
    }
  });

  test('indexed-job-vol: the index reaches the worker as a downwardAPI volume file', async () => {
    // Both examples name their Job indexed-job: this one goes to another namespace, as `kubectl apply -n vol`.
    const manifest = parse(example('indexed-job-vol')) as { metadata: { namespace?: string } };
    manifest.metadata.namespace = 'vol';
    await t.jobs.create(manifest);
    const job = await t.jobs.wait('indexed-job', { namespace: 'vol' });
    expect(job.status).toMatchObject({ succeeded: 5, completedIndexes: '0-4' });
    for (const pod of await t.jobs.pods('indexed-job', { namespace: 'vol' })) {
      const [log] = await t.jobs.logs('indexed-job', { namespace: 'vol', pod: pod.metadata.name });
      // data.txt holds the index without a newline; the host's rev (util-linux) adds none, busybox's would.
      expect(log!.text.trim()).toBe(indexOf(pod));
    }
  });
});

describe('pi with a deadline', () => {
  test('job-pi-with-timeout: pi is computed well within activeDeadlineSeconds', async () => {
    await t.jobs.create(example('job-pi-with-timeout'));
    const job = await t.jobs.wait('pi-with-timeout');
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    const [log] = await t.jobs.logs('pi-with-timeout');
    expect(log!.text.startsWith('3.14159')).toBe(true);
  });
});
