/**
 * podFailurePolicy, backoffLimitPerIndex and successPolicy, driven through the pure controller. Each case names
 * the Kubernetes test it reproduces (pkg/controller/job/job_controller_test.go unless said otherwise).
 */
import { describe, expect, test } from 'vitest';
import { matchPodFailurePolicy } from '../../src/shared/controller/pod-failure-policy.js';
import { matchSuccessPolicy } from '../../src/shared/controller/success-policy.js';
import { onPodExited } from '../../src/shared/controller/pod-lifecycle.js';
import { reconcile } from '../../src/shared/controller/reconcile.js';
import { renderJobStatus, renderPod } from '../../src/shared/controller/render.js';
import { newControllerState, type JobControllerState, type PodRecord } from '../../src/shared/controller/state.js';
import { DEFAULT_CONTROLLER_SETTINGS, type PodRunResult } from '../../src/shared/protocol/pod-runs.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';
import type { PodFailurePolicyRule } from '../../src/shared/kubernetes-types.js';

const S = 1000;
let n = 0;
const ids = { random: Math.random, uuid: () => `uid-${n++}` };

function state(spec: Record<string, unknown>): JobControllerState {
  const [manifest] = parseJobManifests({
    metadata: { name: 'job' },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'i', command: ['c'] }] } } },
  });
  return newControllerState(materializeJob(manifest!, { uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', random: Math.random }), DEFAULT_CONTROLLER_SETTINGS);
}
const result = (exitCode: number, name = 'main'): PodRunResult => ({
  containers: [{ name, image: 'i', init: false, exitCode, reason: exitCode ? 'Error' : 'Completed' }],
  logs: [],
  nodeName: 'n',
  terminated: false,
});
const exit = (s: JobControllerState, pod: PodRecord, code: number, now: number) => onPodExited(s, pod.name, { kind: 'exited', result: result(code) }, now);
const lose = (s: JobControllerState, pod: PodRecord, now: number) => onPodExited(s, pod.name, { kind: 'lost', message: 'gone' }, now);
const conditions = (s: JobControllerState) => renderJobStatus(s).conditions?.map((c) => `${c.type}:${c.reason}`) ?? [];

/** Runs the Job: each started pod exits with `outcome(pod)` 1 s after it starts; returns when it finishes. */
function drive(s: JobControllerState, outcome: (pod: PodRecord) => number | 'lost', limit = 500): void {
  let now = 0;
  const running: PodRecord[] = [];
  for (let step = 0; step < limit && !s.finished; step++) {
    const actions = reconcile(s, now, ids);
    running.push(...actions.start);
    for (const pod of actions.terminate) onPodExited(s, pod.name, { kind: 'exited', result: { ...result(143), terminated: true } }, now);
    if (s.finished) break;
    const pod = running.shift();
    if (pod && !actions.terminate.includes(pod)) {
      now += S;
      const o = outcome(pod);
      if (o === 'lost') lose(s, pod, now);
      else exit(s, pod, o, now);
    } else if (actions.wakeAt !== null) now = actions.wakeAt;
  }
}

const failJobOn42: PodFailurePolicyRule[] = [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }];

describe('podFailurePolicy matching (pod_failure_policy_test.go)', () => {
  const pod = { namespace: 'default', name: 'mypod', conditions: [] as { type: string; status: 'True' }[] };
  test('FailJob on an exit code, with Kubernetes’ message', () => {
    expect(matchPodFailurePolicy(failJobOn42, { ...pod, containers: result(42).containers })).toEqual({
      action: 'FailJob',
      message: 'Container main for pod default/mypod failed with exit code 42 matching FailJob rule at index 0',
    });
  });
  test('exit code 0 never matches, NotIn matches other codes, containerName filters', () => {
    const notIn: PodFailurePolicyRule[] = [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }];
    expect(matchPodFailurePolicy(notIn, { ...pod, containers: result(0).containers })).toBeUndefined();
    expect(matchPodFailurePolicy(notIn, { ...pod, containers: result(2).containers })?.action).toBe('Ignore');
    expect(matchPodFailurePolicy(notIn, { ...pod, containers: result(1).containers })).toBeUndefined();
    expect(matchPodFailurePolicy(failJobOn42, { ...pod, containers: result(42, 'sidecar').containers })).toBeUndefined();
  });
  test('containers are looked at before init containers; first rule wins', () => {
    const rules: PodFailurePolicyRule[] = [
      { action: 'Count', onExitCodes: { operator: 'In', values: [5] } },
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [5, 7] } },
    ];
    const containers = [
      { name: 'init', image: 'i', init: true, exitCode: 7, reason: 'Error' },
      { name: 'main', image: 'i', init: false, exitCode: 5, reason: 'Error' },
    ];
    expect(matchPodFailurePolicy(rules, { ...pod, containers })?.action).toBe('Count');
  });
  test('onPodConditions on DisruptionTarget', () => {
    const rules: PodFailurePolicyRule[] = [{ action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }];
    expect(matchPodFailurePolicy(rules, { ...pod, containers: [], conditions: [{ type: 'DisruptionTarget', status: 'True' }] })?.message).toBe(
      'Pod default/mypod has condition DisruptionTarget matching FailJob rule at index 0',
    );
  });
});

