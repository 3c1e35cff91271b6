/** When pods run many to an activity (src/shared/controller/pod-batching.ts). */
import { describe, expect, it } from 'vitest';
import { batchSizes, MAX_BATCH_SIZE, newPodPace, paceOf, podBatchingErrors, podBatchingMode, recordRun, SHORT_RUN_MS } from '../../src/shared/controller/pod-batching.js';
import { validateJobRules } from '../../src/shared/manifest/validate.js';

const sum = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);

describe('pod batching', () => {
  it('reads the pace from the latest runs: any long one among them makes it long', () => {
    const pace = newPodPace();
    expect(paceOf(pace)).toBe('unknown');
    recordRun(pace, 3);
    expect(paceOf(pace)).toBe('short');
    recordRun(pace, SHORT_RUN_MS + 1);
    expect(paceOf(pace)).toBe('long');
    // Eight short runs since push the long one out.
    for (let i = 0; i < 8; i++) recordRun(pace, 1);
    expect(paceOf(pace)).toBe('short');
  });

  it('groups short pods by a quarter of the parallelism, capped; long pods and batching off one by one', () => {
    expect(batchSizes(100, { mode: 'auto', pace: 'short', parallelism: 100 })).toEqual([25, 25, 25, 25]);
    expect(batchSizes(30, { mode: 'auto', pace: 'short', parallelism: 100 })).toEqual([25, 5]);
    const wide = batchSizes(1000, { mode: 'auto', pace: 'short', parallelism: 1000 });
    expect(Math.max(...wide)).toBe(MAX_BATCH_SIZE);
    expect(sum(wide)).toBe(1000);
    expect(batchSizes(40, { mode: 'auto', pace: 'long', parallelism: 100 })).toEqual(Array(40).fill(1));
    expect(batchSizes(40, { mode: 'off', pace: 'short', parallelism: 100 })).toEqual(Array(40).fill(1));
    // Parallelism 1..4: a batch of one is a pod with its own activity.
    expect(batchSizes(3, { mode: 'auto', pace: 'short', parallelism: 4 })).toEqual([1, 1, 1]);
    expect(batchSizes(0, { mode: 'auto', pace: 'short', parallelism: 4 })).toEqual([]);
  });

  it('puts pods of unknown length in small batches only when many start at once', () => {
    expect(batchSizes(10, { mode: 'auto', pace: 'unknown', parallelism: 10 })).toEqual(Array(10).fill(1));
    expect(batchSizes(33, { mode: 'auto', pace: 'unknown', parallelism: 50 })).toEqual([8, 8, 8, 8, 1]);
  });

  it('is on unless the Job says off, and refuses any other value in Kubernetes style', () => {
    expect(podBatchingMode({ metadata: { name: 'x' } } as never)).toBe('auto');
    expect(podBatchingMode({ metadata: { name: 'x', annotations: { 'kjob.dev/pod-batching': 'off' } } } as never)).toBe('off');
    expect(podBatchingErrors({ 'kjob.dev/pod-batching': 'auto' })).toEqual([]);
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x', annotations: { 'kjob.dev/pod-batching': 'always' } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kjob.dev/handler/x' }] } } },
    };
    const messages = validateJobRules(job).map((e) => `${e.field}: ${e.type}: ${JSON.stringify(e.value)}`);
    expect(messages.some((m) => m.includes('metadata.annotations[kjob.dev/pod-batching]') && m.includes('"always"'))).toBe(true);
  });
});
