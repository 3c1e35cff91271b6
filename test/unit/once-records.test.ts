/** The `ctx.once` records the Job's workflow keeps (src/shared/controller/once-records.ts), driven without a server. */
import { describe, expect, test } from 'vitest';
import { carryOver, restoreControllerState } from '../../src/shared/controller/carry-over.js';
import {
  claimOnce,
  commitOnce,
  forgetFinishedOnceRecords,
  MAX_ONCE_RECORDS,
  MAX_ONCE_TOTAL_BYTES,
  MAX_ONCE_VALUE_BYTES,
  onceClaimRefusal,
  onceCommitRefusal,
  onceHeldBy,
} from '../../src/shared/controller/once-records.js';
import { onPodExited } from '../../src/shared/controller/pod-lifecycle.js';
import { podKeys } from '../../src/shared/controller/pod-identity.js';
import { reconcile } from '../../src/shared/controller/reconcile.js';
import { newControllerState, type JobControllerState, type PodRecord } from '../../src/shared/controller/state.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';
import { DEFAULT_CONTROLLER_SETTINGS, type PodRunResult } from '../../src/shared/protocol/pod-runs.js';
import type { OnceClaimRequest, OnceClaimResult, OnceCommitResult } from '../../src/shared/protocol/once.js';

function indexedJob(completions: number, parallelism = completions, backoffLimit = 6): JobControllerState {
  const [manifest] = parseJobManifests({
    metadata: { name: 'j' },
    spec: { completions, parallelism, backoffLimit, completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'i', command: ['c'] }] } } },
  });
  const job = materializeJob(manifest!, { uid: 'job-uid', creationTimestamp: '2026-01-01T00:00:00Z', random: Math.random });
  return newControllerState(job, DEFAULT_CONTROLLER_SETTINGS);
}

