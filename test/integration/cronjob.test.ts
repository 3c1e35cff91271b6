/**
 * CronJobs on the dev server (the time-skipping test server has no Schedule API: it answers "Failed to create
 * schedule"). Runs are fired deterministically with Schedule backfills over past January firsts of a yearly
 * schedule, so no run fires by itself and each slot has its own Job name.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobClient } from '../../src/client/job-client.js';
import { CronJobClient } from '../../src/client/cronjob-client.js';
import { CronJobAlreadyExistsError, CronJobNotFoundError } from '../../src/shared/cronjob/errors.js';
import { NotFoundError } from '../../src/shared/errors.js';
import { holdingHandler, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, eventually, handlerContainer } from '../helpers.js';

/** `hold` pods run until released (by Job name) or terminated; `aborted` lists the pods that were terminated. */
const { hold, aborted, releases: holds } = holdingHandler();
let env: DevEnvironment;
let dir: string;
let cronJobs: CronJobClient;
let jobs: JobClient;

beforeAll(async () => {
  env = await startDevEnvironment('cron', { worker: { handlers: { hold, quick: () => 0, fail: () => 1 } } });
  dir = env.dir;
  cronJobs = new CronJobClient({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: env.keys });
  jobs = await cronJobs.jobs();
});
afterAll(async () => {
  for (const release of holds.values()) release();
  await cronJobs?.close();
  await env?.stop();
});

const newYear = (year: number) => Date.UTC(year, 0, 1);
const minutes = (year: number) => newYear(year) / 60_000;
/** Fires the yearly slots of the given years. */
const backfill = (name: string, from: number, to: number) =>
  cronJobs.backfill(name, { start: new Date(newYear(from) - 60_000), end: new Date(newYear(to) + 60_000) });

function cronJob(name: string, handler: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '0 0 1 1 *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', ...handlerContainer(handler) }] } } },
      },
    },
  };
}

/** A Job just started may not answer queries for a moment; it exists all the same. */
const exists = (name: string) => jobs.get(name).then(() => true, (e: unknown) => !(e instanceof NotFoundError));
const holding = (name: string) => eventually(async () => holds.has(name), Boolean, 30_000);
const activeNames = async (name: string) => ((await cronJobs.get(name)).status?.active ?? []).map((a) => a.name);

