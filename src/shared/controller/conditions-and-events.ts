/**
 * The Job's conditions and events as the controller records them: a condition is appended as True; an event
 * repeating the last one only counts up (as the event recorder aggregates them), and the latest 500 are kept.
 */
import type { JobCondition, JobConditionType, JobEvent } from '../kubernetes-types.js';
import type { JobControllerState } from './state.js';
import { rfc3339 } from './timestamps.js';

const MAX_EVENTS = 500;

export function findCondition(state: JobControllerState, type: JobConditionType): JobCondition | undefined {
  return state.conditions.find((c) => c.type === type && c.status === 'True');
}

export function addEvent(state: JobControllerState, type: JobEvent['type'], reason: string, message: string, now: number): void {
  const last = state.events[state.events.length - 1];
  if (last && last.reason === reason && last.message === message && last.type === type) {
    last.count++;
    last.lastTimestamp = rfc3339(now);
    return;
  }
  state.events.push({ type, reason, message, count: 1, firstTimestamp: rfc3339(now), lastTimestamp: rfc3339(now) });
  if (state.events.length > MAX_EVENTS) state.events.shift();
}

export function addCondition(state: JobControllerState, type: JobConditionType, reason: string, message: string, now: number): void {
  const time = rfc3339(now);
  state.conditions.push({ type, status: 'True', reason, message, lastProbeTime: time, lastTransitionTime: time });
}
