/**
 * Per-pod start latency: from the pod activity's scheduling (the server's ActivityTaskScheduled, written when
 * the workflow task that created the pod completes) to the moment the pod's work begins. For command and image
 * pods that moment is read by the container itself: their no-op command is busybox's `adjtimex`, which reads the
 * kernel's clock (CLOCK_REALTIME, in µs) and prints it, so the figure covers everything before the container's
 * process runs (dispatch, the image lookup, the container's root and sandbox, the exec). The server, the worker
 * and the containers share this host's clock. Also its two parts: the dispatch (scheduled → activity started:
 * the server's queue, and the worker's poll) and the pod's own start in the worker (activity started → work
 * begins), the part a runtime costs; at high parallelism the server's queue dominates the sum.
 */

/** The no-op of command and image pods: `busybox` is the host's busybox-static, or the image's copy of it. */
export const CLOCK_COMMAND = ['busybox', 'adjtimex'];

/** adjtimex(2) reports `time` in ns rather than µs when the status has STA_NANO. */
const STA_NANO = 0x2000;

/** The wall-clock time busybox adjtimex printed, in ms; undefined when the log is not its output. */
export function containerClockMs(log: string): number | undefined {
  const seconds = /time\.tv_sec:\s+(\d+)/.exec(log)?.[1];
  const fraction = /time\.tv_usec:\s+(\d+)/.exec(log)?.[1];
  const status = /status:\s+(\d+)/.exec(log)?.[1];
  if (seconds === undefined || fraction === undefined) return undefined;
  const perMs = status !== undefined && (Number(status) & STA_NANO) !== 0 ? 1e6 : 1e3;
  return Number(seconds) * 1000 + Number(fraction) / perMs;
}

/** The first container log of a pod activity's result (kjob's PodRunResult), if it has one. */
export function firstContainerLog(result: unknown): string | undefined {
  const logs = (result as { logs?: { text?: unknown }[] } | null)?.logs;
  const text = Array.isArray(logs) ? logs[0]?.text : undefined;
  return typeof text === 'string' ? text : undefined;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Median, 95th percentile (nearest rank) and mean, ms. */
export function summarise(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
  return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

/** A pod activity's times, ms since the epoch: scheduled (server time), started (Date.now() in the worker). */
export interface ActivityTimes {
  scheduledMs: number;
  startedMs: number;
}

/** What one worker saw: each pod's dispatch and start latency, and the pods whose start it could not read. */
export class StartLatencies {
  private readonly dispatch: number[] = [];
  private readonly inWorker: number[] = [];
  private readonly start: number[] = [];
  unmeasured = 0;

  dispatched({ scheduledMs, startedMs }: ActivityTimes): void {
    this.dispatch.push(startedMs - scheduledMs);
  }

  /** The pod's work began at `atMs`, or could not be told (undefined). */
  started({ scheduledMs, startedMs }: ActivityTimes, atMs: number | undefined): void {
    if (atMs === undefined) {
      this.unmeasured++;
      return;
    }
    this.inWorker.push(atMs - startedMs);
    this.start.push(atMs - scheduledMs);
  }

  summary(): StartLatencySummary {
    return { dispatchMs: summarise(this.dispatch), inWorkerMs: summarise(this.inWorker), startMs: summarise(this.start), unmeasured: this.unmeasured };
  }
}

export interface StartLatencySummary {
  /** Scheduled → activity started. */
  dispatchMs: LatencySummary | null;
  /** Activity started → the pod's work begins. */
  inWorkerMs: LatencySummary | null;
  /** Scheduled → the pod's work begins. */
  startMs: LatencySummary | null;
  unmeasured: number;
}
