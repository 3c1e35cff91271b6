/**
 * `ctx.once` on the time-skipping test server (kjob/testing): the default once-store commits through the Job's
 * workflow there too. A pod commits its effect and fails; its replacement (after a backoff the server skips)
 * gets the committed value without running the function again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import type { PodContext } from '../../src/worker/handlers.js';
import { conditions, handlerContainer, jobManifest } from '../helpers.js';

/** Effects done, by (Job, index): the test's own count. */
const effects = new Map<string, number>();
const runs = new Map<string, number>();

async function effectThenFailOnce(ctx: PodContext): Promise<number> {
  const key = `${ctx.jobName}/${ctx.index}`;
  const run = runs.get(key) ?? 0;
  runs.set(key, run + 1);
  const value = await ctx.once('effect', () => {
    effects.set(key, (effects.get(key) ?? 0) + 1);
    return { by: ctx.podName };
  });
  ctx.log.info(`once=${value.by}`);
  return run === 0 ? 1 : 0;
}

let t: JobTestEnvironment;
beforeAll(async () => {
  t = await createJobTestEnvironment({ handlers: { effectThenFailOnce } });
});
afterAll(async () => t?.teardown());

test('once on the time-skipping server: the replacement of a failed pod gets the committed value, fn ran once per index', async () => {
  await t.jobs.create(jobManifest('once-skip', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 3 }, handlerContainer('effectThenFailOnce')));
  const job = await t.jobs.wait('once-skip');
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  expect(job.status).toMatchObject({ succeeded: 3, failed: 3 });
  expect([...effects.values()]).toEqual([1, 1, 1]);
  const pods = await t.jobs.pods('once-skip');
  for (const index of [0, 1, 2]) {
    const ofIndex = pods.filter((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === String(index));
    const first = ofIndex.find((p) => p.status.phase === 'Failed')!;
    const replacement = ofIndex.find((p) => p.status.phase === 'Succeeded')!;
    const [log] = await t.jobs.logs('once-skip', { pod: replacement.metadata.name });
    expect(log!.text).toContain(`once=${first.metadata.name}`);
  }
});
