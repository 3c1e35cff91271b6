/**
 * Pod runs stopped through the worker that runs them, rather than by cancelling their activities: on a worker
 * for the time-skipping test server (kjob/testing), the Job's workflow stops a pod with the `stopPodRuns`
 * local activity, which runs in this process (workflows/pod-cancel.ts says why). A stop can come before its run
 * has started here (the activity not picked up yet): it is remembered, and the run stops as soon as it starts.
 */
import { eitherAborts } from './either-aborts.js';

/** Keys remembered (stops of runs not started yet, and runs that have ended); beyond this the oldest go. */
const KEYS_KEPT = 10_000;

export class PodRunStops {
  private readonly running = new Map<string, AbortController>();
  /** Stops that came before their run started here. */
  private readonly early = new BoundedSet(KEYS_KEPT);
  /** Runs that have ended: a stop that comes after its run's end (the race the stops exist for) is no early one. */
  private readonly ended = new BoundedSet(KEYS_KEPT);

  /** The run's termination: it aborts when the activity is cancelled or the run is stopped here. */
  track(attemptKey: string, cancellation: AbortSignal): AbortSignal & { release(): void } {
    const stopped = new AbortController();
    if (this.early.delete(attemptKey)) stopped.abort(STOPPED);
    else this.running.set(attemptKey, stopped);
    const termination = eitherAborts(cancellation, stopped.signal);
    const release = termination.release;
    return Object.assign(termination, {
      release: () => {
        release();
        if (this.running.get(attemptKey) === stopped) this.running.delete(attemptKey);
        this.ended.add(attemptKey);
      },
    });
  }

  /** Stops the runs of these keys that run here now (a batch's stop list names pods of other workers too). */
  stopRunning(attemptKeys: readonly string[]): void {
    for (const key of attemptKeys) this.running.get(key)?.abort(STOPPED);
  }

  stop(attemptKeys: readonly string[]): void {
    for (const key of attemptKeys) {
      const run = this.running.get(key);
      if (run) run.abort(STOPPED);
      else if (!this.ended.has(key)) this.early.add(key);
    }
  }
}

const STOPPED = new Error('the pod was stopped by its Job');

/** A set that forgets its oldest members beyond a size (insertion order). */
class BoundedSet {
  private readonly members = new Set<string>();
  constructor(private readonly limit: number) {}
  has(key: string): boolean {
    return this.members.has(key);
  }
  add(key: string): void {
    this.members.add(key);
    if (this.members.size > this.limit) this.members.delete(this.members.values().next().value!);
  }
  delete(key: string): boolean {
    return this.members.delete(key);
  }
}
