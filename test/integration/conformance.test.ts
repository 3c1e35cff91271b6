/**
 * Conformance suite: table cases ported from Kubernetes' Job tests, driven through kjob's public API on the
 * time-skipping server with real handler pods. Each case names the Kubernetes test it came from:
 *   [ctrl]  pkg/controller/job/job_controller_test.go
 *   [e2e]   test/e2e/apps/job.go
 *   [integ] test/integration/job/job_test.go
 * Where Kubernetes pokes pod phases directly, a scripted handler makes each pod exit as the case needs; pods
 * that the Job must terminate run until aborted ("hang"), so no pod exits at the moment it is terminated.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PodContext } from '../../src/worker/handlers.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import type { Job } from '../../src/shared/kubernetes-types.js';
import { conditions, handlerContainer } from '../helpers.js';

/**
 * What a pod does: exit with a code, or run until terminated. `run` counts the earlier pods of the same index
 * (of the Job, when NonIndexed), `ordinal` all earlier pods of the Job, `attempt` in-place restarts (OnFailure).
 */
type Behaviour = (pod: { index: number | null; run: number; ordinal: number; attempt: number }) => number | 'hang';

interface Case {
  name: string;
  spec: Record<string, unknown>;
  podSpec?: Record<string, unknown>;
  container?: Record<string, unknown>;
  behave: Behaviour;
  expect: { conditions: string[]; status?: Record<string, unknown>; pods?: number; check?: (job: Job, pods: PodContext[]) => void };
}

const ok: Behaviour = () => 0;
const fail: Behaviour = () => 1;
const failFirst: Behaviour = ({ run }) => (run === 0 ? 1 : 0);
const COMPLETE = ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'];
const failed = (reason: string) => [`FailureTarget=True:${reason}`, `Failed=True:${reason}`];
const exitCodes = (action: string, operator: string, values: number[], containerName?: string) => ({
  podFailurePolicy: { rules: [{ action, onExitCodes: { ...(containerName ? { containerName } : {}), operator, values } }] },
});

