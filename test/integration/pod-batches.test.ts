/**
 * Pod batches (workflows/pod-batches.ts) under faults and terminations, on real servers:
 * 1. dev server: a worker (its own process) SIGKILLed while a runPodBatch holds pods, some of which its heartbeat
 *    had reported ended: a second worker finishes the Job, every index counted once, and only the pods the batch
 *    still held are WorkerLost;
 * 2. dev server: parallelism lowered while batches hold their pods: the surplus pods stop alone (the batch's worker
 *    reads the Job's stop list, QUERY_POD_RUN_STOPS), their batch-mates run on;
 * 3. the same on kjob/testing, where batched pods stop in the worker's process;
 * 4. kjob/testing: the same manifests (podFailurePolicy, backoffLimitPerIndex, successPolicy, OnFailure) with
 *    batching off and on end with the same status.
 * Batches form deterministically: 32 pods starting at once, of unknown pace, go in batches of 8
 * (src/shared/controller/pod-batching.ts); pods after a short first wave go in batches of parallelism / 4.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { decodePayloads } from '../../src/codec/data-converter.js';
import { POD_BATCHING_ANNOTATION } from '../../src/shared/controller/pod-batching.js';
import type { Job, Pod } from '../../src/shared/kubernetes-types.js';
import type { PodBatchHeartbeat, PodBatchRequest } from '../../src/shared/protocol/pod-runs.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import type { PodContext, PodHandler } from '../../src/worker/handlers.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { alive, conditions, handlerContainer, jobManifest, killChild, startFixtureWorker, terminated } from '../helpers.js';

const COMPLETE = ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'];
const indexed = (completions: number, parallelism: number) => ({ completions, parallelism, completionMode: 'Indexed' });
const indexOf = (pod: Pod) => Number(pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index']);

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The runPodBatch activities in the history of a Job's (latest) workflow run: activity id and pod names. */
async function scheduledBatches(client: Client, name: string): Promise<Map<string, string[]>> {
  const history = await client.workflow.getHandle(`kjob/default/${name}`).fetchHistory();
  const converter = client.options.loadedDataConverter;
  const batches = new Map<string, string[]>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'runPodBatch') continue;
    // Raw from the history: encrypted when the worker encrypts.
    const [payload] = await decodePayloads(converter, scheduled.input?.payloads ?? []);
    const request = converter.payloadConverter.fromPayload<PodBatchRequest>(payload!);
    batches.set(scheduled.activityId!, request.pods.map((p) => p.podName));
  }
  return batches;
}

/** Whether the Job's history has a cancellation request for any runPodBatch activity. */
async function batchCancelled(client: Client, name: string, batchIds: Iterable<string>): Promise<boolean> {
  const history = await client.workflow.getHandle(`kjob/default/${name}`).fetchHistory();
  const ids = new Set(batchIds);
  const scheduledIdOf = new Map<string, string>();
  for (const event of history.events ?? []) {
    const id = event.activityTaskScheduledEventAttributes?.activityId;
    if (id) scheduledIdOf.set(String(event.eventId), id);
  }
  return (history.events ?? []).some((e) => {
    const requested = e.activityTaskCancelRequestedEventAttributes;
    return requested !== undefined && requested !== null && ids.has(scheduledIdOf.get(String(requested.scheduledEventId)) ?? '');
  });
}

/** The Job's pending activities: type, id, and (a batch's) last heartbeat as the server has it. */
async function pendingActivities(client: Client, name: string): Promise<{ type: string; id: string; heartbeat?: PodBatchHeartbeat }[]> {
  const description = await client.workflow.getHandle(`kjob/default/${name}`).describe();
  const converter = client.options.loadedDataConverter;
  const out: { type: string; id: string; heartbeat?: PodBatchHeartbeat }[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    const [payload] = await decodePayloads(converter, activity.heartbeatDetails?.payloads?.slice(0, 1) ?? []);
    const heartbeat = payload ? converter.payloadConverter.fromPayload<PodBatchHeartbeat>(payload) : undefined;
    out.push({ type: activity.activityType?.name ?? '', id: activity.activityId ?? '', ...(heartbeat ? { heartbeat } : {}) });
  }
  return out;
}

let dev: DevEnvironment;
const children: ChildProcess[] = [];
const clients: JobClient[] = [];

/** Pods that run until released (then exit 0) or terminated (then exit 143), and which of them began and saw their termination. */
class Holds {
  readonly started = new Set<string>();
  readonly aborted: string[] = [];
  private released = false;
  private readonly waiting = new Set<() => void>();

