/** The Job's events as the event recorder keeps them (src/shared/controller/conditions-and-events.ts). */
import { expect, test } from 'vitest';
import { addEvent, COMBINED_PREFIX } from '../../src/shared/controller/conditions-and-events.js';
import { newControllerState } from '../../src/shared/controller/state.js';
import { DEFAULT_CONTROLLER_SETTINGS } from '../../src/shared/protocol/pod-runs.js';

const state = () => newControllerState({ metadata: { name: 'j', namespace: 'default', uid: 'u' } } as never, DEFAULT_CONTROLLER_SETTINGS);

test('from the tenth message of one reason within ten minutes, events are combined into one, as client-go aggregates them', () => {
  const s = state();
  const t0 = Date.parse('2026-12-04T10:00:00Z');
  for (let i = 0; i < 1000; i++) addEvent(s, 'Normal', 'SuccessfulCreate', `Created pod: j-${i}`, t0 + i * 100);
  // EventAggregate: fewer than maxEvents (10) distinct messages pass as they are; the tenth is the aggregate's first.
  expect(s.events).toHaveLength(10);
  expect(s.events.slice(0, 9).map((e) => e.message)).toEqual(Array.from({ length: 9 }, (_, i) => `Created pod: j-${i}`));
  expect(s.events[9]).toMatchObject({ message: `${COMBINED_PREFIX}Created pod: j-999`, count: 991 });
  // Another reason is not combined with them; the same reason after ten quiet minutes starts afresh.
  addEvent(s, 'Normal', 'Completed', 'Job completed', t0 + 100_000);
  expect(s.events.at(-1)).toMatchObject({ reason: 'Completed', message: 'Job completed', count: 1 });
  addEvent(s, 'Normal', 'SuccessfulCreate', 'Created pod: j-late', t0 + 100_000 + 700_000);
  expect(s.events.at(-1)).toMatchObject({ message: 'Created pod: j-late', count: 1 });
});

test('an event repeating the last one counts it up', () => {
  const s = state();
  for (let i = 0; i < 3; i++) addEvent(s, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 1000 * i);
  expect(s.events).toEqual([expect.objectContaining({ count: 3 })]);
});

test('a Job of an older worker (settings without combineSimilarEvents) keeps every event', () => {
  const { combineSimilarEvents: _, ...older } = DEFAULT_CONTROLLER_SETTINGS;
  const s = newControllerState({ metadata: { name: 'j', namespace: 'default', uid: 'u' } } as never, older);
  for (let i = 0; i < 30; i++) addEvent(s, 'Normal', 'SuccessfulCreate', `Created pod: j-${i}`, i);
  expect(s.events).toHaveLength(30);
});
