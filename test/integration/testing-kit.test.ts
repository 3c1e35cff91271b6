/**
 * `kjob/testing` tested as a user would use it: one environment for the whole file, and in it the kinds of tests
 * a user writes about their own Jobs (each podFailurePolicy action, backoffLimitPerIndex with maxFailedIndexes,
 * a successPolicy, suspend and resume, TTL, delete, deadlines, Jobs created concurrently), with handler pods and
 * command pods. Many of them end a Job while other pods are still running or just exiting: the race that used to
 * leave a Job stuck on the time-skipping server. The last test runs that race 200 times.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PodContext } from '../../src/worker/handlers.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { NotFoundError, WaitTimeoutError } from '../../src/shared/errors.js';
import { conditions, handlerContainer, jobManifest } from '../helpers.js';

const failed = (reason: string) => [`FailureTarget=True:${reason}`, `Failed=True:${reason}`];
const complete = (reason = 'CompletionsReached') => [`SuccessCriteriaMet=True:${reason}`, `Complete=True:${reason}`];
const onExitCodes = (action: string, values: number[]) => ({ podFailurePolicy: { rules: [{ action, onExitCodes: { operator: 'In', values } }] } });

/** Runs of each (Job, index) so far, so a pod can behave differently on its retry. */
const runs = new Map<string, number>();

/**
 * The handler a manifest scripts through env: `EXIT_<index>` (or `EXIT`) is the exit code, `hang` to run until
 * terminated; `FIRST_RUN_EXIT_<index>` overrides it on the index's first run; each pod waits `DELAY_MS` x index
 * first, so pods end one after another, some of them while the Job is being ended.
 */
async function scripted(ctx: PodContext): Promise<number> {
  const key = `${ctx.jobName}/${ctx.index}`;
  const run = runs.get(key) ?? 0;
  runs.set(key, run + 1);
  await new Promise((resolve) => setTimeout(resolve, Number(ctx.env.DELAY_MS ?? 0) * (ctx.index ?? 0)));
  const planned = (run === 0 ? ctx.env[`FIRST_RUN_EXIT_${ctx.index}`] : undefined) ?? ctx.env[`EXIT_${ctx.index}`] ?? ctx.env.EXIT ?? '0';
  if (planned === 'hang') {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    return 143;
  }
  return Number(planned);
}

const env = (vars: Record<string, string | number>) => Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));
const handlerPod = (vars: Record<string, string | number>) => handlerContainer('scripted', { env: env(vars) });
/** A command pod: index 2 exits 42 after a short sleep, the others exit 0 one after another. */
const commandPod = { image: 'busybox', command: ['sh', '-c', 'sleep 0.0$JOB_COMPLETION_INDEX; [ "$JOB_COMPLETION_INDEX" = 2 ] && exit 42; exit 0'] };
const indexed = (completions: number, parallelism: number) => ({ completions, parallelism, completionMode: 'Indexed' });

let t: JobTestEnvironment;
beforeAll(async () => {
  // A stalled Job fails its wait after 10 s here (30 s by default), so the test of it is quick.
  t = await createJobTestEnvironment({ handlers: { scripted }, stallTimeoutMs: 10_000 });
});
afterAll(async () => t?.teardown());

describe('podFailurePolicy, while other pods run or exit', () => {
  test('FailJob on exit code 42 (handler pods, completions 8, parallelism 4)', async () => {
    await t.jobs.create(jobManifest('fail-job-handler', { ...indexed(8, 4), ...onExitCodes('FailJob', [42]) }, handlerPod({ EXIT_2: 42, DELAY_MS: 3 })));
    const job = await t.jobs.wait('fail-job-handler');
    expect(conditions(job)).toEqual(failed('PodFailurePolicy'));
    expect(job.status?.conditions?.[1]?.message).toMatch(/^Container main for pod default\/fail-job-handler-2-\S+ failed with exit code 42 matching FailJob rule at index 0$/);
  });

  test('FailJob on exit code 42 (command pods, completions 8, parallelism 2)', async () => {
    await t.jobs.create(jobManifest('fail-job-command', { ...indexed(8, 2), ...onExitCodes('FailJob', [42]) }, commandPod));
    expect(conditions(await t.jobs.wait('fail-job-command'))).toEqual(failed('PodFailurePolicy'));
  });

  test('FailIndex with backoffLimitPerIndex and maxFailedIndexes', async () => {
    const spec = { ...indexed(6, 3), backoffLimitPerIndex: 2, maxFailedIndexes: 1, ...onExitCodes('FailIndex', [42]) };
    await t.jobs.create(jobManifest('fail-index', spec, handlerPod({ EXIT_1: 42, EXIT_3: 42, DELAY_MS: 2 })));
    const job = await t.jobs.wait('fail-index');
    expect(conditions(job)).toEqual(failed('MaxFailedIndexesExceeded'));
    expect(job.status?.failedIndexes).toBe('1,3');
  });

  test('Ignore: the failure is not counted, the index runs again', async () => {
    const spec = { ...indexed(4, 4), backoffLimit: 0, ...onExitCodes('Ignore', [42]) };
    await t.jobs.create(jobManifest('ignore', spec, handlerPod({ FIRST_RUN_EXIT_1: 42, DELAY_MS: 2 })));
    const job = await t.jobs.wait('ignore');
    expect(conditions(job)).toEqual(complete());
    expect(job.status).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
    expect(job.status?.failed).toBeUndefined();
  });

  test('Count: failures count against backoffLimit while other pods run', async () => {
    const spec = { ...indexed(6, 3), backoffLimit: 1, ...onExitCodes('Count', [42]) };
    await t.jobs.create(jobManifest('count', spec, handlerPod({ EXIT: 42, EXIT_0: 'hang', DELAY_MS: 2 })));
    const job = await t.jobs.wait('count');
    expect(conditions(job)).toEqual(failed('BackoffLimitExceeded'));
    expect(job.status?.failed).toBeGreaterThanOrEqual(2);
  });
});

