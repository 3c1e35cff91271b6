/**
 * A pod run's heartbeat: every interval, so a lost worker is noticed, it carries the end of each running
 * container's log (for `kjob logs -f`) and a handler's own progress, kept beside kjob's details.
 */
import type { PodHeartbeatDetails, PodRunInput } from '../src/shared/protocol/pod-runs.js';
import type { LogTail } from './log-tail.js';

export const HEARTBEAT_INTERVAL_MS = 1000;
/** Log bytes per running container a heartbeat carries for `kjob logs -f`. */
const LIVE_LOG_BYTES = 4096;
/** Bytes of a handler's own heartbeat details kjob passes on. */
const MAX_PROGRESS_BYTES = 256 * 1024;

export class PodHeartbeat {
  /** The running containers' logs, by container name. */
  readonly live = new Map<string, LogTail>();
  /** A handler's own progress (ctx.heartbeat). */
  private progress: unknown;
  private readonly timer: NodeJS.Timeout | undefined;

  /** `beat` sends the details every interval; without it (a pod of a batch) its batch sends them (details()). */
  constructor(
    private readonly beat: ((details: PodHeartbeatDetails) => void) | undefined,
    private readonly input: PodRunInput,
  ) {
    if (beat) this.timer = setInterval(() => beat(this.details()), HEARTBEAT_INTERVAL_MS);
  }

  /**
   * A handler's heartbeat: its details travel with kjob's, bounded so that a large value cannot make the server
   * fail the pod (Temporal refuses heartbeat details over 2 MiB); an oversized value is dropped and logged.
   */
  handlerProgress(details: unknown, log: LogTail): void {
    let size = 0;
    try {
      size = details === undefined ? 0 : JSON.stringify(details).length;
    } catch {
      size = Number.POSITIVE_INFINITY;
    }
    if (size > MAX_PROGRESS_BYTES) {
      log.write(`kjob: heartbeat details of ${Number.isFinite(size) ? `${size} bytes` : 'an unserializable value'} dropped (the limit is ${MAX_PROGRESS_BYTES})\n`);
    } else this.progress = details;
    this.beat?.(this.details());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether there is anything to show of the pod: a running container's output, or a handler's progress. */
  get showsAnything(): boolean {
    if (this.progress !== undefined) return true;
    for (const log of this.live.values()) if (log.totalBytes > 0) return true;
    return false;
  }

  details(): PodHeartbeatDetails {
    const { progress } = this;
    return {
      pod: this.input.podName,
      restartCount: this.input.restartCount,
      logs: [...this.live].map(([container, log]) => ({ container, totalBytes: log.totalBytes, tail: log.peek(LIVE_LOG_BYTES) })),
      ...(progress !== undefined ? { progress } : {}),
    };
  }
}