describe('podFailurePolicy in the sync loop', () => {
  test('"fail job based on OnExitCodes": FailureTarget then Failed with reason PodFailurePolicy; the running pod is terminated and counted', () => {
    const s = state({ completions: 2, parallelism: 2, podFailurePolicy: { rules: failJobOn42 } });
    const [a, b] = reconcile(s, 0, ids).start;
    exit(s, a!, 42, S);
    const actions = reconcile(s, S, ids);
    expect(actions.terminate).toEqual([b]);
    expect(conditions(s)).toEqual(['FailureTarget:PodFailurePolicy']);
    onPodExited(s, b!.name, { kind: 'exited', result: { ...result(143), terminated: true } }, 2 * S);
    reconcile(s, 2 * S, ids);
    expect(conditions(s)).toEqual(['FailureTarget:PodFailurePolicy', 'Failed:PodFailurePolicy']);
    expect(renderJobStatus(s).conditions?.[1]?.message).toBe(`Container main for pod default/${a!.name} failed with exit code 42 matching FailJob rule at index 0`);
    expect(renderJobStatus(s)).toMatchObject({ failed: 2 });
  });

  test('"FailJob wins over backoffLimit in the same sync"', () => {
    const s = state({ backoffLimit: 0, podFailurePolicy: { rules: failJobOn42 } });
    const [a] = reconcile(s, 0, ids).start;
    exit(s, a!, 42, S);
    reconcile(s, S, ids);
    expect(conditions(s)).toEqual(['FailureTarget:PodFailurePolicy', 'Failed:PodFailurePolicy']);
  });

  test('"ignore pod failure based on OnPodConditions": a lost pod is not counted, but delays pod recreation', () => {
    const s = state({ backoffLimit: 0, podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } });
    const [a] = reconcile(s, 0, ids).start;
    lose(s, a!, S);
    const waiting = reconcile(s, S, ids);
    expect(waiting).toMatchObject({ start: [], wakeAt: 11 * S }); // ignored failures still lengthen the backoff
    expect(renderJobStatus(s).failed).toBeUndefined();
    expect(conditions(s)).toEqual([]);
    const [b] = reconcile(s, 11 * S, ids).start;
    exit(s, b!, 0, 12 * S);
    reconcile(s, 12 * S, ids);
    expect(conditions(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
  });

  test('"Count" and unmatched failures count toward backoffLimit', () => {
    const s = state({ backoffLimit: 1, podFailurePolicy: { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [3] } }] } });
    drive(s, () => 3);
    expect(renderJobStatus(s)).toMatchObject({ failed: 2 });
    expect(conditions(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
  });
});