test('backoffLimitPerIndex with maxFailedIndexes, plain failures retried per index', async () => {
  const spec = { ...indexed(5, 5), backoffLimitPerIndex: 1, maxFailedIndexes: 2 };
  await t.jobs.create(jobManifest('per-index', spec, handlerPod({ EXIT_0: 1, FIRST_RUN_EXIT_2: 1, DELAY_MS: 2 })));
  const job = await t.jobs.wait('per-index');
  expect(conditions(job)).toEqual(failed('FailedIndexes'));
  expect(job.status).toMatchObject({ failedIndexes: '0', completedIndexes: '1-4', failed: 3, succeeded: 4 });
});

test('successPolicy ends the Job early and terminates the other pods', async () => {
  const spec = { ...indexed(6, 6), successPolicy: { rules: [{ succeededIndexes: '0' }] } };
  await t.jobs.create(jobManifest('success-policy', spec, handlerPod({ EXIT: 'hang', EXIT_0: 0 })));
  const job = await t.jobs.wait('success-policy');
  expect(conditions(job)).toEqual(complete('SuccessPolicy'));
  expect(job.status).toMatchObject({ succeeded: 1, completedIndexes: '0' });
});

test('activeDeadlineSeconds fails a Job whose pods run too long', async () => {
  await t.jobs.create(jobManifest('deadline', { ...indexed(3, 3), activeDeadlineSeconds: 2 }, handlerPod({ EXIT: 'hang' })));
  const job = await t.jobs.wait('deadline');
  expect(conditions(job)).toEqual(failed('DeadlineExceeded'));
  expect(job.status?.failed).toBe(3);
});

