/**
 * The Job controller's rules on a real Temporal time-skipping server: backoffs of minutes pass in moments, and
 * every time asserted is simulated time (the server does not skip while a pod runs, so deadline tests against
 * running pods use deadlines of a second or two).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import type { PodContext } from '../../src/worker/handlers.js';
import { conditions, creationGaps, handlerContainer, jobManifest, seconds, terminated } from '../helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const untilAborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

let running = 0;
let maxRunning = 0;
const attemptsByKey = new Map<string, number>();
const seen: Record<string, PodContext[]> = {};
let releaseBlocked: () => void = () => undefined;
const aborted: string[] = [];

function remember(ctx: PodContext) {
  (seen[ctx.jobName] ??= []).push(ctx);
}

let t: JobTestEnvironment;
beforeAll(async () => {
  t = await createJobTestEnvironment({
    logTailBytes: 1000,
    handlers: {
      ok: (ctx) => {
        remember(ctx);
      },
      fail: () => 1,
      /** Counts pods running at once. */
      concurrent: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(150);
        running--;
      },
      /** The first pod of each index exits 3 (by pod key), later ones succeed. */
      flaky: (ctx) => {
        remember(ctx);
        const n = attemptsByKey.get(ctx.keys.pod) ?? 0;
        attemptsByKey.set(ctx.keys.pod, n + 1);
        ctx.log.info(`index ${ctx.index} try ${n}`);
        return ctx.env.FAIL_INDEX === String(ctx.index) && n === 0 ? 3 : 0;
      },
      /** Work queue: the pod of slot 0 finishes at once, the others a little later. */
      worker: async (ctx) => {
        remember(ctx);
        if ((seen[ctx.jobName]?.length ?? 0) > 1) await sleep(300);
      },
      blocked: async (ctx) => {
        remember(ctx);
        await Promise.race([new Promise<void>((r) => (releaseBlocked = r)), untilAborted(ctx.signal)]);
      },
      /** Runs until terminated and records that its AbortSignal fired. */
      untilTerminated: async (ctx) => {
        remember(ctx);
        await untilAborted(ctx.signal);
        aborted.push(ctx.podName);
        return 143;
      },
      crashOnFailure: (ctx) => {
        remember(ctx);
        return 2;
      },
    },
  });
});
afterAll(async () => t?.teardown());

describe('completions and parallelism', () => {
  test('NonIndexed: completes when `completions` pods succeeded, never more than `parallelism` at once', async () => {
    await t.jobs.create(jobManifest('nonindexed', { completions: 4, parallelism: 2 }, handlerContainer('concurrent')));
    const job = await t.jobs.wait('nonindexed');
    expect(job.status).toMatchObject({ succeeded: 4, ready: 0, terminating: 0 });
    expect(job.status?.failed).toBeUndefined();
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect(job.status?.completionTime).toBe(job.status?.conditions?.[1]?.lastTransitionTime);
    expect(maxRunning).toBe(2);
    const pods = await t.jobs.pods('nonindexed');
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.status.phase === 'Succeeded' && /^nonindexed-[a-z0-9]{5}$/.test(p.metadata.name))).toBe(true);
  });

  test('work queue (completions unset): done once a pod succeeded and none is active; no pod after the first success', async () => {
    await t.jobs.create(jobManifest('queue', { parallelism: 3 }, handlerContainer('worker')));
    const job = await t.jobs.wait('queue');
    expect(job.spec.completions).toBeNull();
    expect(job.status).toMatchObject({ succeeded: 3 });
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect(await t.jobs.pods('queue')).toHaveLength(3);
  });

  test('Indexed: one success per index, completedIndexes as intervals, a failed index retried with a new pod', async () => {
    await t.jobs.create(
      jobManifest('indexed', { completions: 5, parallelism: 2, completionMode: 'Indexed' }, handlerContainer('flaky', { env: [{ name: 'FAIL_INDEX', value: '3' }] })),
    );
    const job = await t.jobs.wait('indexed');
    expect(job.status).toMatchObject({ succeeded: 5, failed: 1, completedIndexes: '0-4' });
    const pods = await t.jobs.pods('indexed');
    expect(pods).toHaveLength(6);
    const index3 = pods.filter((p) => p.metadata.labels['batch.kubernetes.io/job-completion-index'] === '3');
    expect(index3.map((p) => p.status.phase)).toEqual(['Failed', 'Succeeded']);
    expect(index3[0]!.metadata.name).not.toBe(index3[1]!.metadata.name);
    expect(index3.every((p) => p.metadata.name.startsWith('indexed-3-'))).toBe(true);
    expect(terminated(index3[0]!)).toMatchObject({ exitCode: 3, reason: 'Error' });
    for (const ctx of seen.indexed ?? []) {
      expect(ctx.env.JOB_COMPLETION_INDEX).toBe(String(ctx.index));
      expect(ctx.env.HOSTNAME).toBe(`indexed-${ctx.index}`);
    }
    // The pod key is stable for the index across the replacement; the attempt key is not.
    const keys = (seen.indexed ?? []).filter((c) => c.index === 3).map((c) => c.keys);
    expect(keys).toHaveLength(2);
    expect(keys[0]!.pod).toBe(keys[1]!.pod);
    expect(keys[0]!.attempt).not.toBe(keys[1]!.attempt);
    const logs = await t.jobs.logs('indexed', { pod: index3[0]!.metadata.name });
    expect(logs[0]!.text).toContain('index 3 try 0');
  });
});