let counter = 0;
const ids = { random: Math.random, uuid: () => `pod-uid-${counter++}` };
const exited = (exitCode: number): PodRunResult => ({
  containers: [{ name: 'main', image: 'i', init: false, exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' }],
  logs: [],
  nodeName: 'node',
  terminated: false,
});

/** A pod run's once request for `name`, as the worker's TemporalOnceStore sends it. */
function ask(s: JobControllerState, pod: PodRecord, name = 'effect'): OnceClaimRequest {
  const { podKey, attemptKey } = podKeys(s.job, pod);
  return { key: `${podKey}/${name}`, attemptKey, jobUid: s.job.metadata.uid };
}

/** What the workflow's update handler does: the validator's refusal, else the decision. */
function claim(s: JobControllerState, request: OnceClaimRequest): OnceClaimResult | { refused: string } {
  const refused = onceClaimRefusal(s, request);
  return refused ? { refused } : claimOnce(s, request);
}
function commit(s: JobControllerState, request: OnceClaimRequest, value: unknown): OnceCommitResult | { refused: string } {
  const refused = onceCommitRefusal(s, { ...request, value });
  return refused ? { refused } : commitOnce(s, { ...request, value });
}

/** The first pods, and their replacement for index 0 once the first pod 0 is lost with its worker. */
function lostAndReplaced(s: JobControllerState) {
  const [first] = reconcile(s, 0, ids).start;
  onPodExited(s, first!.name, { kind: 'lost', message: 'worker lost' }, 1);
  const replacement = reconcile(s, 100_000, ids).start.find((pod) => pod.index === 0);
  return { first: first!, replacement: replacement! };
}

describe('claim and commit', () => {
  test('the first claim is the run\'s; after the commit every claim of the key gets the value', () => {
    const s = indexedJob(2);
    const [a, b] = reconcile(s, 0, ids).start;
    expect(claim(s, ask(s, a!))).toEqual({ claimed: true });
    // The same run asking again (its function threw and it tries once more) keeps its claim.
    expect(claim(s, ask(s, a!))).toEqual({ claimed: true });
    expect(commit(s, ask(s, a!), { sent: 1 })).toEqual({ done: { sent: 1 } });
    expect(claim(s, ask(s, a!))).toEqual({ done: { sent: 1 } });
    // A commit sent twice (its answer lost) keeps the first value.
    expect(commit(s, ask(s, a!), { sent: 2 })).toEqual({ done: { sent: 1 } });
    // Another index's key is its own.
    expect(claim(s, ask(s, b!))).toEqual({ claimed: true });
    // undefined is stored as null, as JSON has it.
    expect(commit(s, ask(s, b!), undefined)).toEqual({ done: null });
  });

  test('a replacement gets the value its lost predecessor committed', () => {
    const s = indexedJob(1);
    const [first] = reconcile(s, 0, ids).start;
    claim(s, ask(s, first!));
    commit(s, ask(s, first!), 'sent');
    onPodExited(s, first!.name, { kind: 'lost', message: 'worker lost' }, 1);
    const [replacement] = reconcile(s, 100_000, ids).start;
    expect(replacement!.name).not.toBe(first!.name);
    expect(claim(s, ask(s, replacement!))).toEqual({ done: 'sent' });
  });

  test('a claim whose holder\'s run ended (crashed inside fn, before its commit) is free again', () => {
    const s = indexedJob(1);
    const { first, replacement } = (() => {
      const [pod] = reconcile(s, 0, ids).start;
      expect(claim(s, ask(s, pod!))).toEqual({ claimed: true });
      onPodExited(s, pod!.name, { kind: 'exited', result: exited(1) }, 1);
      return { first: pod!, replacement: reconcile(s, 100_000, ids).start[0]! };
    })();
    expect(replacement.name).not.toBe(first.name);
    expect(claim(s, ask(s, replacement))).toEqual({ claimed: true });
    expect(commit(s, ask(s, replacement), 1)).toEqual({ done: 1 });
  });

  test('while the holder runs, another run of the key waits (two runs of one index at once)', () => {
    const s = indexedJob(1);
    const [first] = reconcile(s, 0, ids).start;
    // A second run of index 0 that the controller considers running too (as with podReplacementPolicy
    // TerminatingOrFailed, a replacement runs while the old pod terminates).
    const second = { ...first!, name: `${first!.name}-b`, uid: 'other' };
    s.pods.push(second);
    expect(claim(s, ask(s, first!))).toEqual({ claimed: true });
    // The validator rejects the waiter's claim (nothing in the history); the decision says the same.
    expect(onceHeldBy(s, ask(s, second))).toBe(podKeys(s.job, first!).attemptKey);
    expect(onceHeldBy(s, ask(s, first!))).toBeNull();
    const held = claim(s, ask(s, second));
    expect(held).toEqual({ heldBy: podKeys(s.job, first!).attemptKey });
    expect(commit(s, ask(s, second), 'mine')).toEqual({ refused: expect.stringMatching(/claimed by pod run/) });
    commit(s, ask(s, first!), 'first');
    expect(onceHeldBy(s, ask(s, second))).toBeNull();
    expect(claim(s, ask(s, second))).toEqual({ done: 'first' });
  });
});

describe('refusals', () => {
  test('a run the controller does not consider running (a zombie of a lost worker) is refused', () => {
    const s = indexedJob(1);
    const { first, replacement } = lostAndReplaced(s);
    expect(claim(s, ask(s, first))).toEqual({ refused: expect.stringMatching(/is not running for the Job default\/j/) });
    expect(commit(s, ask(s, first), 'zombie')).toEqual({ refused: expect.stringMatching(/is not running/) });
    expect(claim(s, ask(s, replacement))).toEqual({ claimed: true });
  });

  test('a pod of an earlier Job of the same name (another uid) is refused', () => {
    const s = indexedJob(1);
    const [pod] = reconcile(s, 0, ids).start;
    const request = { ...ask(s, pod!), jobUid: 'earlier-uid' };
    expect(claim(s, request)).toEqual({ refused: expect.stringMatching(/deleted and created again/) });
    expect(s.onceRecords.size).toBe(0);
  });

  test('a key that is not the pod\'s own is refused', () => {
    const s = indexedJob(2);
    const [a, b] = reconcile(s, 0, ids).start;
    expect(claim(s, { ...ask(s, a!), key: ask(s, b!).key })).toEqual({ refused: expect.stringMatching(/is not one of pod/) });
  });
});

describe('bounds', () => {
  test('a value over the size limit fails the commit clearly, and the claim stays', () => {
    const s = indexedJob(1);
    const [pod] = reconcile(s, 0, ids).start;
    claim(s, ask(s, pod!));
    const big = 'x'.repeat(MAX_ONCE_VALUE_BYTES);
    expect(commit(s, ask(s, pod!), big)).toEqual({ refused: `the value is ${MAX_ONCE_VALUE_BYTES + 2} bytes of JSON, more than the ${MAX_ONCE_VALUE_BYTES} a once value may have` });
    expect(commit(s, ask(s, pod!), 'small')).toEqual({ done: 'small' });
  });

  test('the values of a Job and its number of records are bounded', () => {
    const s = indexedJob(1);
    const [pod] = reconcile(s, 0, ids).start;
    const value = 'v'.repeat(MAX_ONCE_VALUE_BYTES - 2);
    const fits = Math.floor(MAX_ONCE_TOTAL_BYTES / MAX_ONCE_VALUE_BYTES);
    for (let i = 0; i < fits; i++) expect(commit(s, ask(s, pod!, `n${i}`), value)).toEqual({ done: value });
    expect(commit(s, ask(s, pod!, 'one-more'), value)).toEqual({ refused: expect.stringMatching(/more than the 262144 a Job keeps/) });
    for (let i = s.onceRecords.size; i < MAX_ONCE_RECORDS; i++) expect(claim(s, ask(s, pod!, `c${i}`))).toEqual({ claimed: true });
    expect(claim(s, ask(s, pod!, 'too-many'))).toEqual({ refused: expect.stringMatching(/holds 1000 once records/) });
    // Known keys are still answered.
    expect(claim(s, ask(s, pod!, 'n0'))).toEqual({ done: value });
  });
});

describe('forgetting and carry-over', () => {
  test("an index's records go once it is finished and no pod of it runs; the others stay", () => {
    const s = indexedJob(2);
    const [a, b] = reconcile(s, 0, ids).start;
    commit(s, ask(s, a!), 'a');
    commit(s, ask(s, b!), 'b');
    onPodExited(s, a!.name, { kind: 'exited', result: exited(0) }, 1);
    forgetFinishedOnceRecords(s);
    expect([...s.onceRecords.keys()]).toEqual([ask(s, b!).key]);
  });

  test('records of an index that failed for good go too; a finished index with a pod still running keeps them', () => {
    const s = indexedJob(2);
    const [a, b] = reconcile(s, 0, ids).start;
    commit(s, ask(s, a!), 'a');
    commit(s, ask(s, b!), 'b');
    s.failedSlots.add(a!.slot);
    s.completedSlots.add(b!.slot);
    a!.runInFlight = false;
    forgetFinishedOnceRecords(s);
    expect([...s.onceRecords.keys()]).toEqual([ask(s, b!).key]);
  });

  test('the records carry over continue-as-new, and a Job with none adds nothing to the hand-over', () => {
    const s = indexedJob(2);
    const [a, b] = reconcile(s, 0, ids).start;
    for (const pod of [a!, b!]) onPodExited(s, pod.name, { kind: 'lost', message: 'lost' }, 1);
    expect('once' in carryOver(s, 1)).toBe(false);
    const [next] = reconcile(s, 100_000, ids).start;
    claim(s, ask(s, next!, 'held'));
    commit(s, ask(s, next!), { n: 1 });
    onPodExited(s, next!.name, { kind: 'lost', message: 'lost' }, 100_001);
    // The other index's replacement runs on a pod runner shard, which outlives the run.
    const carried = JSON.parse(JSON.stringify(carryOver(s, 1, () => true)));
    const restored = restoreControllerState(s.job, s.settings, carried);
    expect([...restored.onceRecords]).toEqual([...s.onceRecords]);
    const [after] = reconcile(restored, 200_000, ids).start.filter((pod) => pod.index === next!.index);
    expect(claim(restored, ask(restored, after!))).toEqual({ done: { n: 1 } });
    // The lost holder's claim is free for the replacement.
    expect(claim(restored, ask(restored, after!, 'held'))).toEqual({ claimed: true });
  });
});