  /** `releasable` false: only the pod's termination ends it. */
  async hold(ctx: PodContext, releasable = true): Promise<number> {
    this.started.add(ctx.podName);
    if (releasable && this.released) return 0;
    await new Promise<void>((resolve) => {
      const end = () => {
        this.waiting.delete(end);
        resolve();
      };
      if (releasable) this.waiting.add(end);
      ctx.signal.addEventListener(
        'abort',
        () => {
          this.aborted.push(ctx.podName);
          end();
        },
        { once: true },
      );
    });
    return ctx.signal.aborted ? 143 : 0;
  }

  release(): void {
    this.released = true;
    for (const end of [...this.waiting]) end();
  }

  startedOf(job: string): string[] {
    return [...this.started].filter((p) => p.startsWith(`${job}-`));
  }

  abortedOf(job: string): string[] {
    return this.aborted.filter((p) => p.startsWith(`${job}-`));
  }
}

/** The dev server's in-process worker runs `held` pods. */
const devHolds = new Holds();
const held: PodHandler = (ctx) => devHolds.hold(ctx);

describe('dev server', () => {
  beforeAll(async () => {
    dev = await startDevEnvironment('pod-batches', { worker: { handlers: { held } } });
  });
  afterAll(async () => {
    for (const child of children) if (alive(child)) await killChild(child);
    for (const client of clients) await client.close().catch(() => undefined);
    await dev?.stop();
  });

  test('a worker killed while a batch holds pods: Complete, every index once, only the pods the batch still held are WorkerLost', async () => {
    const taskQueue = `pod-batches-killed-${Date.now()}`;
    const marks = join(dev.dir, 'killed-marks');
    mkdirSync(marks, { recursive: true });
    const workerEnv = { TEMPORAL_ADDRESS: dev.server.address, KJOB_TASK_QUEUE: taskQueue, KJOB_STATE_DIR: join(dev.dir, 'killed-state'), KJOB_MARK_DIR: marks };
    // The fixture worker encrypts nothing here: its client neither.
    const client = new JobClient({ address: dev.server.address, taskQueue });
    clients.push(client);
    const temporal = await client.client();
    const first = await startFixtureWorker(workerEnv, children);
    // Indexes 0-31 start at once (batches of 8) and end at once; 32-39 follow in a batch of short pods, of which
    // 38 and 39 wait for the release file: the batch holds them while its heartbeat reports the other six ended.
    const gated = [38, 39];
    await client.create(jobManifest('killed', { ...indexed(40, 32), backoffLimit: 6 }, handlerContainer('gated', { args: gated.map(String) })));
    const done = () => new Set(readdirSync(marks).filter((f) => f.endsWith('.done')).map((f) => f.slice(0, -'.done'.length)));
    const startedGated = () => readdirSync(marks).filter((f) => f.endsWith('.started') && gated.some((i) => f.startsWith(`killed-${i}-`)));
    await until(() => done().size === 38 && startedGated().length === 2, 60_000, '38 pods done and the 2 gated ones started');
    // Kill once the server has the batch's heartbeat naming every pod of it but the gated ones as ended.
    let holder: { id: string; pods: string[]; ended: string[] } | undefined;
    await until(
      async () => {
        const pending = await pendingActivities(temporal, 'killed');
        if (pending.length === 0 || pending.some((a) => a.type !== 'runPodBatch')) return false;
        const batches = await scheduledBatches(temporal, 'killed');
        const views = pending.map((a) => {
          const pods = batches.get(a.id) ?? [];
          return { id: a.id, pods, ended: (a.heartbeat?.ended ?? []).map(([position]) => pods[position]!) };
        });
        const open = views.flatMap((v) => v.pods.filter((p) => !v.ended.includes(p)));
        if (views.length !== 1 || open.length !== gated.length) return false;
        holder = views[0];
        return true;
      },
      30_000,
      'the only pending activity a runPodBatch whose heartbeat reports all but the gated pods ended',
    );
    const lostPods = holder!.pods.filter((p) => !holder!.ended.includes(p));
    expect(lostPods.map((p) => Number(p.split('-')[1])).sort()).toEqual(gated);
    expect(holder!.pods.length).toBeGreaterThan(gated.length);
    await killChild(first);
    writeFileSync(join(marks, 'release'), '');
    const second = await startFixtureWorker(workerEnv, children);

    const job = await client.wait('killed', { timeoutMs: 120_000 });
    expect(conditions(job)).toEqual(COMPLETE);
    expect(job.status).toMatchObject({ succeeded: 40, completedIndexes: '0-39', failed: gated.length });
    const pods = await client.pods('killed');
    // Every index succeeded exactly once.
    const succeeded = pods.filter((p) => p.status.phase === 'Succeeded').map(indexOf).sort((a, b) => a - b);
    expect(succeeded).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // The failed pods are exactly those the dead worker's batch still held, lost with it.
    const failed = pods.filter((p) => p.status.phase === 'Failed');
    expect(failed.map((p) => p.metadata.name).sort()).toEqual([...lostPods].sort());
    for (const pod of failed) {
      expect(pod.status.reason, pod.metadata.name).toBe('WorkerLost');
      expect(pod.status.conditions, pod.metadata.name).toEqual([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost' })]);
    }
    // The ones its heartbeat had reported ended kept their results.
    for (const name of holder!.ended) expect(pods.find((p) => p.metadata.name === name)?.status.phase, name).toBe('Succeeded');
    // The gated pods ran once on each worker: the dead one and the survivor.
    const pidOf = (pod: string) => Number(readFileSync(join(marks, `${pod}.started`), 'utf8'));
    for (const pod of lostPods) expect(pidOf(pod)).toBe(first.pid);
    const replacements = pods.filter((p) => gated.includes(indexOf(p)) && p.status.phase === 'Succeeded');
    for (const pod of replacements) expect(pidOf(pod.metadata.name)).toBe(second.pid);
    // Batches really ran: the first wave's four, and the one the worker died with.
    const batches = await scheduledBatches(temporal, 'killed');
    expect(batches.size).toBeGreaterThanOrEqual(5);
    expect([...batches.values()].slice(0, 4).map((b) => b.length)).toEqual([8, 8, 8, 8]);
    await killChild(second);
  }, 180_000);

  test('parallelism lowered while batches hold their pods: the surplus pods stop alone, their batch-mates run on', async () => {
    await dev.jobs.create(jobManifest('narrowed', indexed(32, 32), handlerContainer('held'), { terminationGracePeriodSeconds: 30 }));
    const temporal = await dev.jobs.client();
    await until(() => devHolds.startedOf('narrowed').length === 32, 60_000, '32 pods running');
    const batches = await scheduledBatches(temporal, 'narrowed');
    expect([...batches.values()].map((b) => b.length)).toEqual([8, 8, 8, 8]);
    // Each batch has run longer than a second (so its worker asks for the stop list) before the patch lands.
    await dev.jobs.patch('narrowed', { parallelism: 28 });
    await until(() => devHolds.abortedOf('narrowed').length >= 4, 60_000, 'the 4 surplus pods stopped');
    const stopped = devHolds.abortedOf('narrowed');
    expect(stopped).toHaveLength(4);
    await until(async () => (await dev.jobs.get('narrowed')).status?.terminating === 0, 30_000, 'nothing terminating');
    const narrowed = await dev.jobs.get('narrowed');
    expect(narrowed.status).toMatchObject({ active: 28, terminating: 0 });
    expect(narrowed.status?.failed).toBeUndefined();
    const pods = await dev.jobs.pods('narrowed');
    for (const name of stopped) {
      const pod = pods.find((p) => p.metadata.name === name)!;
      expect(pod.status.phase, name).toBe('Failed');
      expect(pod.metadata.deletionTimestamp, name).toBeDefined();
      // It ended on its own at the termination (143), within its grace period, not killed at its end (137).
      expect(terminated(pod)?.exitCode, name).toBe(143);
    }
    // The others still run, and so does every batch: none was cancelled for its stopped pods.
    expect(pods.filter((p) => !stopped.includes(p.metadata.name)).map((p) => p.status.phase)).toEqual(Array(28).fill('Running'));
    const pending = await pendingActivities(temporal, 'narrowed');
    expect(pending.map((a) => a.type)).toEqual(Array(4).fill('runPodBatch'));
    expect(await batchCancelled(temporal, 'narrowed', batches.keys())).toBe(false);

    devHolds.release();
    const job = await dev.jobs.wait('narrowed', { timeoutMs: 60_000 });
    expect(conditions(job)).toEqual(COMPLETE);
    // The stopped pods were not counted; their indexes ran again.
    expect(job.status).toMatchObject({ succeeded: 32, completedIndexes: '0-31' });
    expect(job.status?.failed).toBeUndefined();
    const finished = await dev.jobs.pods('narrowed');
    expect(finished).toHaveLength(36);
    expect(finished.filter((p) => p.status.phase === 'Succeeded').map(indexOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i));
  }, 120_000);
});

/** Runs of each (Job, index) so far, so a pod can behave differently on its retry. */
const scriptedRuns = new Map<string, number>();
/** The time-skipping kit's `hold` and `hang` pods. */
const kitHolds = new Holds();

/**
 * A handler scripted through env: `EXIT_<index>` (or `EXIT`) is the exit code, `hang` to run until terminated,
 * `hold` to run until terminated or released; `FIRST_RUN_EXIT_<index>` overrides it on the index's first run;
 * `PRINT` bytes of output first.
 */
async function scripted(ctx: PodContext): Promise<number> {
  const key = `${ctx.jobName}/${ctx.index}`;
  const run = scriptedRuns.get(key) ?? 0;
  scriptedRuns.set(key, run + 1);
  // PRINT: bytes of output (a line: the index, then x's).
  if (ctx.env.PRINT) ctx.log.write(`${ctx.index}:`.padEnd(Number(ctx.env.PRINT) - 1, 'x') + '\n');
  const planned = (run === 0 ? ctx.env[`FIRST_RUN_EXIT_${ctx.index}`] : undefined) ?? ctx.env[`EXIT_${ctx.index}`] ?? ctx.env.EXIT ?? '0';
  return planned === 'hang' || planned === 'hold' ? kitHolds.hold(ctx, planned === 'hold') : Number(planned);
}

const env = (vars: Record<string, string | number>) => Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));
const scriptedPod = (vars: Record<string, string | number>) => handlerContainer('scripted', { env: env(vars) });
const onExitCodes = (action: string, values: number[]) => ({ action, onExitCodes: { operator: 'In', values } });

