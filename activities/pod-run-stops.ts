/**
 * Pod runs stopped through the worker that runs them, rather than by cancelling their activities: on a worker
 * for the time-skipping test server (kjob/testing), the Job's workflow stops a pod with the `stopPodRuns`
 * local activity, which runs in this process (workflows/pod-cancel.ts says why). A stop can come before its run
 * has started here (the activity not picked up yet): it is remembered, and the run stops as soon as it starts.
 */
import { eitherAborts } from './either-aborts.js';

/** Stops remembered for runs that have not started; more than this and the oldest are forgotten. */
const EARLY_STOPS_KEPT = 10_000;

export class PodRunStops {
  private readonly running = new Map<string, AbortController>();
  private readonly early = new Set<string>();

  /** The run's termination: it aborts when the activity is cancelled or the run is stopped here. */
  track(attemptKey: string, cancellation: AbortSignal): AbortSignal & { release(): void } {
    const stopped = new AbortController();
    if (this.early.delete(attemptKey)) stopped.abort(new Error('the pod was stopped by its Job'));
    else this.running.set(attemptKey, stopped);
    const termination = eitherAborts(cancellation, stopped.signal);
    const release = termination.release;
    return Object.assign(termination, {
      release: () => {
        release();
        this.running.delete(attemptKey);
      },
    });
  }

  stop(attemptKeys: readonly string[]): void {
    for (const key of attemptKeys) {
      const run = this.running.get(key);
      if (run) run.abort(new Error('the pod was stopped by its Job'));
      else this.remember(key);
    }
  }

  private remember(key: string): void {
    this.early.add(key);
    if (this.early.size > EARLY_STOPS_KEPT) this.early.delete(this.early.values().next().value!);
  }
}