describe('backoffLimitPerIndex (job_controller_test.go, TestBackoffLimitPerIndex)', () => {
  test('"failed pod exceeding backoffLimitPerIndex": the index fails, others go on; FailedIndexes when all are done', () => {
    const s = state({ completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 1 });
    drive(s, (pod) => (pod.index === 1 ? 1 : 0));
    const status = renderJobStatus(s);
    expect(status).toMatchObject({ failed: 2, succeeded: 2, completedIndexes: '0,2', failedIndexes: '1' });
    expect(conditions(s)).toEqual(['FailureTarget:FailedIndexes', 'Failed:FailedIndexes']);
    expect(status.conditions?.[1]?.message).toBe('Job has failed indexes');
    // The replacement for index 1 carries the failure count and waited out its own 10 s backoff.
    const index1 = s.pods.filter((p) => p.index === 1);
    expect(index1.map((p) => renderPod(s, p).metadata.annotations['batch.kubernetes.io/job-index-failure-count'])).toEqual(['0', '1']);
    expect(index1[1]!.createdAt - (index1[0]!.finishedAt as number)).toBe(10 * S);
  });

  test('"job failed due to exceeding backoffLimit before backoffLimitPerIndex"', () => {
    const s = state({ completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1, backoffLimit: 1 });
    drive(s, () => 1);
    expect(conditions(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
  });

  test('"job failed due to exceeding maxFailedIndexes" (strictly greater)', () => {
    const s = state({ completions: 4, parallelism: 4, completionMode: 'Indexed', backoffLimitPerIndex: 0, maxFailedIndexes: 1 });
    drive(s, (pod) => (pod.index! < 2 ? 1 : 0));
    expect(conditions(s)[0]).toBe('FailureTarget:MaxFailedIndexesExceeded');
    expect(renderJobStatus(s).conditions?.[0]?.message).toBe('Job has exceeded the specified maximal number of failed indexes');
    expect(renderJobStatus(s).failedIndexes).toBe('0,1');
  });

  test('"FailIndex" fails the index at once; failedIndexes is "" when none failed', () => {
    const s = state({
      completions: 2,
      parallelism: 1,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 3,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
    });
    expect(renderJobStatus(s).failedIndexes).toBe('');
    drive(s, (pod) => (pod.index === 0 ? 42 : 0));
    expect(renderJobStatus(s)).toMatchObject({ failedIndexes: '0', completedIndexes: '1', failed: 1 });
    expect(s.pods.filter((p) => p.index === 0)).toHaveLength(1);
  });

  test('an Ignored failure of an index is counted in the ignored-failure annotation', () => {
    const s = state({
      completions: 1,
      completionMode: 'Indexed',
      backoffLimitPerIndex: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
    });
    let first = true;
    drive(s, () => (first ? ((first = false), 'lost') : 0));
    expect(renderPod(s, s.pods[1]!).metadata.annotations).toMatchObject({
      'batch.kubernetes.io/job-index-failure-count': '0',
      'batch.kubernetes.io/job-index-ignored-failure-count': '1',
    });
    expect(conditions(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
  });
});

describe('successPolicy (success_policy_test.go, job_controller_test.go TestSyncJobWithJobSuccessPolicy)', () => {
  test('matching rules', () => {
    const done = new Set([2]);
    expect(matchSuccessPolicy([{ succeededIndexes: '0,2-3', succeededCount: 1 }], done, 10)).toBe('Matched rules at index 0');
    expect(matchSuccessPolicy([{ succeededIndexes: '0-1' }, { succeededCount: 1 }], done, 10)).toBe('Matched rules at index 1');
    expect(matchSuccessPolicy([{ succeededIndexes: '0,2' }], done, 10)).toBeUndefined();
    expect(matchSuccessPolicy([{ succeededCount: 0 }], new Set(), 10)).toBeUndefined();
  });

  test('"job with successPolicy; SuccessCriteriaMet, then Complete; remaining pods terminated and not counted as failed"', () => {
    const s = state({ completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0', succeededCount: 1 }] } });
    const pods = reconcile(s, 0, ids).start;
    exit(s, pods[0]!, 0, S);
    const actions = reconcile(s, S, ids);
    expect(actions.terminate.map((p) => p.index)).toEqual([1, 2]);
    expect(conditions(s)).toEqual(['SuccessCriteriaMet:SuccessPolicy']);
    for (const pod of actions.terminate) onPodExited(s, pod.name, { kind: 'exited', result: { ...result(143), terminated: true } }, 2 * S);
    reconcile(s, 2 * S, ids);
    expect(conditions(s)).toEqual(['SuccessCriteriaMet:SuccessPolicy', 'Complete:SuccessPolicy']);
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 1, completedIndexes: '0' });
    expect(renderJobStatus(s).failed).toBeUndefined();
    expect(renderJobStatus(s).conditions?.[1]?.message).toBe('Matched rules at index 0');
  });

  test('"failure criteria win over the success policy in the same sync"', () => {
    const s = state({ completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimit: 0, successPolicy: { rules: [{ succeededCount: 1 }] } });
    const [a, b] = reconcile(s, 0, ids).start;
    exit(s, a!, 0, S);
    exit(s, b!, 1, S);
    reconcile(s, S, ids);
    expect(conditions(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
  });
});

describe('suspend, parallelism and elastic Jobs (TestSyncJobSuspend, TestElasticIndexedJob)', () => {
  test('"suspending a job with satisfied expectations": active pods deleted and not counted; Suspended condition', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ completions: 2, parallelism: 2 });
    const pods = reconcile(s, 0, ids).start;
    applySpecPatch(s, { suspend: true });
    const actions = reconcile(s, S, ids);
    expect(actions.terminate).toEqual(pods);
    for (const pod of pods) exit(s, pod, 0, 2 * S); // even a pod that exits 0 after deletion is not counted
    reconcile(s, 2 * S, ids);
    expect(renderJobStatus(s)).toMatchObject({ terminating: 0 });
    expect(renderJobStatus(s).succeeded).toBeUndefined();
    expect(renderJobStatus(s).failed).toBeUndefined();
    expect(conditions(s)).toEqual(['Suspended:JobSuspended']);
    expect(reconcile(s, 100 * S, ids)).toMatchObject({ start: [], wakeAt: null });
    applySpecPatch(s, { suspend: false });
    expect(reconcile(s, 200 * S, ids).start).toHaveLength(2);
    expect(renderJobStatus(s)).toMatchObject({ startTime: '1970-01-01T00:03:20Z', conditions: [expect.objectContaining({ type: 'Suspended', status: 'False', reason: 'JobResumed' })] });
  });

  test('"the deadline does not run while suspended"', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ activeDeadlineSeconds: 10, suspend: true });
    expect(reconcile(s, 0, ids)).toMatchObject({ start: [], wakeAt: null });
    expect(renderJobStatus(s).startTime).toBeUndefined();
    applySpecPatch(s, { suspend: false });
    expect(reconcile(s, 50 * S, ids)).toMatchObject({ wakeAt: 60 * S });
  });

  test('"too many active pods": lowering parallelism deletes the surplus, not counted', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ completions: 4, parallelism: 3 });
    reconcile(s, 0, ids);
    applySpecPatch(s, { parallelism: 1 });
    expect(reconcile(s, S, ids).terminate).toHaveLength(2);
    expect(renderJobStatus(s)).toMatchObject({ active: 1, terminating: 2 });
    expect(renderJobStatus(s).failed).toBeUndefined();
  });

  test('"index finishes successfully, scale down, scale up": a dropped index runs again', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ completions: 3, parallelism: 3, completionMode: 'Indexed' });
    const pods = reconcile(s, 0, ids).start;
    exit(s, pods[2]!, 0, S);
    applySpecPatch(s, { completions: 2, parallelism: 2 });
    expect(renderJobStatus(s).succeeded).toBeUndefined();
    reconcile(s, S, ids);
    applySpecPatch(s, { completions: 3, parallelism: 3 });
    const again = reconcile(s, 2 * S, ids).start;
    expect(again.map((p) => p.index)).toEqual([2]);
  });
});

