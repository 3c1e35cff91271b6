/** Changing running Jobs (suspend and resume, parallelism, elastic Indexed Jobs, immutable fields), time-skipping server. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JobValidationError } from '../../src/shared/errors.js';
import type { PodContext } from '../../src/worker/handlers.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions, handlerContainer, jobManifest, seconds } from '../helpers.js';

const started: PodContext[] = [];
const aborted: string[] = [];
let hold = true;
let t: JobTestEnvironment;
beforeAll(async () => {
  t = await createJobTestEnvironment({
    handlers: {
      /** Runs while `hold` is set, ends when terminated. */
      held: async (ctx) => {
        started.push(ctx);
        while (hold && !ctx.signal.aborted) await new Promise((r) => setTimeout(r, 50));
        if (ctx.signal.aborted) {
          aborted.push(ctx.podName);
          return 143;
        }
        return 0;
      },
    },
  });
});
afterAll(async () => t?.teardown());

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached');
}
const running = (name: string) => started.filter((c) => c.jobName === name && !aborted.includes(c.podName));

describe('suspend and resume', () => {
  test('a Job created suspended starts no pod until resumed; conditions and events as Kubernetes writes them', async () => {
    hold = false;
    await t.jobs.create(jobManifest('created-suspended', { suspend: true }, handlerContainer('held')));
    await until(async () => conditions(await t.jobs.get('created-suspended')).includes('Suspended=True:JobSuspended'));
    const suspended = await t.jobs.get('created-suspended');
    expect(suspended.status?.startTime).toBeUndefined();
    expect(await t.jobs.pods('created-suspended')).toHaveLength(0);
    await t.jobs.resume('created-suspended');
    const job = await t.jobs.wait('created-suspended');
    expect(conditions(job)).toEqual(['Suspended=False:JobResumed', 'SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect((await t.jobs.events('created-suspended')).map((e) => e.reason)).toEqual(['Suspended', 'Resumed', 'SuccessfulCreate', 'Completed']);
  });

  test('suspending a running Job terminates its pods without counting them; resuming starts over startTime', async () => {
    hold = true;
    await t.jobs.create(jobManifest('suspended-later', { parallelism: 2, completions: 2 }, handlerContainer('held')));
    await until(() => running('suspended-later').length === 2);
    const before = await t.jobs.get('suspended-later');
    await t.jobs.suspend('suspended-later');
    await until(async () => {
      const job = await t.jobs.get('suspended-later');
      return (job.status?.terminating ?? 1) === 0 && conditions(job).includes('Suspended=True:JobSuspended');
    });
    const suspended = await t.jobs.get('suspended-later');
    expect(suspended.status?.active).toBeUndefined();
    expect(suspended.status?.failed).toBeUndefined();
    expect(aborted).toHaveLength(2);
    await t.env.sleep(60_000);
    hold = false;
    await t.jobs.resume('suspended-later');
    const job = await t.jobs.wait('suspended-later');
    expect(job.status).toMatchObject({ succeeded: 2 });
    expect(job.status?.failed).toBeUndefined();
    expect(seconds(job.status?.startTime)).toBeGreaterThan(seconds(before.status?.startTime) + 59);
    expect(await t.jobs.pods('suspended-later')).toHaveLength(4);
  });
});

describe('parallelism, elastic Indexed Jobs and immutable fields', () => {
  test('raising parallelism through apply starts more pods ("configured")', async () => {
    hold = true;
    const manifest = (parallelism: number) => jobManifest('wider', { parallelism, completions: 3 }, handlerContainer('held'));
    await t.jobs.create(manifest(1));
    await until(() => running('wider').length === 1);
    expect((await t.jobs.apply(manifest(3))).map((r) => r.action)).toEqual(['configured']);
    await until(() => running('wider').length === 3);
    hold = false;
    expect((await t.jobs.wait('wider')).status).toMatchObject({ succeeded: 3 });
  });

  test('an elastic Indexed Job scaled down drops the indexes above its new size', async () => {
    hold = true;
    await t.jobs.create(jobManifest('elastic', { parallelism: 4, completions: 4, completionMode: 'Indexed' }, handlerContainer('held')));
    await until(() => running('elastic').length === 4);
    await t.jobs.patch('elastic', { completions: 2, parallelism: 2 });
    await until(() => aborted.filter((p) => p.startsWith('elastic-')).length === 2);
    hold = false;
    const job = await t.jobs.wait('elastic');
    expect(job.spec).toMatchObject({ completions: 2, parallelism: 2 });
    expect(job.status).toMatchObject({ succeeded: 2, completedIndexes: '0,1' });
    expect(job.status?.failed).toBeUndefined();
  });

  test('immutable fields are refused with Kubernetes’ messages', async () => {
    hold = false;
    await t.jobs.create(jobManifest('fixed', { completions: 2 }, handlerContainer('held')));
    const changedTemplate = jobManifest('fixed', { completions: 3 }, handlerContainer('held', { args: ['x'] }));
    const error = await t.jobs.apply(changedTemplate).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).violations).toEqual([
      'spec.completions: Invalid value: 3: field is immutable',
      expect.stringMatching(/^spec\.template: Invalid value: \{.*: field is immutable$/),
    ]);
    const indexed = jobManifest('fixed-indexed', { completions: 2, parallelism: 2, completionMode: 'Indexed' }, handlerContainer('held'));
    await t.jobs.create(indexed);
    await expect(t.jobs.patch('fixed-indexed', { completions: 3 })).rejects.toThrow(
      'spec.completions: Invalid value: 3: can only be modified in tandem with spec.parallelism',
    );
    await t.jobs.wait('fixed');
    await t.jobs.wait('fixed-indexed');
  });
});
