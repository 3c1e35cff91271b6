/**
 * A Job that cannot make progress must fail the wait for it, not hang it. On Temporal's time-skipping test server
 * a result is answered only once the workflow ends, so a workflow whose tasks keep failing (a nondeterministic
 * change, a bug, a server fault) would be awaited for ever, and with it every result queued behind (kjob/testing
 * awaits results one at a time). While a result is awaited, its history is looked at every few seconds: when for
 * `stallMs` nothing but a workflow task's scheduling, start, failure or timeout has happened, and such a task is
 * the last event, it is a task no worker completes.
 * A Job whose pods simply run long is not stalled: its last event is not a workflow task. Not caught: a worker
 * whose event loop is blocked for `stallMs` (a synchronous handler) looks stalled; a local activity retried for
 * ever inside its workflow task keeps completing tasks and does not. Each look fetches the whole history, which
 * is fine for tests (kjob/testing), not meant for long Jobs on a real cluster.
 */
import type { WorkflowHandle } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';
import { KjobError } from '../shared/errors.js';

// @temporalio/proto is CommonJS: Node's ESM loader gives it as the default export only.
const EventType = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const POLL_MS = 2_000;
/** A last event that leaves a workflow task to do: one scheduled or started, or one that failed or timed out (retried). */
const WORKFLOW_TASK_OPEN = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** `EVENT_TYPE_WORKFLOW_TASK_STARTED` → `WorkflowTaskStarted`, as the Web UI names events. */
function eventName(type: number | null | undefined): string {
  const name = EventType[type ?? 0] ?? `event type ${type}`;
  return name.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Why the workflow tasks since the last completed one did not complete: the latest failure, else a timeout. */
function lastTaskFailure(events: HistoryEvent[]): string {
  let timedOut = false;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    const failure = event.workflowTaskFailedEventAttributes?.failure?.message;
    if (failure) return `; the last workflow task failure: ${JSON.stringify(failure)}`;
    timedOut ||= event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT;
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) break;
  }
  return timedOut ? '; the last workflow task timed out' : '';
}

/** What the watch rejects with: a workflow that no worker moves on. */
export class WorkflowStalledError extends KjobError {
  override name = 'WorkflowStalledError';
  constructor(message: string) {
    super(message, 'Timeout');
  }
}

/**
 * Rejects once the workflow behind `handle` has stalled (see above); `stop()` ends the watch. `what` names the
 * Job and what was awaited, for the error.
 */
export function watchForStall(handle: WorkflowHandle, what: string, stallMs: number): { stalled: Promise<never>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const stalled = new Promise<never>((_, reject) => {
    let seen = { progress: -1, since: Date.now() };
    const check = async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      if (stopped) return;
      const last = events[events.length - 1];
      // Progress is any event but a workflow task's scheduling, start, failure or timeout: a task that keeps
      // failing (or timing out) adds those events on every retry, and nothing else.
      let progress = events.length - 1;
      while (progress >= 0 && WORKFLOW_TASK_OPEN.has(events[progress]!.eventType ?? 0)) progress--;
      if (progress !== seen.progress || !WORKFLOW_TASK_OPEN.has(last?.eventType ?? 0)) seen = { progress, since: Date.now() };
      else if (Date.now() - seen.since >= stallMs) {
        const seconds = Math.round((Date.now() - seen.since) / 1000);
        reject(
          new WorkflowStalledError(
            `${what}: no progress for ${seconds} s; the workflow's last history event is #${last?.eventId} ${eventName(last?.eventType)}, ` +
              `a workflow task no worker completes${lastTaskFailure(events)}`,
          ),
        );
        return;
      }
      timer = setTimeout(poll, POLL_MS);
    };
    // A failed look (the server busy, the workflow just deleted) is tried again at the next poll.
    const poll = () => void check().catch(() => !stopped && (timer = setTimeout(poll, POLL_MS)));
    timer = setTimeout(poll, POLL_MS);
  });
  stalled.catch(() => undefined);
  return {
    stalled,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
