/**
 * What a pod run reports before its containers start, as the kubelet does (pkg/kubelet/images: the Pulling,
 * Pulled, Failed and BackOff events, and a container's waiting reason, ContainerCreating, ErrImagePull,
 * ImagePullBackOff). The events wait for the pod's start signal or its result, which carry them at no extra
 * cost; a podStatus signal goes out only when kubectl would show something new meanwhile: a waiting reason
 * other than ContainerCreating (a failing pull), or a pull still going after a heartbeat interval.
 */
import type { ContainerWaiting, PodEventReport, PodStatusSignal } from '../src/shared/protocol/pod-runs.js';
import { HEARTBEAT_INTERVAL_MS } from './pod-heartbeat.js';

export type PodStatusSender = (signal: PodStatusSignal) => Promise<void>;

export class PodStatus {
  private pending: PodEventReport[] = [];
  private readonly waiting = new Map<string, ContainerWaiting>();
  /** Whether the workflow was told of a waiting state it has not seen end. */
  private reportedWaiting = false;
  private timer: NodeJS.Timeout | undefined;
  /** Signals go out one after another, so the workflow sees them in order. */
  private sending: Promise<void> = Promise.resolve();
  /** Called once no container waits any more: the pod's containers have started. */
  private onNoneWaiting: (() => void) | undefined;

  constructor(
    private readonly pod: { podName: string; restartCount: number; nodeName: string },
    private readonly send: PodStatusSender,
  ) {}

  /** A kubelet event about the pod (reported with the next signal or the result). */
  event(type: PodEventReport['type'], reason: string, message: string): void {
    this.pending.push({ type, reason, message, at: Date.now() });
    if (this.waiting.size > 0) this.flushLater();
  }

  /** A container waits to start; a reason kubectl shows beyond ContainerCreating is reported at once. */
  wait(container: string, reason: string, message?: string): void {
    const previous = this.waiting.get(container);
    this.waiting.set(container, { container, reason, ...(message ? { message } : {}) });
    if (reason !== 'ContainerCreating' && (previous?.reason !== reason || previous.message !== message)) this.flushNow();
    else this.flushLater();
  }

  /**
   * Calls `started` once no container waits (at once if none does). A runtime that makes its container wait says
   * so before its first await, so the pod runner asks only after handing out all of the pod's containers.
   */
  whenNoneWaiting(started: () => void): void {
    if (this.waiting.size === 0) started();
    else this.onNoneWaiting = started;
  }

  /** The container no longer waits (its image is there): it starts now. */
  ready(container: string): void {
    if (!this.waiting.delete(container) || this.waiting.size > 0) return;
    this.onNoneWaiting?.();
    this.onNoneWaiting = undefined;
    // A pod shown as waiting is told that it no longer is, unless its start or end says so first; one never
    // shown so leaves its events to the start or the end.
    if (this.reportedWaiting) this.flushLater();
    else {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** The events not yet reported, for the start signal or the result; no later signal repeats them. */
  take(): PodEventReport[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    this.reportedWaiting = false;
    return events;
  }

  /** The container's run ended while it still waited (the pod was stopped mid-pull): it never started. */
  gaveUp(container: string): void {
    this.waiting.delete(container);
  }

  /** Stops reporting: the run has ended. */
  stop(): void {
    this.onNoneWaiting = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushLater(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, HEARTBEAT_INTERVAL_MS);
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const signal: PodStatusSignal = { ...this.pod, waiting: [...this.waiting.values()], events: this.pending };
    this.pending = [];
    this.reportedWaiting = signal.waiting.length > 0;
    this.sending = this.sending.then(() => this.send(signal)).catch(() => undefined);
  }
}
