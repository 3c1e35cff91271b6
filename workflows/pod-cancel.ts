/**
 * Cancelling one pod run without a CancellationScope of its own. The SDK captures a stack trace for every promise
 * made in workflow code, and a scope per pod run costs five of them: with thousands of pods that was about a
 * quarter of the workflow thread's time. Pod runs are instead scheduled together in one non-cancellable scope,
 * and a pod is cancelled by issuing, for its activity alone, the command the SDK's scope would issue.
 *
 * This reads the SDK's activator (an internal of @temporalio/workflow, whose version is pinned): the sequence
 * number the next activity gets, whether it is still pending, and the command buffer.
 */
import { CancellationScope, IllegalStateError, patched } from '@temporalio/workflow';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';

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
