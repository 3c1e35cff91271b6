/**
 * Cancelling one pod run without a CancellationScope of its own. The SDK captures a stack trace for every promise
 * made in workflow code, and a scope per pod run costs five of them: with thousands of pods that was about a
 * quarter of the workflow thread's time. Pod runs are instead scheduled together in one non-cancellable scope,
 * and a pod is cancelled by issuing, for its activity alone, the command the SDK's scope would issue.
 *
 * This reads the SDK's activator (an internal of @temporalio/workflow, whose version is pinned): the sequence
 * number the next activity gets, whether it is still pending, and the command buffer.
 */
import { CancellationScope, IllegalStateError, patched, proxyLocalActivities } from '@temporalio/workflow';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';
import type { createActivities } from '../activities/index.js';
import type { ControllerSettings } from '../src/shared/protocol/pod-runs.js';

/**
 * The scope pod runs are scheduled in (cancelling the workflow does not reach them; their cancellers do), or
 * none for a run started before this change: it keeps a scope per pod run, as its history has it.
 */
export function sharedPodRunScope(): CancellationScope | undefined {
  return patched('kjob-pod-runs-share-a-scope') ? new CancellationScope({ cancellable: false }) : undefined;
}

/** Runs `startRuns` inside the shared scope, entered once for all of them (entering a scope costs promises too). */
export function inPodRunScope(shared: CancellationScope | undefined, startRuns: () => void): void {
  if (shared) void shared.run(async () => startRuns());
  else startRuns();
}

/** Schedules one pod run's activity (inside `inPodRunScope`) and says how to cancel it alone. */
export function startCancellable<T>(shared: CancellationScope | undefined, schedule: () => Promise<T>): { running: Promise<T>; cancel: () => void } {
  if (!shared) {
    const scope = new CancellationScope();
    return { running: scope.run(schedule), cancel: () => scope.cancel() };
  }
  const canceller = cancellerForNextActivity();
  const running = schedule();
  canceller.confirm();
  return { running, cancel: canceller.cancel };
}

/**
 * How this workflow stops a pod run when not by cancelling its activity (undefined: it cancels). On a worker
 * for the time-skipping test server (kjob/testing): a local activity aborts the run in the worker's process.
 * Temporal's time-skipping test server mishandles a cancel of an activity whose completion reached it while the
 * workflow task that cancels it ran (a race every Job ended by one pod while others exit meets): it answers
 * ACTIVITY_UNKNOWN, keeps the half-applied task, and the workflow never gets another one. The local activity
 * never asks the server to cancel anything; a run that has already ended is simply not found. In kjob/testing
 * one worker runs the workflows and the pods, so the run is always in that process (or not started yet: the
 * worker remembers the stop for when it starts).
 */
export function inProcessPodStopper(settings: ControllerSettings): ((attemptKey: string) => void) | undefined {
  if (!settings.timeSkippingTestServer || !patched('kjob-pods-stopped-in-process')) return undefined;
  const { stopPodRuns } = proxyLocalActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '10 seconds' });
  return (attemptKey) => void stopPodRuns([attemptKey]).catch(() => undefined);
}

/**
 * A canceller for the activity the workflow schedules next: call it just before scheduling, and `confirm()`
 * just after. `cancel()` requests the activity's cancellation once, if it is still pending; with
 * WAIT_CANCELLATION_COMPLETED its promise then settles when the activity has stopped, as with a scope.
 */
function cancellerForNextActivity(): { cancel(): void; confirm(): void } {
  const activator = getActivator();
  const seq = activator.nextSeqs.activity;
  let requested = false;
  return {
    cancel() {
      if (requested || !activator.completions.activity.has(seq)) return;
      requested = true;
      activator.pushCommand({ requestCancelActivity: { seq } });
    },
    // An SDK whose scheduling no longer works this way (or an interceptor that schedules later) fails loudly here
    // rather than leaving pods that cannot be terminated.
    confirm() {
      if (!activator.completions.activity.has(seq) || activator.nextSeqs.activity !== seq + 1) {
        throw new IllegalStateError(`kjob: pod run activity was not scheduled as sequence ${seq}; workflows/pod-cancel.ts does not fit this SDK`);
      }
    },
  };
}
