/**
 * The representative Jobs whose histories are kept as replay fixtures: each completion mode, retries with
 * backoff, OnFailure restarts, the deadline, suspend and resume, elastic scaling, pod failure and success
 * policies, per-index backoff, TTL, a Job wider than its workflow holds (pod runner shards), and pods that
 * commit ctx.once effects through the Job's workflow (its onceClaim and onceCommit updates).
 * `record.test.ts` runs them; `replay.test.ts` replays what was recorded.
 */
import type { JobClient } from '../../src/client/job-client.js';
import type { PodHandlers } from '../../src/worker/handlers.js';
import { handlerContainer, jobManifest } from '../helpers.js';

const failedOnce = new Set<string>();

/** Handlers whose outcome depends only on the pod's index and history, so a re-recording gives the same story. */
export const replayHandlers: PodHandlers = {
  ok: () => 0,
  /** Index 1 fails the first time it runs; its replacement (after the backoff) succeeds. */
  flaky: (ctx) => {
    const key = `${ctx.jobName}/${ctx.index}`;
    if (ctx.index !== 1 || failedOnce.has(key)) return 0;
    failedOnce.add(key);
    return 1;
  },
  /** Fails until its third run of the same pod (OnFailure restarts count attempts). */
  thirdTime: (ctx) => (ctx.attempt < 2 ? 1 : 0),
  exit42: () => 42,
  /** Index 2 succeeds, the others fail. */
  onlyTwo: (ctx) => (ctx.index === 2 ? 0 : 1),
  /** Commits an effect with ctx.once, then as `flaky`: index 1's replacement gets the committed value. */
  onceFlaky: async (ctx) => {
    const value = await ctx.once('effect', () => ({ index: ctx.index, by: ctx.podName }));
    ctx.log.info(`once=${JSON.stringify(value)}`);
    return replayHandlers.flaky!(ctx);
  },
  /** Runs until terminated. */
  hold: (ctx) =>
    new Promise<number>((resolve) => {
      ctx.signal.addEventListener('abort', () => resolve(143), { once: true });
    }),
  /** Runs a few seconds. */
  slow: (ctx) =>
    new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(0), 1500);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(143)), { once: true });
    }),
};

export interface ReplayJob {
  name: string;
  /** How many pod runner shards the Job opens, at least (recorded with it). */
  shards: number;
  run(jobs: JobClient): Promise<void>;
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 300 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
};

export const replayJobs: ReplayJob[] = [
  {
    // An image that cannot be pulled (nothing listens on port 1): podStatus signals (ErrImagePull, then
    // ImagePullBackOff) until the Job's deadline ends it. Recorded with a 1 s pull back-off.
    name: 'image-pull-backoff',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('image-pull-backoff', { backoffLimit: 0, activeDeadlineSeconds: 6 }, { image: '127.0.0.1:1/kjob/missing:1', command: ['true'] }));
    },
  },
  {
    name: 'nonindexed-parallel',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('nonindexed-parallel', { completions: 3, parallelism: 2 }, handlerContainer('ok')));
    },
  },
  {
    name: 'indexed-backoff',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('indexed-backoff', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 1 }, handlerContainer('flaky')));
    },
  },
  {
    name: 'onfailure-restarts',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('onfailure-restarts', { backoffLimit: 3 }, handlerContainer('thirdTime'), { restartPolicy: 'OnFailure' }));
    },
  },
  {
    name: 'deadline-exceeded',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('deadline-exceeded', { activeDeadlineSeconds: 2 }, handlerContainer('hold')));
    },
  },
  {
    name: 'suspend-resume-scale',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('suspend-resume-scale', { completions: 4, parallelism: 1, completionMode: 'Indexed' }, handlerContainer('slow')));
      await until(async () => (await jobs.pods('suspend-resume-scale')).some((p) => p.status.phase === 'Running'));
      await jobs.suspend('suspend-resume-scale');
      await jobs.resume('suspend-resume-scale');
      await jobs.patch('suspend-resume-scale', { parallelism: 2 });
    },
  },
  {
    name: 'pod-failure-policy',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(
        jobManifest('pod-failure-policy', { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }, handlerContainer('exit42')),
      );
    },
  },
  {
    name: 'success-policy',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(
        jobManifest(
          'success-policy',
          { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 6, successPolicy: { rules: [{ succeededIndexes: '2' }] } },
          handlerContainer('onlyTwo'),
        ),
      );
    },
  },
  {
    name: 'backoff-limit-per-index',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(
        jobManifest('backoff-limit-per-index', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1, maxFailedIndexes: 1 }, handlerContainer('onlyTwo')),
      );
    },
  },
  {
    // With the recorder's low history threshold this Job continues as new several times.
    name: 'continue-as-new',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('continue-as-new', { completions: 40, parallelism: 4, completionMode: 'Indexed', backoffLimit: 1 }, handlerContainer('flaky')));
    },
  },
  {
    name: 'ttl',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('ttl', { ttlSecondsAfterFinished: 3600 }, handlerContainer('ok')));
    },
  },
  {
    // Wider than the 4 pod runs the recorder lets one workflow hold: the rest run in a pod runner shard, which
    // closes after 6 runs; scaling down terminates surplus pods.
    name: 'wide-sharded',
    shards: 1,
    run: async (jobs) => {
      await jobs.create(jobManifest('wide-sharded', { completions: 12, parallelism: 8, completionMode: 'Indexed' }, handlerContainer('slow')));
      await until(async () => (await jobs.pods('wide-sharded')).length >= 8);
      await jobs.patch('wide-sharded', { parallelism: 5 });
    },
  },
  {
    // Pods that commit once-effects through the Job's workflow; index 1 fails after its commit.
    name: 'once-effects',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('once-effects', { completions: 4, parallelism: 4, completionMode: 'Indexed', backoffLimit: 2 }, handlerContainer('onceFlaky')));
    },
  },
  {
    // Once-effects while the Job continues as new (the records go to the next run).
    name: 'once-continue-as-new',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('once-continue-as-new', { completions: 24, parallelism: 4, completionMode: 'Indexed', backoffLimit: 2 }, handlerContainer('onceFlaky')));
    },
  },
  {
    // Once-effects of pods run by a pod runner shard: they commit through the Job's workflow too.
    name: 'once-sharded',
    shards: 1,
    run: async (jobs) => {
      await jobs.create(jobManifest('once-sharded', { completions: 8, parallelism: 8, completionMode: 'Indexed', backoffLimit: 2 }, handlerContainer('onceFlaky')));
    },
  },
  {
    // Short pods many to an activity (workflows/pod-batches.ts): the first 40 in batches of 8 (their pace
    // unknown), then of 10 once they are known to be short; some fail once and are replaced; with the
    // recorder's limits the batches share the workflow's 4 activities with single pods sent to a shard, and
    // the Job continues as new.
    name: 'batched',
    shards: 1,
    run: async (jobs) => {
      await jobs.create(jobManifest('batched', { completions: 120, parallelism: 40, completionMode: 'Indexed', backoffLimit: 20 }, handlerContainer('flaky')));
    },
  },
  {
    // Batched pods of unknown pace scaled down while they run: the surplus stops through the stop list, a batch
    // whose pods all stop is cancelled.
    name: 'batched-scale-down',
    shards: 0,
    run: async (jobs) => {
      await jobs.create(jobManifest('batched-scale-down', { completions: 40, parallelism: 40, completionMode: 'Indexed' }, handlerContainer('slow')));
      await until(async () => (await jobs.pods('batched-scale-down')).length >= 40);
      await jobs.patch('batched-scale-down', { parallelism: 12 });
    },
  },
];