describe('CronJobs on Temporal Schedules', () => {
  test('Allow: slots overlap; each Job is <cronjob>-<unix minutes> with the scheduled-timestamp annotation', async () => {
    await cronJobs.create(cronJob('allow', 'hold'));
    await expect(cronJobs.create(cronJob('allow', 'hold'))).rejects.toBeInstanceOf(CronJobAlreadyExistsError);
    await backfill('allow', 2020, 2021);
    const [a, b] = [`allow-${minutes(2020)}`, `allow-${minutes(2021)}`];
    await holding(a);
    await holding(b);
    expect((await activeNames('allow')).sort()).toEqual([a, b]);
    const job = await jobs.get(a);
    expect(job.metadata.labels).toEqual({ app: 'allow' });
    expect(job.metadata.annotations).toEqual({ 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2020-01-01T00:00:00Z' });
    holds.get(a)!();
    holds.get(b)!();
    expect(conditions(await jobs.wait(a))).toContain('Complete=True:CompletionsReached');
    await jobs.wait(b);
    const done = await eventually(() => cronJobs.get('allow'), (c) => !c.status?.active && c.status?.lastSuccessfulTime !== undefined);
    expect(done.status).toMatchObject({ lastScheduleTime: '2021-01-01T00:00:00Z' });
    expect(done.status?.active).toBeUndefined();
  });

  test('Forbid: a slot due while the previous Job runs is skipped', async () => {
    await cronJobs.create(cronJob('forbid', 'hold', { concurrencyPolicy: 'Forbid' }));
    await backfill('forbid', 2020, 2021);
    const first = `forbid-${minutes(2020)}`;
    await holding(first);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await exists(`forbid-${minutes(2021)}`)).toBe(false);
    expect(await activeNames('forbid')).toEqual([first]);
    holds.get(first)!();
    await jobs.wait(first);
  });

  test('Replace: the running Job is terminated and deleted, the new one runs', async () => {
    await cronJobs.create(cronJob('replace', 'hold', { concurrencyPolicy: 'Replace' }));
    const [old, next] = [`replace-${minutes(2020)}`, `replace-${minutes(2021)}`];
    await backfill('replace', 2020, 2020);
    await holding(old);
    await backfill('replace', 2021, 2021);
    await holding(next);
    expect(aborted.some((pod) => pod.startsWith(`${old}-`))).toBe(true);
    expect(await eventually(() => exists(old), (e) => !e)).toBe(false);
    expect(await activeNames('replace')).toEqual([next]);
    holds.get(next)!();
    await jobs.wait(next);
  });

  test('history limits delete the oldest finished Jobs', async () => {
    await cronJobs.create(cronJob('history', 'quick', { successfulJobsHistoryLimit: 1 }));
    await backfill('history', 2020, 2022);
    const names = [2020, 2021, 2022].map((y) => `history-${minutes(y)}`);
    const kept = await eventually(async () => (await Promise.all(names.map(exists))), (e) => e.join() === 'false,false,true');
    expect(kept).toEqual([false, false, true]);
  });

  test('failed Jobs (their workflows fail) count as failed: failedJobsHistoryLimit keeps the latest', async () => {
    const spec = { failedJobsHistoryLimit: 1, successfulJobsHistoryLimit: 3 };
    const manifest = cronJob('failing', 'fail', spec);
    (manifest.spec.jobTemplate.spec as Record<string, unknown>).backoffLimit = 0;
    await cronJobs.create(manifest);
    await backfill('failing', 2020, 2022);
    const names = [2020, 2021, 2022].map((y) => `failing-${minutes(y)}`);
    const kept = await eventually(async () => (await Promise.all(names.map(exists))), (e) => e.join() === 'false,false,true');
    expect(kept).toEqual([false, false, true]);
    expect(conditions(await jobs.get(names[2]!))).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    const cron = await cronJobs.get('failing');
    expect(cron.status?.lastScheduleTime).toBeDefined();
    expect(cron.status?.lastSuccessfulTime).toBeUndefined();
  });

  test('suspend pauses the Schedule; createJobFromCronJob; delete takes the Jobs along', async () => {
    expect((await cronJobs.suspend('history')).spec.suspend).toBe(true);
    const client = await cronJobs.client();
    expect((await client.schedule.getHandle('kjob-cron/default/history').describe()).state.paused).toBe(true);
    expect((await cronJobs.resume('history')).spec.suspend).toBe(false);

    const manual = await cronJobs.createJobFromCronJob('history', 'history-manual');
    expect(manual.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(conditions(await jobs.wait('history-manual'))).toContain('Complete=True:CompletionsReached');

    const [applied] = await cronJobs.apply(cronJob('history', 'quick', { successfulJobsHistoryLimit: 1, schedule: '0 0 2 1 *' }));
    expect(applied).toMatchObject({ action: 'configured', cronJob: { spec: { schedule: '0 0 2 1 *' } } });
    expect((await cronJobs.apply(cronJob('history', 'quick', { successfulJobsHistoryLimit: 1, schedule: '0 0 2 1 *' })))[0]!.action).toBe('unchanged');
    expect((await cronJobs.list()).map((c) => c.metadata.name)).toEqual(['allow', 'failing', 'forbid', 'history', 'replace']);

    await cronJobs.delete('history');
    await expect(cronJobs.get('history')).rejects.toBeInstanceOf(CronJobNotFoundError);
    expect(await eventually(() => exists('history-manual'), (e) => !e)).toBe(false);
  });
});

describe('the kjob CLI with CronJobs', () => {
  const kjob = async (...args: string[]) => {
    const { execFile } = await import('node:child_process');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'kjob.js');
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, '--task-queue', env.taskQueue, ...args], { env: { ...process.env, TEMPORAL_ADDRESS: env.server.address }, cwd: env.dir }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  };

  test('apply -f with a CronJob and a Job, get cronjobs, create job --from=cronjob/X, delete cronjob', async () => {
    const { writeFileSync } = await import('node:fs');
    const file = join(dir, 'both.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cli-cron\nspec:\n  schedule: "0 0 1 1 *"\n  timeZone: Europe/Paris\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: kjob.dev/handler/quick\n',
        'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: cli-plain\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: kjob.dev/handler/quick\n',
      ].join('---\n'),
    );
    expect(await kjob('apply', '-f', file)).toMatchObject({ code: 0, stdout: 'cronjob.batch/cli-cron created\njob.batch/cli-plain created\n' });
    expect(await kjob('apply', '-f', file)).toMatchObject({ code: 0, stdout: 'cronjob.batch/cli-cron unchanged\njob.batch/cli-plain unchanged\n' });
    const table = await kjob('get', 'cronjobs', 'cli-cron');
    expect(table.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\ncli-cron\s+0 0 1 1 \*\s+Europe\/Paris\s+False\s+0\s+<none>\s+\d+s\n$/);
    expect(await kjob('create', 'job', 'cli-manual', '--from=cronjob/cli-cron')).toMatchObject({ code: 0, stdout: 'job.batch/cli-manual created\n' });
    const manual = await jobs.wait('cli-manual');
    expect(manual.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(await kjob('get', 'cronjob', 'nope')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): cronjobs.batch "nope" not found\n' });
    const bad = join(dir, 'bad-cron.yaml');
    writeFileSync(bad, 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: bad\nspec:\n  schedule: "bad"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: main\n            image: kjob.dev/handler/quick\n');
    expect(await kjob('create', '-f', bad)).toMatchObject({
      code: 1,
      stderr: 'The CronJob "bad" is invalid: spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]\n',
    });
    expect(await kjob('delete', 'cronjob', 'cli-cron')).toMatchObject({ code: 0, stdout: 'cronjob.batch "cli-cron" deleted\n' });
    await expect(cronJobs.get('cli-cron')).rejects.toBeInstanceOf(CronJobNotFoundError);
  });
});
