/** The Job controller's decisions, driven without a server: pod events in, actions and status out. */
import { describe, expect, test } from 'vitest';
import { backoffDelayMs, recordPodFailure, recordPodSuccess, remainingBackoffMs, emptyBackoffRecord } from '../../src/shared/controller/backoff.js';
import { formatIndexIntervals, parseIndexIntervals } from '../../src/shared/controller/intervals.js';
import { onPodExited, onPodStarted } from '../../src/shared/controller/pod-lifecycle.js';
import { reconcile } from '../../src/shared/controller/reconcile.js';
import { renderJobStatus } from '../../src/shared/controller/render.js';
import { newControllerState, type JobControllerState, type PodRecord } from '../../src/shared/controller/state.js';
import { DEFAULT_CONTROLLER_SETTINGS, type PodRunResult } from '../../src/shared/protocol/pod-runs.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';

const S = 1000;
const policy = { baseMs: 10 * S, capMs: 360 * S };

describe('interval strings (indexed_job_utils.go)', () => {
  test.each([
    [[], ''],
    [[0], '0'],
    [[0, 1], '0,1'],
    [[0, 1, 2], '0-2'],
    [[1, 3, 4, 5, 7], '1,3-5,7'],
    [[9, 0, 3, 2, 1, 1], '0-3,9'],
  ])('%j → %s', (indexes, text) => {
    expect(formatIndexIntervals(indexes)).toBe(text);
  });
  test('parsing skips corrupt fragments and stops at the limit', () => {
    expect(parseIndexIntervals('0-2,x,4,6-9', 8)).toEqual([0, 1, 2, 4, 6, 7]);
    expect(parseIndexIntervals('', 3)).toEqual([]);
  });
});

describe('pod-recreation backoff (backoff_utils.go)', () => {
  test('10 s doubling, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, policy) / S)).toEqual([10, 20, 40, 80, 160, 320, 360, 360]);
    expect([6, 7].map((n) => backoffDelayMs(n, { baseMs: 10 * S, capMs: 600 * S }) / S)).toEqual([320, 600]);
    expect(backoffDelayMs(0, policy)).toBe(0);
  });
  test('Kubernetes test case: base 5 s, max 700 s', () => {
    const p = { baseMs: 5 * S, capMs: 700 * S };
    expect([3, 8, 9].map((n) => backoffDelayMs(n, p) / S)).toEqual([20, 640, 700]);
  });
  test('remaining time counts from the last failure; a success resets', () => {
    let record = recordPodFailure(emptyBackoffRecord(), 100 * S);
    record = recordPodFailure(record, 105 * S);
    expect(remainingBackoffMs(record, 110 * S, policy)).toBe(15 * S);
    expect(remainingBackoffMs(record, 200 * S, policy)).toBe(0);
    record = recordPodSuccess();
    expect(remainingBackoffMs(record, 110 * S, policy)).toBe(0);
    expect(remainingBackoffMs(recordPodFailure(record, 110 * S), 110 * S, policy)).toBe(10 * S);
  });
});

function state(spec: Record<string, unknown>, restartPolicy = 'Never'): JobControllerState {
  const [manifest] = parseJobManifests({
    metadata: { name: 'j' },
    spec: { ...spec, template: { spec: { restartPolicy, containers: [{ name: 'main', image: 'i', command: ['c'] }] } } },
  });
  const job = materializeJob(manifest!, { uid: 'uid', creationTimestamp: '2026-01-01T00:00:00Z', random: Math.random });
  return newControllerState(job, DEFAULT_CONTROLLER_SETTINGS);
}

