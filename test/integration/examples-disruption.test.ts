/**
 * The docs' examples that take minutes of real time, on the dev server with a worker process of their own:
 * job-pod-failure-policy-ignore (its pods survive a node drain: here the worker is killed, the pods are lost with
 * the DisruptionTarget condition, and the Ignore rule keeps them from counting against backoffLimit 0), and
 * job-pi-with-ttl (the finished Job is deleted 100 s after it finishes).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { NotFoundError } from '../../src/shared/errors.js';
import { startDevServer, type DevServer } from '../../src/provision/index.js';
import { conditions, startFixtureWorker } from '../helpers.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kjob-disruption-'));
const taskQueue = `disruption-${Date.now()}`;
let server: DevServer;
let jobs: JobClient;
const workers: ChildProcess[] = [];

function startWorker(): Promise<ChildProcess> {
  return startFixtureWorker(
    {
      TEMPORAL_ADDRESS: server.address,
      KJOB_TASK_QUEUE: taskQueue,
      KJOB_ONCE_DIR: join(dir, 'once'),
      KJOB_STATE_DIR: join(dir, 'state'),
      KJOB_EFFECTS_FILE: join(dir, 'effects'),
    },
    workers,
  );
}

beforeAll(async () => {
  server = await startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false });
  jobs = new JobClient({ address: server.address, taskQueue });
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await jobs?.close();
  await server?.stop();
});

const example = (name: string) => readFileSync(join(root, 'examples', `${name}.yaml`), 'utf8');

test('job-pod-failure-policy-ignore survives the loss of its worker; job-pi-with-ttl is gone 100 s after it finished', async () => {
  const first = await startWorker();
  await jobs.create(example('job-pod-failure-policy-ignore'));
  await jobs.create(example('job-pi-with-ttl'));
  // Both pods of the first wave running: then the "node" goes away.
  for (let i = 0; i < 300; i++) {
    const running = (await jobs.pods('job-pod-failure-policy-ignore')).filter((p) => p.status.phase === 'Running');
    if (running.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // pi-with-ttl runs meanwhile (about 5 s of perl); from its completion, watch for its deletion.
  const pi = await jobs.wait('pi-with-ttl', { timeoutMs: 120_000 });
  expect(conditions(pi)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  const piDone = Date.now();
  const piGone = (async () => {
    for (;;) {
      const gone = await jobs.get('pi-with-ttl').then(() => false, (error: unknown) => error instanceof NotFoundError);
      if (gone) return Date.now();
      if (Date.now() - piDone > 300_000) return undefined;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  first.kill('SIGKILL');
  await startWorker();

  const job = await jobs.wait('job-pod-failure-policy-ignore', { timeoutMs: 400_000 });
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  // The lost pods matched the Ignore rule: not counted as failed, so backoffLimit 0 was never exceeded.
  expect(job.status).toMatchObject({ succeeded: 4 });
  expect(job.status?.failed).toBeUndefined();
  const pods = await jobs.pods('job-pod-failure-policy-ignore');
  const lost = pods.filter((p) => p.status.phase === 'Failed');
  expect(lost).toHaveLength(2);
  for (const pod of lost) {
    expect(pod.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionTarget', status: 'True' })]);
  }

  // The docs: the Job is deleted 100 s after it finished; deletion itself takes the dev server up to ~30 s.
  const goneAt = await piGone;
  expect(goneAt).toBeDefined();
  expect((goneAt! - piDone) / 1000).toBeGreaterThanOrEqual(95);
  expect((goneAt! - piDone) / 1000).toBeLessThan(200);
}, 600_000);
