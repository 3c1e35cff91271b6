/**
 * Long Jobs continue as new (time-skipping server): with a tiny history threshold the workflow hands its state to
 * a new run several times. Nothing is lost or counted twice across the hand-overs, each index runs once (or as
 * its failures require), backoff and the deadline carry on, and status, pods and logs stay readable.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions, handlerContainer, jobManifest, runChain } from '../helpers.js';

let t: JobTestEnvironment;
/** Runs per (job, index), from inside the pods. */
const runs = new Map<string, number>();
const failedOnce = new Set<string>();

beforeAll(async () => {
  t = await createJobTestEnvironment({
    continueAsNewAfterEvents: 120,
    podBackoffBaseSeconds: 1,
    handlers: {
      count: (ctx) => {
        const key = `${ctx.jobName}/${ctx.index}`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        ctx.log.info(`index ${ctx.index}`);
        return 0;
      },
      /** Runs 2 s, or until terminated. */
      slow: (ctx) =>
        new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(0), 2000);
          ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(143)), { once: true });
        }),
      /** Every fifth index fails its first run. */
      flaky: (ctx) => {
        const key = `${ctx.jobName}/${ctx.index}`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        if ((ctx.index ?? 0) % 5 === 0 && !failedOnce.has(key)) {
          failedOnce.add(key);
          return 1;
        }
        return 0;
      },
    },
  });
});
afterAll(async () => t?.teardown());

const runIds = async (workflowId: string) => runChain(await t.jobs.client(), workflowId);

describe('continue-as-new', () => {
  test('an Indexed Job of 60 pods hands over its state several times; every index succeeds exactly once', async () => {
    await t.jobs.create(jobManifest('long', { completions: 60, parallelism: 4, completionMode: 'Indexed' }, handlerContainer('count')));
    const job = await t.jobs.wait('long');
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect(job.status).toMatchObject({ succeeded: 60, completedIndexes: '0-59' });
    expect(job.status?.failed).toBeUndefined();
    for (let index = 0; index < 60; index++) expect(runs.get(`long/${index}`)).toBe(1);
    expect((await runIds('kjob/default/long')).length).toBeGreaterThanOrEqual(3);
    // The latest pods and their logs are still there after the hand-overs.
    const pods = await t.jobs.pods('long');
    expect(pods.length).toBeGreaterThan(0);
    const last = pods[pods.length - 1]!;
    expect((await t.jobs.logs('long', { pod: last.metadata.name }))[0]?.text).toMatch(/index \d+/);
  });

  test('failures, backoff and counters carry over: failed counts each failure once, retried indexes succeed', async () => {
    await t.jobs.create(jobManifest('long-flaky', { completions: 30, parallelism: 3, completionMode: 'Indexed', backoffLimit: 10 }, handlerContainer('flaky')));
    const job = await t.jobs.wait('long-flaky');
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    // Indexes 0, 5, 10, 15, 20, 25 failed once each.
    expect(job.status).toMatchObject({ succeeded: 30, failed: 6, completedIndexes: '0-29' });
    for (let index = 0; index < 30; index++) expect(runs.get(`long-flaky/${index}`)).toBe(index % 5 === 0 ? 2 : 1);
    expect((await runIds('kjob/default/long-flaky')).length).toBeGreaterThanOrEqual(2);
  });

  test('the deadline holds across hand-overs', async () => {
    // Pods that take a while: terminating one that has just completed trips the time-skipping server (README).
    await t.jobs.create(jobManifest('long-deadline', { completions: 1000, parallelism: 10, activeDeadlineSeconds: 9 }, handlerContainer('slow')));
    const job = await t.jobs.wait('long-deadline');
    expect(conditions(job)).toEqual(['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
    expect(job.status?.succeeded ?? 0).toBeLessThan(1000);
    expect((await runIds('kjob/default/long-deadline')).length).toBeGreaterThanOrEqual(2);
  });
});
