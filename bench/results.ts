/**
 * What one variant's run in one round measured (bench/run.ts makes them, bench/report.ts prints them).
 */
import type { HistoryFigures } from './history.js';
import type { CpuTimes } from './proc.js';
import type { ProfileSummary } from './profile-summary.js';
import type { LatencySummary, StartLatencySummary } from './start-latency.js';
import type { RssMilestone } from './rss-milestones.js';
import type { Variant } from './variants.js';

export interface VariantResult {
  round: number;
  variant: Variant;
  pods: number;
  parallelism: number;
  workflowId: string;
  ok: boolean;
  error?: string;
  /** Pods that ran to the end (a batch activity's pods one by one; the spawn floor's spawns). */
  podsFinished: number;
  firstPodStartMs: number | null;
  wallMs: number;
  podsPerSecond: number | null;
  /** Pods per second between the first pod's start and the last pod's end. */
  steadyPodsPerSecond: number | null;
  /** This variant's pods/s over the baseline's in the same round. */
  ratio: number | null;
  /** Command variants: pods/s over the spawn floor's in the same round (how close kjob is to the host's limit). */
  floorFraction: number | null;
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
  /** The worker's RSS when every 10% of the pods had ended (the 5 s stats polls and the final one). */
  rssMilestones: RssMilestone[];
  /** Scheduled → activity start, and scheduled → the pod's work begins (start-latency.ts); null if not read. */
  startLatency: StartLatencySummary | null;
  /** The once variant: each ctx.once call's time in the handler (claim, the no-op, commit). */
  onceMs?: LatencySummary | null;
  /** Sum of the pods' activity durations, ms. */
  busyMs?: number;
  /** Every run on the variant's task queue; null for the spawn floor, which has none. */
  history: HistoryFigures | null;
  profile?: ProfileSummary;
}

/** Worker, pod processes and server CPU per pod, ms. */
export function totalCpuPerPod(r: VariantResult): number | null {
  const cpu = r.worker.cpuMs;
  if (!cpu || r.serverCpuMs == null) return null;
  return (cpu.selfMs + cpu.childrenMs + r.serverCpuMs) / r.pods;
}
