/** The stall watch over a scripted workflow history (the clock faked): what is a stall, and what is not. */
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { watchForStall } from '../../src/client/stall-watch.js';

const E = proto.temporal.api.enums.v1.EventType;
type Event = { eventId: number; eventType: number; workflowTaskFailedEventAttributes?: { failure: { message: string } } };

/** A handle whose history is whatever `events()` gives at each look. */
const handleWith = (events: () => Event[]) => ({ fetchHistory: async () => ({ events: events() }) }) as unknown as WorkflowHandle;
const history = (...types: number[]): Event[] => types.map((eventType, i) => ({ eventId: i + 1, eventType }));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('watchForStall', () => {
  test('a workflow task that keeps failing, with nothing else happening, is a stall', async () => {
    const events = history(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    events.push({ eventId: 4, eventType: E.EVENT_TYPE_WORKFLOW_TASK_FAILED, workflowTaskFailedEventAttributes: { failure: { message: 'boom' } } });
    let look = 0;
    // Every look, one more retry of the task: the history grows, but only by workflow task events.
    const handle = handleWith(() => {
      look++;
      return [...events, ...history(...Array.from({ length: look }, () => E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)).map((e) => ({ ...e, eventId: e.eventId + 4 }))];
    });
    const watch = watchForStall(handle, 'jobs.batch "x"', 10_000);
    const seen = watch.stalled.catch((error: Error) => error);
    await vi.advanceTimersByTimeAsync(14_000);
    const error = await seen;
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^jobs\.batch "x": no progress for 1\d s; the workflow's last history event is #\d+ WorkflowTaskScheduled, a workflow task no worker completes; the last workflow task failure: "boom"$/);
    watch.stop();
  });

  test('a Job whose pods run long is no stall: its last event is not a workflow task', async () => {
    const handle = handleWith(() =>
      history(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    );
    const watch = watchForStall(handle, 'x', 10_000);
    let stalled = false;
    watch.stalled.catch(() => (stalled = true));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stalled).toBe(false);
    watch.stop();
  });

  test('a workflow task open shorter than the limit is no stall, and progress starts the count over', async () => {
    let events = history(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const handle = handleWith(() => events);
    const watch = watchForStall(handle, 'x', 10_000);
    let stalled = false;
    watch.stalled.catch(() => (stalled = true));
    await vi.advanceTimersByTimeAsync(8_000);
    // The task completes and schedules an activity, whose end schedules the next task.
    events = history(
      E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
      E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    );
    await vi.advanceTimersByTimeAsync(8_000);
    expect(stalled).toBe(false);
    watch.stop();
  });
});