describe('failures, backoff and backoffLimit', () => {
  test('Never: replacements wait 10 s doubling; failure backoffLimit+1 fails the Job with BackoffLimitExceeded', async () => {
    await t.jobs.create(jobManifest('backoff', {}, handlerContainer('fail')));
    const job = await t.jobs.wait('backoff');
    expect(job.status).toMatchObject({ failed: 7, ready: 0, terminating: 0 });
    expect(job.status?.active).toBeUndefined();
    expect(job.status?.completionTime).toBeUndefined();
    expect(conditions(job)).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    expect(job.status?.conditions?.[1]?.message).toBe('Job has reached the specified backoff limit');
    const pods = await t.jobs.pods('backoff');
    expect(pods).toHaveLength(7);
    expect(new Set(pods.map((p) => p.metadata.name)).size).toBe(7);
    const gaps = creationGaps(pods);
    [10, 20, 40, 80, 160, 320].forEach((expected, i) => expect(gaps[i]).toBeCloseTo(expected, -0.5));
  });

  test('backoffLimit 0 fails on the first failure', async () => {
    await t.jobs.create(jobManifest('limit0', { backoffLimit: 0 }, handlerContainer('fail')));
    const job = await t.jobs.wait('limit0');
    expect(job.status).toMatchObject({ failed: 1 });
    expect(conditions(job)).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    const [pod] = await t.jobs.pods('limit0');
    expect((await t.jobs.events('limit0')).map((e) => [e.type, e.reason, e.message, e.count])).toEqual([
      ['Normal', 'SuccessfulCreate', `Created pod: ${pod!.metadata.name}`, 1],
      ['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 1],
    ]);
  });

  test('OnFailure: the container restarts in place (same pod) and restarts count toward backoffLimit', async () => {
    await t.jobs.create(jobManifest('onfailure', { backoffLimit: 3 }, handlerContainer('crashOnFailure'), { restartPolicy: 'OnFailure' }));
    const job = await t.jobs.wait('onfailure');
    expect(conditions(job)).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    const pods = await t.jobs.pods('onfailure');
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.containerStatuses?.[0]?.restartCount).toBe(3);
    // Runs 0, 1 and 2 failed; the third restart tripped the limit (restarts >= backoffLimit) before running.
    expect((seen.onfailure ?? []).map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(new Set((seen.onfailure ?? []).map((c) => c.podName)).size).toBe(1);
    expect(job.status).toMatchObject({ failed: 1 });
    // Restarts at once after the first crash, then after 10 s and 20 s: the Job failed 30 s (simulated) after it started.
    expect(seconds(job.status?.conditions?.[1]?.lastTransitionTime) - seconds(job.status?.startTime)).toBeCloseTo(30, -0.5);
  });
});

describe('activeDeadlineSeconds', () => {
  test('running pods are terminated (AbortSignal fires), counted failed, and the Job fails with DeadlineExceeded', async () => {
    await t.jobs.create(jobManifest('deadline', { activeDeadlineSeconds: 2, parallelism: 2, completions: 2 }, handlerContainer('untilTerminated')));
    const job = await t.jobs.wait('deadline');
    expect(conditions(job)).toEqual(['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
    expect(job.status?.conditions?.[0]?.message).toBe('Job was active longer than specified deadline');
    expect(job.status).toMatchObject({ failed: 2, terminating: 0, ready: 0 });
    const pods = await t.jobs.pods('deadline');
    expect(pods.map((p) => p.status.phase)).toEqual(['Failed', 'Failed']);
    expect(aborted.sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    expect(pods.every((p) => p.metadata.deletionTimestamp !== undefined)).toBe(true);
    expect(seconds(job.status?.conditions?.[0]?.lastTransitionTime) - seconds(job.status?.startTime)).toBeCloseTo(2, -0.5);
  });

  test('wins over backoffLimit: a Job waiting out a backoff stops at the deadline', async () => {
    await t.jobs.create(jobManifest('deadline-backoff', { activeDeadlineSeconds: 25 }, handlerContainer('fail')));
    const job = await t.jobs.wait('deadline-backoff');
    expect(conditions(job)).toEqual(['FailureTarget=True:DeadlineExceeded', 'Failed=True:DeadlineExceeded']);
    expect(await t.jobs.pods('deadline-backoff')).toHaveLength(2); // at 0 s and 10 s; the next would start at 30 s
    expect(seconds(job.status?.conditions?.[1]?.lastTransitionTime) - seconds(job.status?.startTime)).toBeCloseTo(25, -0.5);
    expect(job.status).toMatchObject({ failed: 2 });
  });
});

describe('status and pods while running', () => {
  test('get and pods reflect a running pod; the status is kept after the Job ends', async () => {
    await t.jobs.create(jobManifest('observed', {}, handlerContainer('blocked')));
    let job = await t.jobs.get('observed');
    for (let i = 0; i < 100 && (job.status?.ready ?? 0) === 0; i++) {
      await sleep(50);
      job = await t.jobs.get('observed');
    }
    expect(job.status).toMatchObject({ active: 1, ready: 1, terminating: 0 });
    expect(job.status?.startTime).toBeDefined();
    expect(job.status?.conditions).toBeUndefined();
    const [pod] = await t.jobs.pods('observed');
    expect(pod!.status.phase).toBe('Running');
    expect(pod!.status.startTime).toBeDefined();
    expect(pod!.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'observed', 'job-name': 'observed' });
    releaseBlocked();
    await t.jobs.wait('observed');
    const done = await t.jobs.get('observed');
    expect(done.status).toMatchObject({ succeeded: 1 });
    expect(conditions(done)).toContain('Complete=True:CompletionsReached');
    expect((await t.jobs.events('observed')).map((e) => `${e.type} ${e.reason} ${e.message}`)).toEqual([
      `Normal SuccessfulCreate Created pod: ${pod!.metadata.name}`,
      'Normal Completed Job completed',
    ]);
  });
});
