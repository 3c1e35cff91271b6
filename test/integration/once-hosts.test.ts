/**
 * `ctx.once` across worker hosts, through the Job's workflow (the default once-store), on a real dev server:
 * two workers in separate state folders ("hosts", no shared disk, separate processes) where the first is killed
 * after its pod's effect and before the pod's activity completes, and the replacement on the other host gets the
 * committed result without running the function; two runs of one key at once take turns; two calls of one key in
 * one run too. The effects are counted by the test itself (a file it owns, or its own memory).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { TemporalOnceStore } from '../../src/worker/temporal-once-store.js';
import type { PodHandler } from '../../src/worker/handlers.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { ONCE_UPDATES_PER_RUN } from '../../src/shared/controller/once-records.js';
import { conditions, eventually, handlerContainer, jobManifest, runChain, startFixtureWorker } from '../helpers.js';

/** The in-process worker's `turns` handler: its once function runs until the test releases it. */
const turns = {
  beforeOnce: [] as string[],
  inFn: [] as string[],
  running: 0,
  mostAtOnce: 0,
  release: () => undefined as void,
};
const released = new Promise<void>((resolve) => (turns.release = resolve));
const turnsHandler: PodHandler = async (ctx) => {
  turns.beforeOnce.push(ctx.podName);
  const value = await ctx.once('effect', async () => {
    turns.inFn.push(ctx.podName);
    turns.mostAtOnce = Math.max(turns.mostAtOnce, ++turns.running);
    // The effect ignores the pod's termination: it finishes and is committed even by a pod being deleted.
    await released;
    turns.running--;
    return ctx.podName;
  });
  ctx.log.info(`once=${value}`);
  return 0;
};
/** Two calls of one key at once in one pod run. */
let twiceRuns = 0;
const twiceHandler: PodHandler = async (ctx) => {
  const effect = async () => {
    twiceRuns++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return `run ${twiceRuns}`;
  };
  const values = await Promise.all([ctx.once('k', effect), ctx.once('k', effect)]);
  ctx.log.info(`values=${values.join(',')}`);
  return 0;
};

/** One once call per pod, counted by the test, for the hand-over after ONCE_UPDATES_PER_RUN updates. */
const perIndex = new Map<number, number>();
const countedHandler: PodHandler = async (ctx) => {
  await ctx.once('effect', () => perIndex.set(ctx.index!, (perIndex.get(ctx.index!) ?? 0) + 1).size);
  return 0;
};

let env: DevEnvironment;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  env = await startDevEnvironment('once-hosts', { worker: { handlers: { turns: turnsHandler, twice: twiceHandler, counted: countedHandler } } });
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  turns.release();
  await env?.stop();
});

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

