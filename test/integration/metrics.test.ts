/**
 * The worker's Prometheus endpoint (dev server): the SDK's metrics and kjob's own, tagged with the Job, after a
 * Job with one failing and one succeeding pod. Its own file: the Temporal runtime (and so the endpoint) is
 * installed once per process, before any worker.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../src/provision/index.js';
import { installTemporalRuntime } from '../../src/worker/runtime-logging.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { handlerContainer, jobManifest } from '../helpers.js';

let env: DevEnvironment;
let metricsUrl: string;
const failedOnce = new Set<string>();

beforeAll(async () => {
  const port = await freePort();
  installTemporalRuntime({ metricsAddress: `127.0.0.1:${port}` });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  env = await startDevEnvironment('metrics', {
    worker: {
      podBackoffBaseSeconds: 1,
      handlers: {
        failsOnce: (ctx) => {
          if (failedOnce.has(ctx.jobName)) return 0;
          failedOnce.add(ctx.jobName);
          return 3;
        },
      },
    },
  });
});
afterAll(async () => env?.stop());

test('pods started and finished (by result and reason), active pods and backoff waits, per Job', async () => {
  await env.jobs.create(jobManifest('measured', { backoffLimit: 2 }, handlerContainer('failsOnce')));
  await env.jobs.wait('measured');
  let text = '';
  // The exporter serves what the runtime has flushed; allow it a moment.
  for (let i = 0; i < 50 && !/kjob_pods_finished_total\{[^}]*result="succeeded"/.test(text); i++) {
    text = await (await fetch(metricsUrl)).text();
    await new Promise((r) => setTimeout(r, 200));
  }
  const line = (name: string, ...parts: string[]) =>
    text.split('\n').find((l) => l.startsWith(name) && parts.every((p) => l.includes(p)) && l.includes('kjob_job="measured"'));
  expect(line('kjob_pods_started_total')).toMatch(/ 2$/);
  expect(line('kjob_pods_finished_total', 'result="failed"', 'reason="Error"')).toMatch(/ 1$/);
  expect(line('kjob_pods_finished_total', 'result="succeeded"', 'reason="Completed"')).toMatch(/ 1$/);
  expect(line('kjob_active_pods')).toMatch(/ 0$/);
  expect(line('kjob_backoff_waits_total')).toMatch(/ [1-9]\d*$/);
  // The SDK's own metrics are there too.
  expect(text).toMatch(/temporal_activity_execution_latency/);
});