describe('kjob/testing (time-skipping test server)', () => {
  let t: JobTestEnvironment;
  beforeAll(async () => {
    t = await createJobTestEnvironment({ handlers: { scripted } });
  });
  afterAll(async () => t?.teardown());

  test('one pod of a batch stopped alone (in the worker process): its batch-mates run on', async () => {
    await t.jobs.create(jobManifest('ts-narrowed', indexed(32, 32), scriptedPod({ EXIT: 'hold' })));
    const temporal = await t.jobs.client();
    await until(() => kitHolds.startedOf('ts-narrowed').length === 32, 60_000, '32 pods running');
    const batches = await scheduledBatches(temporal, 'ts-narrowed');
    expect([...batches.values()].map((b) => b.length)).toEqual([8, 8, 8, 8]);
    await t.jobs.patch('ts-narrowed', { parallelism: 31 });
    await until(() => kitHolds.abortedOf('ts-narrowed').length > 0, 60_000, 'the surplus pod stopped');
    await until(async () => (await t.jobs.get('ts-narrowed')).status?.terminating === 0, 30_000, 'nothing terminating');
    const stopped = kitHolds.abortedOf('ts-narrowed');
    expect(stopped).toHaveLength(1);
    const pods = await t.jobs.pods('ts-narrowed');
    const pod = pods.find((p) => p.metadata.name === stopped[0])!;
    expect([pod.status.phase, terminated(pod)?.exitCode]).toEqual(['Failed', 143]);
    expect(pods.filter((p) => p !== pod).map((p) => p.status.phase)).toEqual(Array(31).fill('Running'));
    expect((await t.jobs.get('ts-narrowed')).status).toMatchObject({ active: 31 });
    expect(await batchCancelled(temporal, 'ts-narrowed', batches.keys())).toBe(false);

    kitHolds.release();
    const job = await t.jobs.wait('ts-narrowed');
    expect(conditions(job)).toEqual(COMPLETE);
    expect(job.status).toMatchObject({ succeeded: 32, completedIndexes: '0-31' });
    expect(job.status?.failed).toBeUndefined();
  });

  /** Manifests whose outcome does not depend on which pod ends first; 32 pods start at once, so batches form. */
  const plans: { name: string; spec: Record<string, unknown>; vars: Record<string, string | number>; podSpec?: Record<string, unknown> }[] = [
    {
      name: 'rules',
      spec: {
        ...indexed(40, 32),
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 4,
        podFailurePolicy: { rules: [onExitCodes('FailIndex', [42]), onExitCodes('Ignore', [43]), onExitCodes('Count', [1])] },
      },
      vars: { EXIT_3: 42, EXIT_35: 42, FIRST_RUN_EXIT_5: 43, FIRST_RUN_EXIT_7: 1, FIRST_RUN_EXIT_36: 1 },
    },
    { name: 'per-index', spec: { ...indexed(40, 32), backoffLimitPerIndex: 1, maxFailedIndexes: 1 }, vars: { EXIT_0: 1, EXIT_9: 1, FIRST_RUN_EXIT_2: 1 } },
    { name: 'backoff', spec: { ...indexed(40, 32), backoffLimit: 6 }, vars: { FIRST_RUN_EXIT_4: 1, FIRST_RUN_EXIT_20: 1, FIRST_RUN_EXIT_38: 1 } },
    { name: 'success', spec: { ...indexed(40, 32), successPolicy: { rules: [{ succeededIndexes: '0-3' }] } }, vars: { EXIT: 'hang', EXIT_0: 0, EXIT_1: 0, EXIT_2: 0, EXIT_3: 0 } },
    { name: 'on-failure', spec: { ...indexed(40, 32), backoffLimit: 6 }, vars: { FIRST_RUN_EXIT_1: 1, FIRST_RUN_EXIT_34: 1 }, podSpec: { restartPolicy: 'OnFailure' } },
  ];

  test('batched pods keep their log tails as alone, when their batch prints more than its result carries', async () => {
    // 160 pods at parallelism 80: after the first wave, batches of 20 pods of 20,000 bytes each (320 KB of tails).
    await t.jobs.create(jobManifest('ts-chatty', indexed(160, 80), scriptedPod({ PRINT: 20_000 })));
    const done = await t.jobs.wait('ts-chatty', { timeoutMs: 120_000 });
    expect(done.status?.succeeded).toBe(160);
    const sizes = [...(await scheduledBatches(await t.jobs.client(), 'ts-chatty')).values()].map((pods) => pods.length);
    expect(sizes.filter((n) => n === 20).length).toBeGreaterThan(0);
    const logs = await t.jobs.logs('ts-chatty');
    // Every byte is kept or counted; a kept log is the whole 16 KiB tail a pod keeps alone (the Job's 512 KiB log
    // budget empties the oldest pods' logs, counting their bytes as truncated).
    for (const log of logs) expect(log.text.length + log.truncatedBytes).toBe(20_000);
    expect(new Set(logs.map((log) => log.text.length).filter((n) => n > 0))).toEqual(new Set([16 * 1024]));
  }, 150_000);

  test('batching changes no count: the same manifests with kjob.dev/pod-batching off and on end alike', async () => {
    const status = (job: Job) => ({
      succeeded: job.status?.succeeded,
      failed: job.status?.failed,
      completedIndexes: job.status?.completedIndexes,
      failedIndexes: job.status?.failedIndexes,
      conditions: (job.status?.conditions ?? []).map((c) => `${c.type}:${c.reason}`),
    });
    const temporal = await t.jobs.client();
    const results: Record<string, Record<string, ReturnType<typeof status>>> = {};
    for (const mode of ['off', 'auto'] as const) {
      for (const plan of plans) {
        const manifest = jobManifest(`${plan.name}-${mode}`, plan.spec, scriptedPod(plan.vars), plan.podSpec);
        if (mode === 'off') Object.assign(manifest.metadata, { annotations: { [POD_BATCHING_ANNOTATION]: 'off' } });
        await t.jobs.create(manifest);
      }
      for (const plan of plans) {
        const job = await t.jobs.wait(`${plan.name}-${mode}`);
        (results[plan.name] ??= {})[mode] = status(job);
        const batches = await scheduledBatches(temporal, `${plan.name}-${mode}`);
        if (mode === 'off') expect(batches.size, `${plan.name}-off`).toBe(0);
        else expect(batches.size, `${plan.name}-auto`).toBeGreaterThanOrEqual(4);
      }
    }
    for (const plan of plans) expect(results[plan.name]!.auto, plan.name).toEqual(results[plan.name]!.off);
    // And what they are, as Kubernetes would count them.
    expect(results.rules!.off).toMatchObject({ failedIndexes: '3,35', failed: 4, succeeded: 38, conditions: ['FailureTarget:FailedIndexes', 'Failed:FailedIndexes'] });
    expect(results['per-index']!.off).toMatchObject({ failedIndexes: '0,9', failed: 5, succeeded: 38, conditions: ['FailureTarget:MaxFailedIndexesExceeded', 'Failed:MaxFailedIndexesExceeded'] });
    expect(results.backoff!.off).toMatchObject({ failed: 3, succeeded: 40, completedIndexes: '0-39' });
    expect(results.success!.off).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
    expect(results['on-failure']!.off).toMatchObject({ succeeded: 40, completedIndexes: '0-39' });
  }, 240_000);
});
