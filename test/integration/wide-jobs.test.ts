/**
 * A Job wider than one workflow may be (dev server): the server is started with a pending-activity limit of 20
 * per workflow, and a Job runs 30 pods at once through pod runner shards, continuing as new while shard runs are
 * in flight. Parallelism, counts and indexes hold for the Job as a whole; every shard ends with the Job.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, handlerContainer, jobManifest } from '../helpers.js';

let env: DevEnvironment;
const runsPerIndex = new Map<number, number>();
let running = 0;
let maxRunning = 0;

beforeAll(async () => {
  env = await startDevEnvironment('wide', {
    serverArgs: ['--dynamic-config-value', 'limit.numPendingActivities.error=20'],
    worker: {
      maxPodRunsPerWorkflow: 8,
      maxRunsPerShard: 12,
      continueAsNewAfterEvents: 600,
      workerOptions: { maxConcurrentActivityTaskExecutions: 100 },
      handlers: {
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
