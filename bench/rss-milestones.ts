/**
 * The worker's memory at completion milestones (every 10% of the pods ended, by default), taken from the stats
 * the bench polls every 5 s and from the final one: worker memory flat in completions shows as a flat row.
 */

export interface RssMilestone {
  /** The milestone passed: the largest multiple of the step at or below the share of pods ended. */
  percent: number;
  podsEnded: number;
  /** Since the variant's start, s. */
  elapsedSeconds: number;
  /** The worker child's process.memoryUsage(): its RSS, and its main thread's heap and external memory. */
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

export class RssMilestones {
  readonly milestones: RssMilestone[] = [];
  private nextPercent: number;

  constructor(
    private readonly pods: number,
    private readonly stepPercent = 10,
  ) {
    this.nextPercent = stepPercent;
  }

  /** One stats poll: kept if it is the first at or past the next milestone (one poll may pass several). */
  observe(podsEnded: number, elapsedMs: number, memory: Pick<NodeJS.MemoryUsage, 'rss' | 'heapUsed' | 'external'>): void {
    const share = Math.min(100, (podsEnded * 100) / this.pods);
    const percent = Math.floor(share / this.stepPercent) * this.stepPercent;
    if (percent < this.nextPercent) return;
    this.milestones.push({
      percent,
      podsEnded,
      elapsedSeconds: Math.round(elapsedMs / 100) / 10,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
    });
    this.nextPercent = percent + this.stepPercent;
  }
}

/** `10% 231, 20% 233, … 100% 236 MB RSS (heap 40→44 MB)`: one variant's row. */
export function formatMilestones(milestones: readonly RssMilestone[]): string {
  if (milestones.length === 0) return 'no stats poll passed a milestone';
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const rss = milestones.map((m) => `${m.percent}% ${mb(m.rssBytes)}`).join(', ');
  const first = milestones[0] as RssMilestone;
  const last = milestones[milestones.length - 1] as RssMilestone;
  return `${rss} MB RSS (heap ${mb(first.heapUsedBytes)}→${mb(last.heapUsedBytes)} MB, external ${mb(first.externalBytes)}→${mb(last.externalBytes)} MB)`;
}