const cases: Case[] = [
  // Completions and parallelism
  { name: '[ctrl] TestControllerSyncJob "job start" (completions 5, parallelism 2)', spec: { completions: 5, parallelism: 2 }, behave: ok, expect: { conditions: COMPLETE, status: { succeeded: 5 }, pods: 5 } },
  { name: '[ctrl] TestControllerSyncJob "WQ job start"', spec: { parallelism: 2 }, behave: ok, expect: { conditions: COMPLETE, status: { succeeded: 2 }, pods: 2 } },
  { name: '[ctrl] TestControllerSyncJob "job finish"', spec: {}, behave: ok, expect: { conditions: COMPLETE, status: { succeeded: 1 }, pods: 1 } },
  { name: '[ctrl] TestControllerSyncJob "WQ job all finished despite one failure"', spec: { parallelism: 2 }, behave: ({ ordinal }) => (ordinal === 1 ? 1 : 0), expect: { conditions: COMPLETE, status: { succeeded: 1, failed: 1 }, pods: 2 } },
  { name: '[ctrl] TestControllerSyncJob "completions 0" (nothing to run)', spec: { completions: 0 }, behave: ok, expect: { conditions: COMPLETE, pods: 0 } },
  { name: '[ctrl] TestControllerSyncJob "indexed job start"', spec: { completions: 5, parallelism: 2, completionMode: 'Indexed' }, behave: ok, expect: { conditions: COMPLETE, status: { succeeded: 5, completedIndexes: '0-4' } } },
  { name: '[ctrl] TestControllerSyncJob "indexed job some failed pods"', spec: { completions: 3, parallelism: 3, completionMode: 'Indexed' }, behave: ({ index, run }) => (index === 1 && run === 0 ? 1 : 0), expect: { conditions: COMPLETE, status: { succeeded: 3, failed: 1, completedIndexes: '0-2' }, pods: 4 } },
  { name: '[ctrl] TestControllerSyncJob "indexed job with backoffLimit 0"', spec: { completions: 2, parallelism: 1, completionMode: 'Indexed', backoffLimit: 0 }, behave: ({ index }) => (index === 1 ? 1 : 0), expect: { conditions: failed('BackoffLimitExceeded'), status: { succeeded: 1, failed: 1, completedIndexes: '0' } } },
  // Failures and backoffLimit
  { name: '[ctrl] TestControllerSyncJob "too many failures with backoffLimit 1"', spec: { backoffLimit: 1 }, behave: fail, expect: { conditions: failed('BackoffLimitExceeded'), status: { failed: 2 }, pods: 2 } },
  { name: '[ctrl] TestControllerSyncJob "not enough failures with backoffLimit 1"', spec: { backoffLimit: 1 }, behave: failFirst, expect: { conditions: COMPLETE, status: { failed: 1, succeeded: 1 }, pods: 2 } },
  { name: '[e2e] "should fail to exceed backoffLimit" (backoffLimit 1: exactly 2 pods, both failed)', spec: { backoffLimit: 1 }, behave: fail, expect: { conditions: failed('BackoffLimitExceeded'), status: { failed: 2 }, pods: 2 } },
  { name: '[e2e] "should run a job to completion when tasks sometimes fail and are not locally restarted"', spec: { completions: 4, parallelism: 2 }, behave: ({ ordinal }) => (ordinal % 2 === 0 && ordinal < 4 ? 1 : 0), expect: { conditions: COMPLETE, status: { succeeded: 4, failed: 2 } } },
  { name: '[e2e] "should run a job to completion when tasks sometimes fail and are locally restarted"', spec: { completions: 2, parallelism: 2 }, podSpec: { restartPolicy: 'OnFailure' }, behave: ({ attempt }) => (attempt === 0 ? 1 : 0), expect: { conditions: COMPLETE, status: { succeeded: 2 }, pods: 2, check: (_job, pods) => expect(pods.filter((p) => p.attempt === 1)).toHaveLength(2) } },
  { name: '[integ] TestNonParallelJob (a pod fails, its replacement succeeds)', spec: {}, behave: failFirst, expect: { conditions: COMPLETE, status: { failed: 1, succeeded: 1 }, pods: 2 } },
  { name: '[e2e] "should run a job to completion when tasks succeed"', spec: { completions: 4, parallelism: 2 }, behave: ok, expect: { conditions: COMPLETE, status: { succeeded: 4 }, pods: 4 } },
  // activeDeadlineSeconds
  { name: '[ctrl] TestSyncJobPastDeadline "activeDeadlineSeconds less than single pod execution"', spec: { activeDeadlineSeconds: 1 }, behave: () => 'hang', expect: { conditions: failed('DeadlineExceeded'), status: { failed: 1 }, pods: 1 } },
  { name: '[ctrl] TestSyncJobPastDeadline "activeDeadlineSeconds bigger than single pod execution"', spec: { completions: 2, activeDeadlineSeconds: 2 }, behave: ({ ordinal }) => (ordinal === 0 ? 0 : 'hang'), expect: { conditions: failed('DeadlineExceeded'), status: { succeeded: 1, failed: 1 }, pods: 2 } },
  { name: '[ctrl] TestSyncJobPastDeadline "activeDeadlineSeconds times out before any pod starts" (deadline 0)', spec: { activeDeadlineSeconds: 0 }, behave: ok, expect: { conditions: failed('DeadlineExceeded'), pods: 0 } },
  { name: '[ctrl] TestSyncJobPastDeadline "activeDeadlineSeconds with backofflimit reach" (the limit is reached first)', spec: { activeDeadlineSeconds: 3600, backoffLimit: 0 }, behave: fail, expect: { conditions: failed('BackoffLimitExceeded'), status: { failed: 1 } } },
  { name: '[e2e] "should fail when exceeds active deadline"', spec: { activeDeadlineSeconds: 1, parallelism: 2, completions: 2 }, behave: () => 'hang', expect: { conditions: failed('DeadlineExceeded'), status: { failed: 2 } } },
  // podFailurePolicy
  { name: '[ctrl] TestJobPodFailurePolicy "fail job based on OnExitCodes"', spec: exitCodes('FailJob', 'In', [5, 6, 7]), behave: () => 5, expect: { conditions: failed('PodFailurePolicy'), status: { failed: 1 }, check: (job) => expect(job.status?.conditions?.[1]?.message).toMatch(/^Container main for pod default\/\S+ failed with exit code 5 matching FailJob rule at index 0$/) } },
  { name: '[ctrl] TestJobPodFailurePolicy "fail job with multiple pods" (the other pod is terminated and counted)', spec: { parallelism: 2, completions: 2, ...exitCodes('FailJob', 'In', [5]) }, behave: ({ ordinal }) => (ordinal === 0 ? 5 : 'hang'), expect: { conditions: failed('PodFailurePolicy'), status: { failed: 2 } } },
  { name: '[ctrl] TestJobPodFailurePolicy "fail job based on OnExitCodes with NotIn operator"', spec: exitCodes('FailJob', 'NotIn', [1, 2]), behave: () => 3, expect: { conditions: failed('PodFailurePolicy') } },
  { name: '[ctrl] TestJobPodFailurePolicy "continue job when the policy does not match" (exit code counted as usual)', spec: exitCodes('FailJob', 'In', [42]), behave: failFirst, expect: { conditions: COMPLETE, status: { failed: 1, succeeded: 1 } } },
  { name: '[ctrl] TestJobPodFailurePolicy "ignore pod failure based on OnExitCodes" (not counted against backoffLimit 0)', spec: { backoffLimit: 0, ...exitCodes('Ignore', 'In', [42]) }, behave: ({ run }) => (run === 0 ? 42 : 0), expect: { conditions: COMPLETE, status: { succeeded: 1 }, pods: 2, check: (job) => expect(job.status?.failed).toBeUndefined() } },
  { name: '[ctrl] TestJobPodFailurePolicy "count pod failure based on OnExitCodes"', spec: { backoffLimit: 0, ...exitCodes('Count', 'In', [42]) }, behave: () => 42, expect: { conditions: failed('BackoffLimitExceeded'), status: { failed: 1 } } },
  { name: '[ctrl] TestJobPodFailurePolicy "fail job based on OnExitCodes for an init container"', spec: exitCodes('FailJob', 'In', [3], 'init'), podSpec: { initContainers: [{ name: 'init', ...handlerContainer('script') }] }, behave: () => 3, expect: { conditions: failed('PodFailurePolicy'), check: (job) => expect(job.status?.conditions?.[1]?.message).toMatch(/^Container init for pod /) } },
  { name: '[ctrl] TestJobPodFailurePolicy "the first matching rule wins" (Ignore before FailJob)', spec: { backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [7] } }] } }, behave: ({ run }) => (run === 0 ? 7 : 0), expect: { conditions: COMPLETE, pods: 2 } },
  // backoffLimitPerIndex
  { name: '[ctrl] TestBackoffLimitPerIndex "single failed pod with backoffLimitPerIndex 0: the index fails"', spec: { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 0 }, behave: ({ index }) => (index === 0 ? 1 : 0), expect: { conditions: failed('FailedIndexes'), status: { failedIndexes: '0', completedIndexes: '1', failed: 1, succeeded: 1 } } },
  { name: '[ctrl] TestBackoffLimitPerIndex "failure within backoffLimitPerIndex: retried, then succeeds"', spec: { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }, behave: ({ index, run }) => (index === 0 && run === 0 ? 1 : 0), expect: { conditions: COMPLETE, status: { failedIndexes: '', completedIndexes: '0,1', failed: 1 } } },
  { name: '[ctrl] TestBackoffLimitPerIndex "index failed after backoffLimitPerIndex 1 retries"', spec: { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }, behave: ({ index }) => (index === 1 ? 1 : 0), expect: { conditions: failed('FailedIndexes'), status: { failedIndexes: '1', failed: 2 }, pods: 3 } },
  { name: '[ctrl] TestBackoffLimitPerIndex "FailIndex action fails the index at once"', spec: { completions: 2, parallelism: 1, completionMode: 'Indexed', backoffLimitPerIndex: 3, ...exitCodes('FailIndex', 'In', [42]) }, behave: ({ index }) => (index === 0 ? 42 : 0), expect: { conditions: failed('FailedIndexes'), status: { failedIndexes: '0', completedIndexes: '1' }, pods: 2 } },
  { name: '[ctrl] TestBackoffLimitPerIndex "job failed due to exceeding maxFailedIndexes"', spec: { completions: 4, parallelism: 1, completionMode: 'Indexed', backoffLimitPerIndex: 0, maxFailedIndexes: 1 }, behave: ({ index }) => (index === 0 || index === 1 ? 1 : 0), expect: { conditions: failed('MaxFailedIndexesExceeded'), status: { failedIndexes: '0,1' } } },
  { name: '[ctrl] TestBackoffLimitPerIndex "job failed due to exceeding backoffLimit before backoffLimitPerIndex"', spec: { completions: 2, parallelism: 1, completionMode: 'Indexed', backoffLimitPerIndex: 1, backoffLimit: 1 }, behave: fail, expect: { conditions: failed('BackoffLimitExceeded'), status: { failed: 2 } } },
  { name: '[e2e] "should execute all indexes despite some failing when using backoffLimitPerIndex"', spec: { completions: 4, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }, behave: ({ index }) => (index! % 2 === 0 ? 1 : 0), expect: { conditions: failed('FailedIndexes'), status: { failedIndexes: '0,2', completedIndexes: '1,3', failed: 4, succeeded: 2 } } },
  // successPolicy
  { name: '[ctrl] TestSyncJobWithJobSuccessPolicy "job with successPolicy; succeededIndexes met"', spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }, behave: ({ index }) => (index === 0 ? 0 : 'hang'), expect: { conditions: ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy'], status: { succeeded: 1, completedIndexes: '0' }, check: (job) => { expect(job.status?.failed).toBeUndefined(); expect(job.status?.conditions?.[1]?.message).toBe('Matched rules at index 0'); } } },
  { name: '[ctrl] TestSyncJobWithJobSuccessPolicy "job with successPolicy; succeededCount met"', spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 2 }, { succeededCount: 1 }] } }, behave: ({ index }) => (index === 2 ? 0 : 'hang'), expect: { conditions: ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy'], check: (job) => expect(job.status?.conditions?.[1]?.message).toBe('Matched rules at index 1') } },
  { name: '[ctrl] TestSyncJobWithJobSuccessPolicy "successPolicy not met: completes by completions"', spec: { completions: 2, parallelism: 2, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 2 }] } }, behave: ok, expect: { conditions: ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy'], status: { succeeded: 2 } } },
  { name: '[e2e] "with successPolicy should succeeded when all indexes succeeded"', spec: { completions: 2, parallelism: 2, completionMode: 'Indexed', successPolicy: { rules: [{ succeededCount: 2 }] } }, behave: ok, expect: { conditions: ['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy'], status: { succeeded: 2, completedIndexes: '0,1' } } },
  // Indexed pods
  { name: '[e2e] "should create pods for an Indexed job with completion indexes and specified hostname"', spec: { completions: 3, parallelism: 3, completionMode: 'Indexed' }, behave: ok, expect: { conditions: COMPLETE, status: { completedIndexes: '0-2' }, check: (job, pods) => { expect(pods.map((p) => p.env.HOSTNAME).sort()).toEqual([0, 1, 2].map((i) => `${job.metadata.name}-${i}`)); expect(pods.map((p) => p.env.JOB_COMPLETION_INDEX).sort()).toEqual(['0', '1', '2']); } } },
  { name: '[integ] TestIndexedJob "pods get the completion-index annotation and label"', spec: { completions: 2, completionMode: 'Indexed' }, behave: ok, expect: { conditions: COMPLETE } },
];

