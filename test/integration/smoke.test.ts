import { afterAll, beforeAll, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';

let t: JobTestEnvironment;
beforeAll(async () => {
  t = await createJobTestEnvironment({
    handlers: {
      ok: () => 0,
      fail: () => 1,
    },
  });
});
afterAll(async () => t?.teardown());

test('a handler Job completes', async () => {
  await t.jobs.create({
    metadata: { name: 'smoke' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kjob.dev/handler/ok' }] } } },
  });
  const job = await t.jobs.wait('smoke');
  console.log(JSON.stringify(job.status, null, 1));
  console.log(JSON.stringify(await t.jobs.pods('smoke'), null, 1));
  expect(job.status?.succeeded).toBe(1);
});

test('backoff limit exceeded', async () => {
  const started = Date.now();
  await t.jobs.create({
    metadata: { name: 'failing' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kjob.dev/handler/fail' }] } } },
  });
  const job = await t.jobs.wait('failing');
  console.log(JSON.stringify(job.status, null, 1), Date.now() - started);
  const pods = await t.jobs.pods('failing');
  console.log(pods.map((p) => [p.metadata.name, p.metadata.creationTimestamp, p.status.phase]));
  expect(job.status?.failed).toBe(7);
});
