/**
 * A pod's state before its containers start (an image pull): the controller keeps it Pending and uncounted while
 * its worker reports ErrImagePull and ImagePullBackOff, shows the kubelet's events for it, and forgets the waiting
 * state once the containers start; the worker's reporter sends a signal only when kubectl would show something new.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { PodStatus } from '../../activities/pod-status.js';
import { KUBELET_PULL_BACKOFF, nextPullDelay } from '../../activities/runtimes/image/image-pulls.js';
import { onPodExited, onPodStarted, onPodStatus } from '../../src/shared/controller/pod-lifecycle.js';
import { reconcile } from '../../src/shared/controller/reconcile.js';
import { renderJobStatus, renderPods } from '../../src/shared/controller/render.js';
import { newControllerState } from '../../src/shared/controller/state.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';
import { DEFAULT_CONTROLLER_SETTINGS, type PodStatusSignal } from '../../src/shared/protocol/pod-runs.js';
import { jobCurrentDetails } from '../../src/shared/protocol/web-ui-text.js';
import { podStatusColumn } from '../../src/cli/format.js';
import { describePod } from '../../src/cli/describe-pod.js';
import { eventRows } from '../../src/cli/events.js';

function jobState() {
  const [manifest] = parseJobManifests({
    metadata: { name: 'pi' },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34.0' }] } } },
  });
  const job = materializeJob(manifest!, { uid: 'uid', creationTimestamp: '2026-01-01T00:00:00Z', random: Math.random });
  return newControllerState(job, DEFAULT_CONTROLLER_SETTINGS);
}
let counter = 0;
const ids = { random: Math.random, uuid: () => `uid-${counter++}` };
const at = (s: number) => Date.parse('2026-01-01T00:00:00Z') + s * 1000;

describe('the controller, told of an image pull that fails', () => {
  test('the pod stays Pending in ImagePullBackOff, uncounted, with the kubelet events; its start clears it', () => {
    const s = jobState();
    const [pod] = reconcile(s, at(0), ids).start;
    const failed = `Failed to pull image "perl:5.34.0": manifest unknown`;
    const report = (waiting: PodStatusSignal['waiting'], events: PodStatusSignal['events']): PodStatusSignal => ({
      podName: pod!.name,
      restartCount: 0,
      nodeName: 'node-a',
      waiting,
      events,
    });
    onPodStatus(s, report([{ container: 'pi', reason: 'ErrImagePull', message: 'manifest unknown' }], [
      { type: 'Normal', reason: 'Pulling', message: 'Pulling image "perl:5.34.0"', at: at(1) },
      { type: 'Warning', reason: 'Failed', message: failed, at: at(1) },
    ]));
    onPodStatus(s, report([{ container: 'pi', reason: 'ImagePullBackOff', message: 'Back-off pulling image "perl:5.34.0"' }], [
      { type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image "perl:5.34.0"', at: at(2) },
      { type: 'Normal', reason: 'Pulling', message: 'Pulling image "perl:5.34.0"', at: at(12) },
      { type: 'Warning', reason: 'Failed', message: failed, at: at(12) },
    ]));
    const [rendered] = renderPods(s);
    expect(rendered!.status.phase).toBe('Pending');
    expect(rendered!.spec.nodeName).toBe('node-a');
    expect(rendered!.status.containerStatuses?.[0]?.state).toEqual({
      waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "perl:5.34.0"' },
    });
    expect(podStatusColumn(rendered!)).toBe('ImagePullBackOff');
    expect(renderJobStatus(s)).toMatchObject({ active: 1, ready: 0 });
    expect(renderJobStatus(s).failed).toBeUndefined();
    // Repeats count up, as the event correlator aggregates the kubelet's events.
    const podEvents = s.events.filter((e) => e.involvedObject?.name === pod!.name);
    expect(podEvents.map((e) => [e.reason, e.count])).toEqual([
      ['Pulling', 2],
      ['Failed', 2],
      ['BackOff', 1],
    ]);
    expect(podEvents[1]!.lastTimestamp).toBe('2026-01-01T00:00:12Z');
    expect(jobCurrentDetails({ ...s.job, status: renderJobStatus(s) }, null, [
      { pod: pod!.name, reason: 'ImagePullBackOff', message: 'Back-off pulling image "perl:5.34.0"' },
    ])).toContain(`Pod ${pod!.name}: **ImagePullBackOff**: Back-off pulling image "perl:5.34.0"`);
    const described = describePod(rendered!, s.events, at(20));
    expect(described).toMatch(/Reason:\s+ImagePullBackOff/);
    expect(described).toMatch(/Warning\s+Failed\s+8s \(x2 over 19s\)\s+kubelet\s+Failed to pull image "perl:5.34.0": manifest unknown/);
    expect(eventRows(s.events.map((event) => ({ job: 'pi', event })), at(20))).toContain(`Pod/${pod!.name}`);

    onPodStarted(s, { podName: pod!.name, restartCount: 0, nodeName: 'node-a', events: [
      { type: 'Normal', reason: 'Pulled', message: 'Successfully pulled image "perl:5.34.0" in 1.2s', at: at(30) },
    ] }, at(31));
    expect(renderPods(s)[0]!.status.phase).toBe('Running');
    expect(renderPods(s)[0]!.status.containerStatuses?.[0]?.state).toHaveProperty('running');
    expect(s.events.at(-1)).toMatchObject({ reason: 'Pulled', involvedObject: { kind: 'Pod', name: pod!.name } });
    onPodExited(s, pod!.name, { kind: 'exited', result: { containers: [{ name: 'pi', image: 'perl:5.34.0', init: false, exitCode: 0, reason: 'Completed' }], logs: [], nodeName: 'node-a', terminated: false } }, at(40));
    expect(renderJobStatus(s)).toMatchObject({ succeeded: 1 });
  });

  test('a report for an earlier run, or a finished pod, changes nothing', () => {
    const s = jobState();
    const [pod] = reconcile(s, at(0), ids).start;
    onPodStatus(s, { podName: pod!.name, restartCount: 3, nodeName: 'n', waiting: [{ container: 'pi', reason: 'ErrImagePull' }], events: [] });
    expect(pod!.waiting).toBeUndefined();
    onPodStatus(s, { podName: 'nope', restartCount: 0, nodeName: 'n', waiting: [{ container: 'pi', reason: 'ErrImagePull' }], events: [] });
    expect(s.events).toHaveLength(1); // SuccessfulCreate only
  });
});

describe("the worker's reporter", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const reporter = () => {
    const sent: PodStatusSignal[] = [];
    const status = new PodStatus({ podName: 'p', restartCount: 0, nodeName: 'n' }, async (signal) => void sent.push(signal));
    return { status, sent };
  };

  test('a quick pull sends nothing: its events go with the start or the result', async () => {
    const { status, sent } = reporter();
    let started = false;
    status.wait('c', 'ContainerCreating');
    status.event('Normal', 'Pulling', 'Pulling image "x"');
    status.whenNoneWaiting(() => (started = true));
    expect(started).toBe(false);
    status.event('Normal', 'Pulled', 'Successfully pulled image "x"');
    status.ready('c');
    expect(started).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual([]);
    expect(status.take().map((e) => e.reason)).toEqual(['Pulling', 'Pulled']);
  });

  test('a long pull is shown after 10 s; a failing one at once, then only what is new: a back-off of days sends a handful', async () => {
    const { status, sent } = reporter();
    status.wait('c', 'ContainerCreating');
    status.event('Normal', 'Pulling', 'Pulling image "x"');
    await vi.advanceTimersByTimeAsync(9_000);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ waiting: [{ container: 'c', reason: 'ContainerCreating' }], events: [{ reason: 'Pulling' }] });
    for (let retry = 0; retry < 1000; retry++) {
      status.event('Warning', 'Failed', 'Failed to pull image "x": manifest unknown');
      status.wait('c', 'ErrImagePull', 'manifest unknown');
      status.event('Normal', 'BackOff', 'Back-off pulling image "x"');
      status.wait('c', 'ImagePullBackOff', 'Back-off pulling image "x"');
      status.event('Normal', 'Pulling', 'Pulling image "x"');
      await vi.advanceTimersByTimeAsync(300_000);
    }
    expect(sent.map((s) => s.waiting[0]!.reason)).toEqual(['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
    // A new failure is news again.
    status.wait('c', 'ErrImagePull', 'connection refused');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(4);
    // The retries since are counted into the events the next report carries.
    const { events } = sent[3]!;
    expect(events.find((e) => e.reason === 'Failed')).toMatchObject({ count: 999 });
    expect(events.find((e) => e.reason === 'BackOff')).toMatchObject({ count: 999 });
    expect(events.find((e) => e.reason === 'Pulling')).toMatchObject({ count: 1000 });
    expect(status.take()).toEqual([]);
  });

  test('a container that never waits starts at once', () => {
    const { status } = reporter();
    let started = false;
    status.whenNoneWaiting(() => (started = true));
    expect(started).toBe(true);
  });
});

describe("the kubelet's image pull back-off", () => {
  test('10 s doubling up to 300 s', () => {
    const delays = [KUBELET_PULL_BACKOFF.initialMs];
    for (let i = 0; i < 7; i++) delays.push(nextPullDelay(delays.at(-1)!, KUBELET_PULL_BACKOFF));
    expect(delays.map((ms) => ms / 1000)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  });
});