const scripts = new Map<string, Behaviour>();
const seen = new Map<string, PodContext[]>();
let t: JobTestEnvironment;

beforeAll(async () => {
  t = await createJobTestEnvironment({
    handlers: {
      script: async (ctx) => {
        const earlier = seen.get(ctx.jobName) ?? [];
        seen.set(ctx.jobName, [...earlier, ctx]);
        const behave = scripts.get(ctx.jobName) as Behaviour;
        const sameSlot = earlier.filter((c) => c.index === ctx.index && c.containerName === ctx.containerName);
        const outcome = behave({ index: ctx.index, run: sameSlot.length, ordinal: earlier.length, attempt: ctx.attempt });
        if (outcome === 'hang') {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          return 143;
        }
        return outcome;
      },
    },
  });
});
afterAll(async () => t?.teardown());

describe('Kubernetes Job conformance', () => {
  cases.forEach((c, i) => {
    test(c.name, async () => {
      const name = `case-${i}`;
      scripts.set(name, c.behave);
      await t.jobs.create({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name },
        spec: { ...c.spec, template: { spec: { restartPolicy: 'Never', ...c.podSpec, containers: [{ name: 'main', ...handlerContainer('script'), ...c.container }] } } },
      });
      const job = await t.jobs.wait(name);
      expect(conditions(job)).toEqual(c.expect.conditions);
      if (c.expect.status) expect(job.status).toMatchObject(c.expect.status);
      const pods = await t.jobs.pods(name);
      if (c.expect.pods !== undefined) expect(pods).toHaveLength(c.expect.pods);
      expect(job.status).toMatchObject({ terminating: 0, ready: 0 });
      expect(job.status?.active).toBeUndefined();
      if (job.spec.completionMode === 'Indexed') {
        for (const pod of pods) {
          expect(pod.metadata.annotations['batch.kubernetes.io/job-completion-index']).toBe(pod.metadata.labels['batch.kubernetes.io/job-completion-index']);
        }
      }
      c.expect.check?.(job, (seen.get(name) ?? []).filter((p) => p.containerName === 'main'));
    });
  });
});