let counter = 0;
const ids = { random: Math.random, uuid: () => `uid-${counter++}` };
const exited = (exitCode: number): PodRunResult => ({
  containers: [{ name: 'main', image: 'i', init: false, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' }],
  logs: [],
  nodeName: 'node',
  terminated: false,
});
const finish = (s: JobControllerState, pod: PodRecord, code: number, now: number) =>
  onPodExited(s, pod.name, { kind: 'exited', result: exited(code) }, now);
const conditionTypes = (s: JobControllerState) => renderJobStatus(s).conditions?.map((c) => `${c.type}:${c.reason}`);

describe('the sync loop', () => {
  test('NonIndexed: never more than parallelism pods, complete at completions', () => {
    const s = state({ completions: 5, parallelism: 2 });
    let now = 0;
    let maxActive = 0;
    let created = 0;
    for (;;) {
      const actions = reconcile(s, now, ids);
      created += actions.start.length;
      maxActive = Math.max(maxActive, renderJobStatus(s).active ?? 0);
      if (s.finished) break;
      const running = s.pods.filter((p) => p.phase === 'Pending');
      finish(s, running[0]!, 0, ++now);
    }
    expect(maxActive).toBe(2);
    expect(created).toBe(5);
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 5, ready: 0, terminating: 0 });
    expect(conditionTypes(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    expect(renderJobStatus(s).completionTime).toBe(renderJobStatus(s).conditions?.[1]?.lastTransitionTime);
  });

  test('at most min(parallelism, work left) pods: 3 left of 5 with parallelism 4 → 3 pods', () => {
    const s = state({ completions: 5, parallelism: 4 });
    const first = reconcile(s, 0, ids).start;
    expect(first).toHaveLength(4);
    finish(s, first[0]!, 0, 1);
    finish(s, first[1]!, 0, 1);
    expect(reconcile(s, 1, ids).start).toHaveLength(1);
    expect(renderJobStatus(s).active).toBe(3);
  });

  test('work queue: after the first success no new pods; complete when none is active', () => {
    const s = state({ parallelism: 3 });
    const pods = reconcile(s, 0, ids).start;
    expect(pods).toHaveLength(3);
    finish(s, pods[0]!, 0, 1);
    finish(s, pods[1]!, 1, 2); // a failure after the first success is counted but not replaced
    expect(reconcile(s, 2, ids).start).toHaveLength(0);
    expect(s.finished).toBe(false);
    finish(s, pods[2]!, 0, 3);
    reconcile(s, 3, ids);
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 2, failed: 1 });
    expect(conditionTypes(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
  });

  test('Indexed: lowest pending indexes first, completedIndexes as intervals, a second success counts once', () => {
    const s = state({ completions: 4, parallelism: 2, completionMode: 'Indexed' });
    const [p0, p1] = reconcile(s, 0, ids).start;
    expect([p0!.index, p1!.index]).toEqual([0, 1]);
    finish(s, p1!, 0, 1);
    const [p2] = reconcile(s, 1, ids).start;
    expect(p2!.index).toBe(2);
    expect(renderJobStatus(s).completedIndexes).toBe('1');
    // A duplicate pod of index 1 (as Kubernetes warns can happen) succeeding again changes nothing.
    const duplicate = { ...p1!, name: 'dup', phase: 'Running' as const, counted: false };
    s.pods.push(duplicate);
    finish(s, duplicate, 0, 2);
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 1, completedIndexes: '1' });
    finish(s, p0!, 0, 3);
    finish(s, p2!, 0, 3);
    expect(renderJobStatus(s).completedIndexes).toBe('0-2');
  });

  test('Never: a failed pod is replaced by a new pod for the same index after the backoff', () => {
    const s = state({ completions: 1, completionMode: 'Indexed' });
    const [first] = reconcile(s, 0, ids).start;
    finish(s, first!, 1, 5 * S);
    const waiting = reconcile(s, 5 * S, ids);
    expect(waiting).toMatchObject({ start: [], wakeAt: 15 * S });
    const [second] = reconcile(s, 15 * S, ids).start;
    expect(second!.name).not.toBe(first!.name);
    expect(second!.index).toBe(0);
    expect(renderJobStatus(s).failed).toBe(1);
  });

  test('backoffLimit: fails on failure number backoffLimit + 1 (failed > backoffLimit)', () => {
    for (const limit of [0, 1, 3]) {
      const s = state({ backoffLimit: limit });
      let now = 0;
      let failures = 0;
      while (!s.finished) {
        const { start, wakeAt } = reconcile(s, now, ids);
        if (start[0]) {
          finish(s, start[0], 1, now);
          failures++;
        } else if (wakeAt !== null) now = wakeAt;
      }
      expect(failures).toBe(limit + 1);
      expect(conditionTypes(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
      expect(renderJobStatus(s).completionTime).toBeUndefined();
    }
  });

  test('the backoff resets after a success (newBackoffRecord)', () => {
    const s = state({ completions: 3, backoffLimit: 10 });
    const starts: number[] = [];
    const outcomes = [1, 1, 0, 1, 0, 0];
    let now = 0;
    while (!s.finished) {
      const { start, wakeAt } = reconcile(s, now, ids);
      if (start[0]) {
        starts.push(now / S);
        now += S;
        finish(s, start[0], outcomes.shift()!, now);
      } else if (wakeAt !== null) now = wakeAt;
    }
    // fail (+10 s), fail (+20 s), success (no wait), fail (+10 s again), success, success
    expect(starts).toEqual([0, 11, 32, 33, 44, 45]);
  });

  test('OnFailure: the same pod restarts in place, at once and then after 10 s doubling; restarts count (>=)', () => {
    const s = state({ backoffLimit: 2 }, 'OnFailure');
    const [pod] = reconcile(s, 0, ids).start;
    onPodStarted(s, { podName: pod!.name, restartCount: 0, nodeName: 'n' }, 0);
    expect(renderJobStatus(s)).toMatchObject({ active: 1, ready: 1 });
    finish(s, pod!, 1, 1 * S);
    // The kubelet restarts a container at once after its first crash.
    expect(reconcile(s, 1 * S, ids).start).toEqual([pod]);
    expect(pod!.restartCount).toBe(1);
    finish(s, pod!, 1, 2 * S);
    expect(reconcile(s, 2 * S, ids)).toMatchObject({ start: [], wakeAt: 12 * S });
    expect(renderJobStatus(s)).toMatchObject({ active: 1, ready: 0 });
    const last = reconcile(s, 12 * S, ids);
    expect(last.start).toEqual([]);
    expect(pod!.restartCount).toBe(2);
    expect(s.pods).toHaveLength(1);
    expect(renderJobStatus(s)).toMatchObject({ failed: 1 });
    expect(conditionTypes(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
  });

  test('activeDeadlineSeconds: running pods terminated and counted failed; Failed only once they stopped', () => {
    const s = state({ parallelism: 2, completions: 2, activeDeadlineSeconds: 30 });
    const pods = reconcile(s, 0, ids).start;
    expect(reconcile(s, 0, ids).wakeAt).toBe(30 * S);
    const at30 = reconcile(s, 30 * S, ids);
    expect(at30.terminate.map((p) => p.name)).toEqual(pods.map((p) => p.name));
    expect(renderJobStatus(s)).toMatchObject({ terminating: 2, failed: 2 });
    expect(renderJobStatus(s).active).toBeUndefined();
    expect(conditionTypes(s)).toEqual(['FailureTarget:DeadlineExceeded']);
    onPodExited(s, pods[0]!.name, { kind: 'exited', result: { ...exited(143), terminated: true } }, 31 * S);
    onPodExited(s, pods[1]!.name, { kind: 'exited', result: { ...exited(143), terminated: true } }, 32 * S);
    reconcile(s, 32 * S, ids);
    expect(conditionTypes(s)).toEqual(['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded']);
    expect(renderJobStatus(s)).toMatchObject({ failed: 2, terminating: 0 });
  });

  test('the deadline stops a Job waiting out a backoff', () => {
    const s = state({ activeDeadlineSeconds: 25 });
    const [pod] = reconcile(s, 0, ids).start;
    finish(s, pod!, 1, 1 * S);
    expect(reconcile(s, 1 * S, ids).wakeAt).toBe(11 * S);
    const [second] = reconcile(s, 11 * S, ids).start;
    finish(s, second!, 1, 12 * S);
    expect(reconcile(s, 12 * S, ids).wakeAt).toBe(25 * S); // the deadline comes before the 20 s backoff
    reconcile(s, 25 * S, ids);
    expect(conditionTypes(s)).toEqual(['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded']);
    expect(s.pods).toHaveLength(2);
  });

  test('BackoffLimitExceeded wins over DeadlineExceeded in the same sync', () => {
    const s = state({ activeDeadlineSeconds: 10, backoffLimit: 0 });
    const [pod] = reconcile(s, 0, ids).start;
    finish(s, pod!, 1, 10 * S);
    reconcile(s, 10 * S, ids);
    expect(conditionTypes(s)).toEqual(['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded']);
  });

  test('a pod lost with its worker fails with the DisruptionTarget condition and is counted', () => {
    const s = state({});
    const [pod] = reconcile(s, 0, ids).start;
    onPodExited(s, pod!.name, { kind: 'lost', message: 'gone' }, 5 * S);
    expect(pod).toMatchObject({ phase: 'Failed', reason: 'WorkerLost', disruption: { reason: 'WorkerLost' } });
    expect(renderJobStatus(s).failed).toBe(1);
  });

  test('completions 0 completes at once with no pods', () => {
    const s = state({ completions: 0 });
    expect(reconcile(s, 0, ids).start).toEqual([]);
    expect(conditionTypes(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
  });
});

describe('continue-as-new hand-over (carryOver, restoreControllerState)', () => {
  test('the status is the same after the hand-over; finished pods beyond the kept ones go; runs in flight refuse', async () => {
    const { carryOver, restoreControllerState } = await import('../../src/shared/controller/carry-over.js');
    const { FINISHED_PODS_KEPT } = await import('../../src/shared/controller/retention.js');
    const s = state({ completions: FINISHED_PODS_KEPT + 50, parallelism: 3, completionMode: 'Indexed', backoffLimit: 1000 });
    let now = 0;
    // Run pods one wave at a time; every seventh fails (so counters, failed indexes and backoff are exercised).
    while (!s.finished && now < 10_000_000) {
      const { start, wakeAt } = reconcile(s, now, ids);
      for (const pod of start) finish(s, pod, pod.index! % 7 === 0 && pod.indexFailureCount === 0 ? 1 : 0, now);
      now = start.length === 0 && wakeAt !== null ? wakeAt : now + S;
      if (s.succeeded > FINISHED_PODS_KEPT) break;
    }
    expect(s.pods.some((p) => p.runInFlight)).toBe(false);
    const carried = JSON.parse(JSON.stringify(carryOver(s, 1)));
    const restored = restoreControllerState(s.job, s.settings, carried);
    expect(renderJobStatus(restored)).toEqual(renderJobStatus(s));
    expect(restored.pods.length).toBeLessThanOrEqual(FINISHED_PODS_KEPT + 3);
    expect(restored.backoff).toEqual(s.backoff);
    expect([...restored.completedSlots].sort((a, b) => a - b)).toEqual([...s.completedSlots].sort((a, b) => a - b));
    // Both go on to the same decisions.
    expect(reconcile(restored, now, ids).start.map((p) => p.index)).toEqual(reconcile(s, now, ids).start.map((p) => p.index));
    expect(() => carryOver(s, 1)).toThrow(/in flight/);
  });
});

describe('finished pod records (forgetOldFinishedPods)', () => {
  test('memory follows the running pods, not completions: old finished pods go, counts and indexes stay exact', async () => {
    const { FINISHED_PODS_KEPT } = await import('../../src/shared/controller/retention.js');
    const completions = FINISHED_PODS_KEPT * 10;
    const s = state({ completions, parallelism: 7, completionMode: 'Indexed', backoffLimit: completions });
    let now = 0;
    let most = 0;
    while (!s.finished && now < 100_000_000) {
      const { start, wakeAt } = reconcile(s, now, ids);
      most = Math.max(most, s.pods.length);
      // Every eleventh index fails once, with a log, so failures, retries and the log budget are exercised.
      for (const pod of start) {
        const fail = pod.index! % 11 === 0 && pod.indexFailureCount === 0 && s.pods.filter((p) => p.index === pod.index).length === 1;
        onPodExited(s, pod.name, { kind: 'exited', result: { ...exited(fail ? 1 : 0), logs: [{ container: 'main', text: `log of ${pod.name}`, truncatedBytes: 0 }] } }, now);
      }
      now = start.length === 0 && wakeAt !== null ? wakeAt : now + S;
    }
    expect(conditionTypes(s)).toEqual(['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached']);
    const status = renderJobStatus(s);
    expect(status.succeeded).toBe(completions);
    expect(status.failed).toBe(Math.ceil(completions / 11));
    expect(status.completedIndexes).toBe(`0-${completions - 1}`);
    expect(most).toBeLessThanOrEqual(2 * FINISHED_PODS_KEPT + 7);
    // The kept logs are those of the kept pods, and the log budget's count matches them.
    expect([...s.logs.keys()].every((name) => s.pods.some((p) => p.name === name))).toBe(true);
    expect(s.logBytes).toBe([...s.logs.values()].flat().reduce((sum, l) => sum + l.text.length, 0));
  });
});

describe('generated pod names', () => {
  test('a name the Job already holds is drawn again, as the API server makes the controller do', () => {
    const s = state({ completions: 3, parallelism: 3 });
    // The first two pods draw the same five characters; the second draws again.
    const draws = [...Array(10).fill(0), ...Array(5).fill(0.5)];
    let drawn = 0;
    const random = () => draws[drawn++] ?? Math.random();
    const { start } = reconcile(s, 0, { random, uuid: () => `uid-${counter++}` });
    expect(start).toHaveLength(3);
    expect(new Set(start.map((p) => p.name)).size).toBe(3);
    expect(drawn).toBeGreaterThanOrEqual(20);
  });
});

describe('wide Jobs (maxPodsInFlight)', () => {
  test('no more pods in flight than the cap; the hand-over with all of them fits Temporal’s 2 MB payload limit', async () => {
    const { carryOver, CARRY_OVER_BUDGET_BYTES } = await import('../../src/shared/controller/carry-over.js');
    const cap = DEFAULT_CONTROLLER_SETTINGS.maxPodsInFlight!;
    const s = state({ completions: 100_000, parallelism: 100_000, completionMode: 'Indexed' });
    // A log budget far over the payload limit: the hand-over must shed logs to fit.
    s.settings = { ...s.settings, jobLogBudgetBytes: 64 * 2 ** 20 };
    const first = reconcile(s, 0, ids).start;
    expect(first).toHaveLength(cap);
    // 300 pods end with 16 Ki characters of log each, 2 bytes each in UTF-8 (9.8 MB of logs); their places are
    // taken by new pods, never more.
    for (const pod of first.slice(0, 300)) {
      onPodExited(s, pod.name, { kind: 'exited', result: { ...exited(0), logs: [{ container: 'main', text: 'é'.repeat(16 * 1024), truncatedBytes: 0 }] } }, 1);
    }
    expect(reconcile(s, 2, ids).start).toHaveLength(300);
    expect(s.pods.filter((p) => p.runInFlight)).toHaveLength(cap);
    for (const pod of s.pods) if (pod.runInFlight) Object.assign(pod, { phase: 'Running', containersRunning: true, nodeName: 'a-worker-host', startedAt: 1 });
    const carried = carryOver(s, 1, () => true);
    expect(Buffer.byteLength(JSON.stringify(s.job)) + Buffer.byteLength(JSON.stringify(carried))).toBeLessThanOrEqual(CARRY_OVER_BUDGET_BYTES);
    expect(carried.pods.filter((p) => p.runInFlight)).toHaveLength(cap);
    // The shed logs are counted as truncated, not lost silently.
    const kept = carried.logs.flatMap(([, logs]) => logs);
    expect(kept.some((l) => l.text === '' && l.truncatedBytes === 16 * 1024)).toBe(true);
    // The whole continue-as-new input: the Job, the state, and where the shard-held runs are.
    const placement = s.pods.slice(0, cap / 2).map((p, i) => [p.name, `kjob-shard/default/j/uid/${Math.floor(i / 500)}`]);
    expect(Buffer.byteLength(JSON.stringify({ job: s.job, carried, shards: { nextShard: 2, shards: [], placement } }))).toBeLessThan(2 * 1024 * 1024);
  });
});

describe('stale pod directories', () => {
  test('directories untouched for a day are swept, newer ones and files stay', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, utimesSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { sweepStalePodDirectories, STALE_POD_DIRECTORY_MS } = await import('../../activities/scratch-sweep.js');
    const root = mkdtempSync(join(tmpdir(), 'kjob-sweep-'));
    const now = Date.now();
    mkdirSync(join(root, 'old-pod', 'volumes', 'cache'), { recursive: true });
    mkdirSync(join(root, 'new-pod'));
    writeFileSync(join(root, 'a-file'), '');
    const old = (now - STALE_POD_DIRECTORY_MS - 60_000) / 1000;
    utimesSync(join(root, 'old-pod'), old, old);
    expect(await sweepStalePodDirectories(root, now)).toBe(1);
    expect(existsSync(join(root, 'old-pod'))).toBe(false);
    expect(existsSync(join(root, 'new-pod'))).toBe(true);
    expect(existsSync(join(root, 'a-file'))).toBe(true);
  });
});
