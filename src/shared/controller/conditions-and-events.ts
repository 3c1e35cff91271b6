/**
 * The Job's conditions and events as the controller records them: a condition is appended as True; an event
 * repeating the last one only counts up, many of one reason are combined (as the event recorder does), and the
 * latest 500 are kept.
 * A pod's events (the kubelet's, reported by the worker) go to the same list, naming the pod; one that repeats an
 * earlier event of its pod counts that one up, as the event correlator does with the kubelet's BackOff.
 */
import type { JobCondition, JobConditionType, JobEvent } from '../kubernetes-types.js';
import type { PodEventReport } from '../protocol/pod-runs.js';
import type { JobControllerState } from './state.js';
import { rfc3339 } from './timestamps.js';

const MAX_EVENTS = 500;

export function findCondition(state: JobControllerState, type: JobConditionType): JobCondition | undefined {
  return state.conditions.find((c) => c.type === type && c.status === 'True');
}

/**
 * client-go's EventAggregator (tools/record/events_cache.go, EventAggregatorByReasonFunc): events about the Job
 * of one type and reason with different messages, each within 10 minutes of the last, are counted by message;
 * the one that makes 10 distinct messages and all after it become one event whose count grows and whose
 * message is the latest one's, prefixed (EventAggregatorByReasonMessageFunc). A wide Job's thousands of
 * `Created pod` events thus stay ten. Only for Jobs whose settings say so (settings.combineSimilarEvents): Jobs
 * of older workers keep every event.
 */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_WITHIN_MS = 600_000;
export const COMBINED_PREFIX = '(combined from similar events): ';

export function addEvent(state: JobControllerState, type: JobEvent['type'], reason: string, message: string, now: number): void {
  const last = state.events[state.events.length - 1];
  if (last && last.reason === reason && last.message === message && last.type === type) {
    last.count++;
    last.lastTimestamp = rfc3339(now);
    return;
  }
  const similar = state.settings.combineSimilarEvents
    ? state.events.filter((e) => !e.involvedObject && e.type === type && e.reason === reason && now - Date.parse(e.lastTimestamp) < AGGREGATE_WITHIN_MS)
    : [];
  if (new Set(similar.map((e) => e.message)).add(message).size >= AGGREGATE_MAX_EVENTS) {
    const combined = similar.find((e) => e.message.startsWith(COMBINED_PREFIX));
    if (combined) {
      combined.count++;
      combined.message = `${COMBINED_PREFIX}${message}`;
      combined.lastTimestamp = rfc3339(now);
      return;
    }
    message = `${COMBINED_PREFIX}${message}`;
  }
  state.events.push({ type, reason, message, count: 1, firstTimestamp: rfc3339(now), lastTimestamp: rfc3339(now) });
  if (state.events.length > MAX_EVENTS) state.events.shift();
}

/** Records the worker's events about a pod. */
export function addPodEvents(state: JobControllerState, podName: string, reports: readonly PodEventReport[]): void {
  for (const { type, reason, message, at, count = 1 } of reports) {
    const same = state.events.find(
      (e) => e.involvedObject?.name === podName && e.reason === reason && e.message === message && e.type === type,
    );
    if (same) {
      same.count += count;
      same.lastTimestamp = rfc3339(at);
      continue;
    }
    state.events.push({ type, reason, message, involvedObject: { kind: 'Pod', name: podName }, count, firstTimestamp: rfc3339(at), lastTimestamp: rfc3339(at) });
    if (state.events.length > MAX_EVENTS) {
      // Pods' events go first: a wide Job's thousands of pods must not push out the Job's own events.
      const oldestPodEvent = state.events.findIndex((e) => e.involvedObject);
      state.events.splice(oldestPodEvent, 1);
    }
  }
}

export function addCondition(state: JobControllerState, type: JobConditionType, reason: string, message: string, now: number): void {
  const time = rfc3339(now);
  state.conditions.push({ type, status: 'True', reason, message, lastProbeTime: time, lastTransitionTime: time });
}