test('two hosts: A commits and is killed before its activity completes; the replacement on B gets the result without running fn', async () => {
  const taskQueue = `once-hosts-${Date.now()}`;
  const jobs = new JobClient({ address: env.server.address, taskQueue });
  const effects = join(env.dir, 'effects.txt');
  const host = (name: string, hang: boolean) => {
    const stateDir = join(env.dir, name);
    mkdirSync(stateDir);
    // No KJOB_ONCE_DIR: the default once-store. Each host has only its own state folder.
    return startFixtureWorker(
      { TEMPORAL_ADDRESS: env.server.address, KJOB_TASK_QUEUE: taskQueue, KJOB_STATE_DIR: stateDir, KJOB_EFFECTS_FILE: effects, KJOB_HANG_AFTER_EFFECT: hang ? '1' : '0', KJOB_POD_SANDBOX: 'off' },
      workers,
    );
  };
  try {
    const hostA = await host('host-a', true);
    await jobs.create(jobManifest('two-hosts', { completions: 2, parallelism: 2, completionMode: 'Indexed' }, handlerContainer('effect')));
    // Both pods' once() returned on A (the effect is committed) and their activities are still open.
    await until(() => lines(`${effects}.committed`).length === 2, 60_000);
    hostA.kill('SIGKILL');
    await host('host-b', false);
    const job = await jobs.wait('two-hosts', { timeoutMs: 90_000 });
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect(job.status).toMatchObject({ succeeded: 2, failed: 2, completedIndexes: '0,1' });
    const pods = await jobs.pods('two-hosts');
    const lost = pods.filter((p) => p.status.phase === 'Failed');
    const replacements = pods.filter((p) => p.status.phase === 'Succeeded');
    expect(lost.map((p) => p.status.reason)).toEqual(['WorkerLost', 'WorkerLost']);
    // The effect happened once per index, on host A, by the lost pods; the replacements' once() returned too.
    expect(lines(effects).sort()).toEqual(lost.map((p) => p.metadata.name).sort());
    expect(lines(`${effects}.committed`).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    expect(replacements).toHaveLength(2);
  } finally {
    await jobs.close();
  }
});

test('two runs of one key at once (a replacement while its predecessor terminates) take turns: fn runs once', async () => {
  const { jobs } = env;
  await jobs.create(jobManifest('turns', { completions: 1, parallelism: 1 }, handlerContainer('turns')));
  await until(() => turns.inFn.length === 1, 60_000);
  // Suspend and resume: the first pod is deleted (its effect goes on), a replacement starts while it terminates.
  await jobs.suspend('turns');
  await jobs.resume('turns');
  await until(() => turns.beforeOnce.length === 2, 60_000);
  // Give the replacement time to claim (and, were the claim not held, to enter fn) before the first one ends.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(turns.inFn).toHaveLength(1);
  turns.release();
  const job = await jobs.wait('turns', { timeoutMs: 90_000 });
  expect(conditions(job)).toEqual(['Suspended=False:JobResumed', 'SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  expect(turns.inFn).toEqual([turns.beforeOnce[0]]);
  expect(turns.mostAtOnce).toBe(1);
  // The replacement got the first pod's committed value.
  const logs = await jobs.logs('turns', { pod: turns.beforeOnce[1]! });
  expect(logs.map((l) => l.text).join('')).toContain(`once=${turns.beforeOnce[0]}`);
});

test('two calls of one key at once in one pod run: fn runs once, both get its value', async () => {
  const { jobs } = env;
  await jobs.create(jobManifest('twice', {}, handlerContainer('twice')));
  const job = await jobs.wait('twice', { timeoutMs: 60_000 });
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  expect(twiceRuns).toBe(1);
  const logs = await eventually(() => jobs.logs('twice'), (l) => l.length > 0);
  expect(logs.map((l) => l.text).join('')).toContain('values=run 1,run 1');
});

test('a Job whose pods make more once updates than one run takes continues as new, and every effect happens once', async () => {
  const { jobs } = env;
  // Two updates per pod: past ONCE_UPDATES_PER_RUN well before the history's own threshold (10,240 events).
  const pods = ONCE_UPDATES_PER_RUN / 2 + 100;
  await jobs.create(jobManifest('many-once', { completions: pods, parallelism: 20, completionMode: 'Indexed' }, handlerContainer('counted')));
  const job = await jobs.wait('many-once', { timeoutMs: 300_000 });
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  expect(job.status).toMatchObject({ succeeded: pods });
  expect(perIndex.size).toBe(pods);
  expect([...perIndex.values()].every((n) => n === 1)).toBe(true);
  const runs = await runChain(await jobs.client(), 'kjob/default/many-once');
  expect(runs.length).toBeGreaterThanOrEqual(2);
}, 360_000);

test('a Job whose workflow never answers (no worker takes its tasks) fails the once call after the retry window, and fn never runs', async () => {
  const client = await env.jobs.client();
  // A workflow of kjob's Job type on a task queue no worker polls: updates to it are admitted and never answered.
  const workflowId = `kjob/default/unanswered-${Date.now()}`;
  await client.workflow.start('kjobJob', { workflowId, taskQueue: `no-worker-${Date.now()}`, args: [{}] });
  try {
    const store = new TemporalOnceStore({ client: () => client, retryForMs: 3_000 });
    let ran = false;
    const call = store.once('kjob:uid:0/effect', () => (ran = true), undefined, { workflowId, attemptKey: 'attempt-0', jobUid: 'uid' });
    await expect(call).rejects.toThrow(/ctx\.once "kjob:uid:0\/effect": the Job's workflow did not answer/);
    expect(ran).toBe(false);
  } finally {
    await client.workflow.getHandle(workflowId).terminate('test over');
  }
}, 60_000);
