/**
 * A Job wider than one workflow may be (dev server): the server is started with a pending-activity limit of 20
 * per workflow, and a Job runs 30 pods at once through pod runner shards, continuing as new while shard runs are
 * in flight. Parallelism, counts and indexes hold for the Job as a whole; every shard ends with the Job.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_CONTROLLER_SETTINGS, type PodRunInput } from '../../src/shared/protocol/pod-runs.js';
import { SIGNAL_SHARD_ALIVE, SIGNAL_SHARD_RUN_POD } from '../../src/shared/protocol/names.js';
import { holdingHandler, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, handlerContainer, jobManifest } from '../helpers.js';

let env: DevEnvironment;
const runsPerIndex = new Map<number, number>();
let running = 0;
let maxRunning = 0;
const { hold, aborted } = holdingHandler();

beforeAll(async () => {
  env = await startDevEnvironment('wide', {
    serverArgs: ['--dynamic-config-value', 'limit.numPendingActivities.error=20'],
    worker: {
      maxPodRunsPerWorkflow: 8,
      maxRunsPerShard: 12,
      // Low enough that the Job continues as new even when a loaded machine batches its signals into fewer tasks.
      continueAsNewAfterEvents: 400,
      workerOptions: { maxConcurrentActivityTaskExecutions: 100 },
      handlers: {
        hold,
        wide: async (ctx) => {
          runsPerIndex.set(ctx.index!, (runsPerIndex.get(ctx.index!) ?? 0) + 1);
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 4000));
          running--;
          return 0;
        },
      },
    },
  });
});
afterAll(async () => env?.stop());

test('90 pods at parallelism 30 over a limit of 20 pending activities per workflow', async () => {
  await env.jobs.create(jobManifest('wide', { completions: 90, parallelism: 30, completionMode: 'Indexed' }, handlerContainer('wide')));
  const job = await env.jobs.wait('wide', { timeoutMs: 180_000 });
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  expect(job.status).toMatchObject({ succeeded: 90, completedIndexes: '0-89' });
  expect(job.status?.failed).toBeUndefined();
  for (let index = 0; index < 90; index++) expect(runsPerIndex.get(index)).toBe(1);
  // More pods ran at once than one workflow may hold, and never more than parallelism.
  expect(maxRunning).toBeGreaterThan(20);
  expect(maxRunning).toBeLessThanOrEqual(30);

  const client = await env.jobs.client();
  const shards: { id: string; status: string }[] = [];
  for (let i = 0; i < 50; i++) {
    shards.length = 0;
    for await (const execution of client.workflow.list({ query: `WorkflowType = 'kjobPodShard'` })) {
      shards.push({ id: execution.workflowId, status: execution.status.name });
    }
    if (shards.length > 0 && shards.every((s) => s.status === 'COMPLETED')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(shards.length).toBeGreaterThanOrEqual(2);
  expect(shards.every((s) => s.status === 'COMPLETED')).toBe(true);
  expect(shards.every((s) => s.id.startsWith(`kjob-shard/default/wide/${job.metadata.uid}/`))).toBe(true);
  // The Job's own workflow continued as new at least once while shard runs were in flight.
  const latest = await client.workflow.getHandle('kjob/default/wide').describe();
  const first = await client.workflow.getHandle('kjob/default/wide', latest.runId).fetchHistory();
  expect(first.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
  // Listing shows the Job once, not once per run of its workflow.
  let listed = await env.jobs.list();
  for (let i = 0; i < 50 && !listed.some((j) => j.metadata.name === 'wide'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    listed = await env.jobs.list();
  }
  expect(listed.filter((j) => j.metadata.name === 'wide')).toHaveLength(1);
}, 240_000);

test('a shard left by a deleted Job of the same name is told its Job is gone, and stops its pods', async () => {
  const client = await env.jobs.client();
  // The old Job's shard, as it would be still running a pod when the Job was deleted and created again.
  const oldShardId = 'kjob-shard/default/again/old-uid/0';
  const shard = await client.workflow.start('kjobPodShard', {
    workflowId: oldShardId,
    taskQueue: env.taskQueue,
    args: [{ jobWorkflowId: 'kjob/default/again', settings: DEFAULT_CONTROLLER_SETTINGS }],
  });
  const oldPod: PodRunInput = {
    workflowId: 'kjob/default/again',
    job: {
      metadata: { name: 'again', namespace: 'default', uid: 'old-uid' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kjob.dev/handler/hold' }], terminationGracePeriodSeconds: 30 } } },
    },
    podName: 'again-0-oldpd',
    podUid: 'old-pod-uid',
    index: 0,
    restartCount: 0,
    hostname: 'again-0',
    podKey: 'kjob:old-uid:0',
    attemptKey: 'kjob:old-uid:0:again-0-oldpd:0',
  };
  await shard.signal(SIGNAL_SHARD_RUN_POD, { input: oldPod, summary: 'old pod' });
  // The new Job of that name, with a pod of its own.
  const job = await env.jobs.create(jobManifest('again', { completions: 1, completionMode: 'Indexed' }, handlerContainer('hold')));
  expect(job.metadata.uid).not.toBe('old-uid');
  // The old shard's sign of life reaches the new Job.
  await client.workflow.getHandle('kjob/default/again').signal(SIGNAL_SHARD_ALIVE, oldShardId);
  await shard.result();
  expect(aborted).toContain('again-0-oldpd');
  // The new Job is untouched: its pod still runs.
  const pods = await env.jobs.pods('again');
  expect(pods.map((p) => p.status.phase)).toEqual([expect.stringMatching(/Pending|Running/)]);
  expect(aborted.filter((name) => name !== 'again-0-oldpd')).toEqual([]);
}, 120_000);

test('a Background delete of a wide Job stops the pods in its shards at once, not at their next liveness check', async () => {
  const manifest = jobManifest('wide-deleted', { completions: 14, parallelism: 14, completionMode: 'Indexed' }, handlerContainer('hold'));
  // The Job's shards start after this, so none checks on its Job before this time.
  const earliestLivenessCheck = Date.now() + 60_000;
  await env.jobs.create(manifest);
  // 14 pods at once, over the 8 one workflow holds here: some run in shards.
  let pods: string[] = [];
  for (let i = 0; i < 300 && pods.length < 14; i++) {
    pods = (await env.jobs.pods('wide-deleted')).filter((p) => p.status.phase === 'Running').map((p) => p.metadata.name);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(pods).toHaveLength(14);
  const client = await env.jobs.client();
  const shards = await client.workflow.getHandle('kjob/default/wide-deleted').query<string[]>('shards');
  expect(shards.length).toBeGreaterThan(0);

  const deleting = env.jobs.delete('wide-deleted');
  for (let i = 0; i < 400 && !pods.every((p) => aborted.includes(p)); i++) await new Promise((r) => setTimeout(r, 100));
  // Every pod stopped, and before any shard could have learnt it from its own check: the delete told them.
  expect(pods.filter((p) => !aborted.includes(p))).toEqual([]);
  expect(Date.now()).toBeLessThan(earliestLivenessCheck);
  await deleting;
  for (const id of shards) await client.workflow.getHandle(id).result();
}, 120_000);
