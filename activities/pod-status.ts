/**
 * What a pod run reports before its containers start, as the kubelet does (pkg/kubelet/images: the Pulling,
 * Pulled, Failed and BackOff events, and a container's waiting reason, ContainerCreating, ErrImagePull,
 * ImagePullBackOff). The events wait for the pod's start signal or its result, which carry them at no extra
 * cost; a repeated event is counted, not kept twice. A podStatus signal goes out only when kubectl would show
 * something new: a waiting state not reported before in this run (the first ErrImagePull, the first
 * ImagePullBackOff, a new failure message), or a pull still going after 10 s. A pod that backs off for days
 * thus sends a handful of signals, not one per retry: the Job's history stays bounded.
 */
import type { ContainerWaiting, PodEventReport, PodStatusSignal } from '../src/shared/protocol/pod-runs.js';

export type PodStatusSender = (signal: PodStatusSignal) => Promise<void>;

/** A pull running this long is shown as ContainerCreating (with its Pulling event) before it ends. */
export const SLOW_PULL_MS = 10_000;
/** Signals one pod run sends at most, whatever its registry answers. */
const MAX_SIGNALS_PER_RUN = 20;

export class PodStatus {
  /** The events not reported yet, a repeat counted into the first. */
  private pending: PodEventReport[] = [];
  private readonly waiting = new Map<string, ContainerWaiting>();
  /** The waiting states already signalled in this run. */
  private readonly reported = new Set<string>();
  private signals = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Signals go out one after another, so the workflow sees them in order. */
  private sending: Promise<void> = Promise.resolve();
  /** Called once no container waits any more: the pod's containers have started. */
  private onNoneWaiting: (() => void) | undefined;

  constructor(
    private readonly pod: { podName: string; restartCount: number; nodeName: string },
    private readonly send: PodStatusSender,
  ) {}

  /** A kubelet event about the pod (reported with the next signal, the start or the result). */
  event(type: PodEventReport['type'], reason: string, message: string): void {
    const same = this.pending.find((e) => e.type === type && e.reason === reason && e.message === message);
    if (same) {
      same.count = (same.count ?? 1) + 1;
      same.at = Date.now();
    } else this.pending.push({ type, reason, message, at: Date.now() });
  }

  /** A container waits to start: a state kubectl has not shown in this run is reported at once. */
  wait(container: string, reason: string, message?: string): void {
    this.waiting.set(container, { container, reason, ...(message ? { message } : {}) });
    const key = `${container}\0${reason}\0${message ?? ''}`;
    if (this.reported.has(key)) return;
    if (reason !== 'ContainerCreating') this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), SLOW_PULL_MS);
  }

  /**
   * Calls `started` once no container waits (at once if none does). A runtime that makes its container wait says
   * so before its first await, so the pod runner asks only after handing out all of the pod's containers.
   */
  whenNoneWaiting(started: () => void): void {
    if (this.waiting.size === 0) started();
    else this.onNoneWaiting = started;
  }

  /** The container no longer waits (its image is there): it starts now; its start or end tells the workflow. */
  ready(container: string): void {
    if (!this.waiting.delete(container) || this.waiting.size > 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onNoneWaiting?.();
    this.onNoneWaiting = undefined;
  }

  /** The events not yet reported, for the start signal or the result; no later signal repeats them. */
  take(): PodEventReport[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    return events;
  }

  /**
   * The container's run ended while it still waited: stopped mid-pull (it never started), or failed inside
   * kjob. Its siblings that run make the pod started, unless the pod was stopped.
   */
  gaveUp(container: string, stopped: boolean): void {
    if (!this.waiting.has(container)) return;
    if (stopped) this.waiting.delete(container);
    else this.ready(container);
  }

  /** Stops reporting: the run has ended. */
  stop(): void {
    this.onNoneWaiting = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.signals >= MAX_SIGNALS_PER_RUN) return;
    this.signals++;
    const waiting = [...this.waiting.values()];
    for (const w of waiting) this.reported.add(`${w.container}\0${w.reason}\0${w.message ?? ''}`);
    const signal: PodStatusSignal = { ...this.pod, waiting, events: this.pending };
    this.pending = [];
    this.sending = this.sending.then(() => this.send(signal)).catch(() => undefined);
  }
}
