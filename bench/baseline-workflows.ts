/**
 * The baseline: the smallest hand-written Temporal fan-out. One workflow runs `pods` no-op activities with at
 * most `parallelism` in flight, each activity tried once (as kjob runs a pod). Nothing from kjob.
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './baseline-activities.js';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

export async function benchFanOut({ pods, parallelism }: { pods: number; parallelism: number }): Promise<number> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < pods) {
      const index = next++;
      await noop(index);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, pods) }, lane));
  return done;
}
