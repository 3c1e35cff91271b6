/**
 * What one variant's run in one round measured (bench/run.ts makes them, bench/report.ts prints them), and the
 * variants' names.
 */
import type { HistoryFigures } from './history.js';
import type { CpuTimes } from './proc.js';
import type { ProfileSummary } from './profile-summary.js';
import type { LatencySummary, StartLatencySummary } from './start-latency.js';
import type { Variant } from './worker-child.js';

export const VARIANTS: Variant[] = ['baseline', 'handler', 'once', 'command', 'image'];
export const LABEL: Record<Variant, string> = {
  baseline: 'baseline (Temporal fan-out)',
  handler: 'kjob handler pods',
  once: 'kjob handler pods, one ctx.once each',
  command: 'kjob command pods (host)',
  image: 'kjob image pods (cached)',
};

export interface VariantResult {
  round: number;
  variant: Variant;
  pods: number;
  parallelism: number;
  workflowId: string;
  ok: boolean;
  error?: string;
  /** Pods (activities) that ran to the end. */
  podsFinished: number;
  firstPodStartMs: number | null;
  wallMs: number;
  podsPerSecond: number | null;
  /** Pods per second between the first pod's start and the last pod's end. */
  steadyPodsPerSecond: number | null;
  /** kjob pods/s over baseline pods/s in the same round. */
  ratio: number | null;
  /**
   * CPU per pod (worker, its pod processes and the server) of the baseline over this variant's, same round:
   * what the throughput ratio becomes when the machine is CPU-bound, and far less noisy than wall time.
   */
  cpuRatio: number | null;
  maxInFlight: number;
  worker: {
    pid: number;
    rssReadyBytes: number | null;
    /** VmHWM after a reset at ready, or (where /proc/PID/clear_refs is not writable) the largest 50 ms sample. */
    peakRssBytes: number | null;
    peakRssMethod: 'VmHWM reset at ready' | 'VmRSS sampled every 50 ms';
    sampledPeakRssBytes: number;
    cpuMs: CpuTimes | null;
  };
  serverCpuMs: number | null;
  /** Scheduled → activity start, and scheduled → the pod's work begins (start-latency.ts); null if not read. */
  startLatency: StartLatencySummary | null;
  /** The once variant: each ctx.once call's time in the handler (claim, the no-op, commit). */
  onceMs?: LatencySummary | null;
  /** Sum of the pods' activity durations, ms. */
  busyMs?: number;
  history: HistoryFigures | null;
  profile?: ProfileSummary;
}

/** Worker, pod processes and server CPU per pod, ms. */
export function totalCpuPerPod(r: VariantResult): number | null {
  const cpu = r.worker.cpuMs;
  if (!cpu || r.serverCpuMs == null) return null;
  return (cpu.selfMs + cpu.childrenMs + r.serverCpuMs) / r.pods;
}