describe('review cases: elastic counting, resume deadline, per-index order, replacement policy, removals', () => {
  test('an out-of-range pod of a shrunk elastic Job counts for nothing, even when it succeeds', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ completions: 4, parallelism: 4, completionMode: 'Indexed' });
    const pods = reconcile(s, 0, ids).start;
    applySpecPatch(s, { completions: 2, parallelism: 2 });
    exit(s, pods[3]!, 0, S);
    reconcile(s, S, ids);
    expect(renderJobStatus(s).completedIndexes).toBeUndefined();
    exit(s, pods[0]!, 0, 2 * S);
    exit(s, pods[1]!, 0, 2 * S);
    for (const pod of s.pods.filter((p) => p.deletionRequestedAt !== null && p.phase !== 'Failed')) exit(s, pod, 143, 2 * S);
    reconcile(s, 2 * S, ids);
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 2, completedIndexes: '0,1' });
    expect(renderJobStatus(s).failed).toBeUndefined();
  });

  test('resuming after a long suspension does not trip the deadline: it starts over', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ activeDeadlineSeconds: 100 });
    const [pod] = reconcile(s, 0, ids).start;
    applySpecPatch(s, { suspend: true });
    reconcile(s, 10 * S, ids);
    exit(s, pod!, 143, 11 * S);
    reconcile(s, 11 * S, ids);
    expect(renderJobStatus(s).startTime).toBeUndefined();
    applySpecPatch(s, { suspend: false });
    const resumed = reconcile(s, 500 * S, ids);
    expect(resumed.start).toHaveLength(1);
    expect(resumed.wakeAt).toBe(600 * S);
    expect(conditions(s)).toEqual(['Suspended:JobResumed']);
  });

  test('per-index backoff: the first pending index waiting out its backoff holds back later ones (parallelism 1)', () => {
    const s = state({ completions: 2, parallelism: 1, completionMode: 'Indexed', backoffLimitPerIndex: 2 });
    const [first] = reconcile(s, 0, ids).start;
    exit(s, first!, 1, S);
    expect(reconcile(s, S, ids)).toMatchObject({ start: [], wakeAt: 11 * S });
    expect(reconcile(s, 11 * S, ids).start.map((p) => p.index)).toEqual([0]);
  });

  test('podReplacementPolicy Failed: a terminating pod holds its index until it has stopped', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ completions: 1, completionMode: 'Indexed', podFailurePolicy: { rules: [] } });
    const [pod] = reconcile(s, 0, ids).start;
    applySpecPatch(s, { suspend: true });
    reconcile(s, S, ids);
    applySpecPatch(s, { suspend: false });
    expect(reconcile(s, 2 * S, ids).start).toEqual([]);
    exit(s, pod!, 143, 3 * S);
    expect(reconcile(s, 3 * S, ids).start.map((p) => p.index)).toEqual([0]);
  });

  test('a patch removes an optional field with null', async () => {
    const { applySpecPatch } = await import('../../src/shared/controller/spec-patch.js');
    const s = state({ activeDeadlineSeconds: 5 });
    applySpecPatch(s, { activeDeadlineSeconds: null });
    expect(s.job.spec.activeDeadlineSeconds).toBeUndefined();
  });
});