test('suspend and resume', async () => {
  const manifest = jobManifest('suspended', { ...indexed(3, 3), suspend: true }, handlerPod({}));
  await t.jobs.create(manifest);
  const suspended = await t.jobs.get('suspended');
  expect(suspended.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' });
  expect(await t.jobs.pods('suspended')).toHaveLength(0);
  await t.jobs.resume('suspended');
  const job = await t.jobs.wait('suspended');
  expect(conditions(job)).toContain('Complete=True:CompletionsReached');
  expect(job.status?.succeeded).toBe(3);
});

test('ttlSecondsAfterFinished deletes the finished Job once its time has passed', async () => {
  await t.jobs.create(jobManifest('ttl', { ttlSecondsAfterFinished: 600 }, handlerPod({})));
  const job = await t.jobs.wait('ttl');
  expect(conditions(job)).toEqual(complete());
  expect((await t.jobs.get('ttl')).metadata.name).toBe('ttl');
  await t.env.sleep('11 minutes');
  await expect(t.jobs.get('ttl')).rejects.toBeInstanceOf(NotFoundError);
});

test('delete: a running Job is gone, and its name can be used again', async () => {
  await t.jobs.create(jobManifest('deleted', indexed(2, 2), handlerPod({ EXIT: 'hang' })));
  await t.jobs.delete('deleted');
  await expect(t.jobs.get('deleted')).rejects.toBeInstanceOf(NotFoundError);
  await t.jobs.create(jobManifest('deleted', indexed(2, 2), handlerPod({})));
  expect(conditions(await t.jobs.wait('deleted'))).toEqual(complete());
});

test('Jobs created concurrently each end as Kubernetes would end them', async () => {
  const plans: { name: string; spec: Record<string, unknown>; vars: Record<string, string | number>; expected: string[] }[] = [
    { name: 'together-ok', spec: indexed(4, 2), vars: {}, expected: complete() },
    { name: 'together-fail-job', spec: { ...indexed(6, 3), ...onExitCodes('FailJob', [42]) }, vars: { EXIT_1: 42, DELAY_MS: 2 }, expected: failed('PodFailurePolicy') },
    { name: 'together-backoff', spec: { backoffLimit: 2 }, vars: { EXIT: 1 }, expected: failed('BackoffLimitExceeded') },
    { name: 'together-deadline', spec: { activeDeadlineSeconds: 1 }, vars: { EXIT: 'hang' }, expected: failed('DeadlineExceeded') },
  ];
  await Promise.all(plans.map((p) => t.jobs.create(jobManifest(p.name, p.spec, handlerPod(p.vars)))));
  const jobs = await Promise.all(plans.map((p) => t.jobs.wait(p.name)));
  expect(jobs.map(conditions)).toEqual(plans.map((p) => p.expected));
});

describe('command pods', () => {
  const shell = (script: string) => ({ image: 'busybox', command: ['sh', '-c', script] });
  test('successPolicy: index 0 succeeds while the others run; they are terminated', async () => {
    const spec = { ...indexed(4, 4), successPolicy: { rules: [{ succeededIndexes: '0' }] } };
    await t.jobs.create(jobManifest('command-success', spec, shell('[ "$JOB_COMPLETION_INDEX" = 0 ] && exit 0; exec sleep 60')));
    const job = await t.jobs.wait('command-success');
    expect(conditions(job)).toEqual(complete('SuccessPolicy'));
    expect(job.status).toMatchObject({ succeeded: 1, completedIndexes: '0' });
  });

  test('activeDeadlineSeconds', async () => {
    await t.jobs.create(jobManifest('command-deadline', { ...indexed(2, 2), activeDeadlineSeconds: 2 }, shell('exec sleep 60')));
    const job = await t.jobs.wait('command-deadline');
    expect(conditions(job)).toEqual(failed('DeadlineExceeded'));
    expect(job.status?.failed).toBe(2);
  });

  test('delete and TTL', async () => {
    await t.jobs.create(jobManifest('command-deleted', indexed(2, 2), shell('exec sleep 60')));
    await t.jobs.delete('command-deleted');
    await expect(t.jobs.get('command-deleted')).rejects.toBeInstanceOf(NotFoundError);
    await t.jobs.create(jobManifest('command-ttl', { ttlSecondsAfterFinished: 60 }, shell('exit 0')));
    expect(conditions(await t.jobs.wait('command-ttl'))).toEqual(complete());
    await t.env.sleep('2 minutes');
    await expect(t.jobs.get('command-ttl')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('stress: FailJob while the other pods exit, 30 times', async () => {
    const spec = { ...indexed(8, 4), ...onExitCodes('FailJob', [42]) };
    for (let i = 0; i < 30; i++) {
      await t.jobs.create(jobManifest(`command-race-${i}`, spec, commandPod));
      expect(conditions(await t.jobs.wait(`command-race-${i}`)), `command-race-${i}`).toEqual(failed('PodFailurePolicy'));
    }
  }, 300_000);
});

test('a Job that cannot make progress fails its wait with what was seen, and the Jobs after it still run', async () => {
  // A Job workflow whose every workflow task fails (its input is not a Job), as a broken workflow change would.
  const client = await t.jobs.client();
  await client.workflow.start('kjobJob', { workflowId: 'kjob/default/stuck', taskQueue: t.taskQueue, args: [{ job: { metadata: {} } }] });
  const error = await t.jobs.wait('stuck').then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error?.message).toMatch(/^jobs\.batch "stuck" \(namespace "default"\), awaited until it finishes: no progress for \d+ s; the workflow's last history event is #\d+ WorkflowTask(Failed|Started|Scheduled|TimedOut), a workflow task no worker completes/);
  expect(error?.message).toMatch(/the last workflow task failure: .*; its workflow was terminated, so that the environment can go on$/);
  await t.jobs.create(jobManifest('after-stuck', indexed(2, 2), handlerPod({})));
  expect(conditions(await t.jobs.wait('after-stuck'))).toEqual(complete());
}, 60_000);

test('a wait that times out on a Job that never ends gives up its place: later waits go on', async () => {
  await t.jobs.create(jobManifest('endless', {}, handlerPod({ EXIT: 'hang' })));
  await expect(t.jobs.wait('endless', { timeoutMs: 1_000 })).rejects.toBeInstanceOf(WaitTimeoutError);
  await t.jobs.create(jobManifest('after-endless', { backoffLimit: 1 }, handlerPod({ EXIT: 1 })));
  expect(conditions(await t.jobs.wait('after-endless'))).toEqual(failed('BackoffLimitExceeded'));
  await t.jobs.delete('endless');
});

test('stress: a FailJob pod ending the Job while others exit, 200 times in one environment', async () => {
  const spec = { ...indexed(8, 4), ...onExitCodes('FailJob', [42]) };
  for (let i = 0; i < 200; i++) {
    const name = `race-${i}`;
    await t.jobs.create(jobManifest(name, spec, handlerPod({ EXIT_2: 42, DELAY_MS: i % 5 })));
    expect(conditions(await t.jobs.wait(name)), name).toEqual(failed('PodFailurePolicy'));
  }
}, 600_000);
