/** The pod run's wire forms (src/shared/protocol/pod-run-wire.ts): what the worker derives equals what was sent before. */
import { describe, expect, it } from 'vitest';
import { podHostname, podKeys } from '../../src/shared/controller/pod-identity.js';
import { compactPodRunResult, expandPodRunRequest, expandPodRunResult, ownerHash, type PodSpec } from '../../src/shared/protocol/pod-run-wire.js';
import type { PodOwner, PodRunResult } from '../../src/shared/protocol/pod-runs.js';

const spec = {
  restartPolicy: 'Never',
  terminationGracePeriodSeconds: 30,
  initContainers: [{ name: 'setup', image: 'busybox' }],
  containers: [
    { name: 'main', image: 'kjob.dev/handler/noop' },
    { name: 'side', image: 'alpine' },
  ],
} as unknown as PodSpec;
const owner: PodOwner = { metadata: { name: 'work', namespace: 'default', uid: 'u-1' }, spec: { template: { spec } } };

describe('pod run requests', () => {
  it('derive the keys and hostname the workflow sent before, for Indexed and NonIndexed pods', () => {
    const indexed = expandPodRunRequest({ job: { ownerRef: ownerHash(owner) }, podName: 'work-3-abcde', podUid: 'p', index: 3, restartCount: 2 }, { workflowId: 'kjob/default/work', owner });
    expect(indexed).toMatchObject({ workflowId: 'kjob/default/work', hostname: 'work-3', ...podKeys(owner, { slot: 3, name: 'work-3-abcde', restartCount: 2 }) });
    const slotted = expandPodRunRequest({ job: { ownerRef: 'x' }, podName: 'work-xyzab', podUid: 'p', index: null, slot: 7, restartCount: 0 }, { workflowId: 'w', owner });
    expect(slotted.podKey).toBe('kjob:u-1:7');
    expect(slotted.attemptKey).toBe('kjob:u-1:7:work-xyzab:0');
    expect(slotted.hostname).toBe(podHostname(owner, { name: 'work-xyzab', index: null }));
    expect(slotted.job).toBe(owner);
  });

  it('keep what an older workflow sent', () => {
    const full = { workflowId: 'shard-of-it', job: owner, podName: 'n', podUid: 'p', index: 0, restartCount: 0, hostname: 'h', podKey: 'k', attemptKey: 'a' };
    expect(expandPodRunRequest(full, { workflowId: 'other', owner })).toEqual(full);
  });

  it('name an owner by a hash that follows its content, not its key order', () => {
    const reordered: PodOwner = { spec: { template: { spec: { ...spec } } }, metadata: { uid: 'u-1', namespace: 'default', name: 'work' } };
    expect(ownerHash(reordered)).toBe(ownerHash(owner));
    expect(ownerHash({ ...owner, metadata: { ...owner.metadata, uid: 'u-2' } })).not.toBe(ownerHash(owner));
    expect(ownerHash(owner)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('pod run results', () => {
  const full: PodRunResult = {
    containers: [
      { name: 'setup', image: 'busybox', init: true, exitCode: 0, reason: 'Completed' },
      { name: 'main', image: 'kjob.dev/handler/noop', init: false, exitCode: 1, reason: 'Error' },
      { name: 'side', image: 'alpine@sha256:ab', init: false, exitCode: 137, reason: 'OOMKilled', message: 'killed' },
    ],
    logs: [
      { container: 'setup', text: '', truncatedBytes: 0 },
      { container: 'main', text: 'boom\n', truncatedBytes: 0 },
      { container: 'side', text: '', truncatedBytes: 12 },
    ],
    nodeName: 'host',
    terminated: false,
    containersStartedMsAgo: 5,
  };

  it('leave out what the spec says and expand back to the same result', () => {
    const wire = compactPodRunResult(spec, full);
    expect(wire.containers[0]).toEqual({ name: 'setup', exitCode: 0 });
    expect(wire.containers[1]).toEqual({ name: 'main', exitCode: 1 });
    // An image that differs from the spec's (resolved to a digest) and an unusual reason are kept.
    expect(wire.containers[2]).toEqual({ name: 'side', exitCode: 137, reason: 'OOMKilled', message: 'killed', image: 'alpine@sha256:ab' });
    expect(wire.logs).toEqual([full.logs[1], full.logs[2]]);
    expect('terminated' in wire).toBe(false);
    expect(expandPodRunResult(spec, wire)).toEqual(full);
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(full).length * 0.7);
  });

  it('expand a full result (an older worker) to itself, and keep a termination', () => {
    expect(expandPodRunResult(spec, full)).toEqual(full);
    const stopped = { ...full, terminated: true };
    expect(expandPodRunResult(spec, compactPodRunResult(spec, stopped))).toEqual(stopped);
  });
});
