/**
 * `kjob logs -f`: a Job's (or one pod's) log as it is written. Running containers are read from their pods'
 * heartbeats (the end of the log and the bytes written so far); a container that has ended from its kept log.
 * Byte offsets make each byte appear once, whichever source it came from first.
 */
import type { JobClient, JobRef } from './job-client.js';
import { isFinished } from '../shared/controller/job-phase.js';

export interface LogChunk {
  pod: string;
  container: string;
  text: string;
  /**
   * Bytes written before `text` that were never shown: not kept (a log's start beyond the kept tail), or written
   * faster than heartbeats carry a running container's output (the last 4 KiB each second).
   */
  skippedBytes?: number;
}

export interface FollowOptions extends JobRef {
  pod?: string;
  container?: string;
  /** Start with the last N lines of each log, as `kubectl logs --tail`. */
  tailLines?: number;
  /** How often to look for new output (default 1 s, the pods' heartbeat interval). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** The last `n` lines of a text (a final line without a newline counts). */
export function lastLines(text: string, n: number): string {
  if (n < 0) return text;
  const lines = text.split(/(?<=\n)/);
  return lines.slice(Math.max(0, lines.length - n)).join('');
}

/** The part of `text` (whose first byte is byte `textStart` of the log) from byte `from` on. */
function bytesFrom(text: string, textStart: number, from: number): string {
  const buffer = Buffer.from(text);
  return buffer.subarray(Math.min(buffer.length, Math.max(0, from - textStart))).toString('utf8');
}

export async function* followLogs(jobs: JobClient, name: string, options: FollowOptions = {}): AsyncGenerator<LogChunk> {
  const ref: JobRef = options.namespace !== undefined ? { namespace: options.namespace } : {};
  const printed = new Map<string, number>();
  const ended = new Set<string>();
  const wanted = (pod: string, container: string) =>
    (!options.pod || pod === options.pod) && (!options.container || container === options.container);
  /** What to print of a log whose bytes from `textStart` on are `text`, up to `total`, and what was missed. */
  const next = (key: string, text: string, textStart: number, total: number): { text: string; skippedBytes: number } => {
    let from = printed.get(key);
    if (from === undefined || total < from) {
      // First sight (or an in-place restart began a new log): all of it, or its last lines.
      from = options.tailLines === undefined ? 0 : total - Buffer.byteLength(lastLines(bytesFrom(text, textStart, 0), options.tailLines));
    }
    printed.set(key, total);
    return { text: bytesFrom(text, textStart, from), skippedBytes: Math.max(0, textStart - from) };
  };
  const chunk = (pod: string, container: string, { text, skippedBytes }: { text: string; skippedBytes: number }): LogChunk | undefined => {
    if (!text && skippedBytes === 0) return undefined;
    return { pod, container, text, ...(skippedBytes > 0 ? { skippedBytes } : {}) };
  };
  for (;;) {
    // Read the Job's state first: logs read after it include everything written before it ended.
    const job = await jobs.get(name, ref);
    const finished = isFinished(job);
    const podEnded =
      options.pod !== undefined &&
      (await jobs.pods(name, ref)).some((p) => p.metadata.name === options.pod && (p.status.phase === 'Succeeded' || p.status.phase === 'Failed'));
    for (const log of await jobs.logs(name, { ...ref, ...(options.pod ? { pod: options.pod } : {}) })) {
      const key = `${log.pod}/${log.container}`;
      if (!wanted(log.pod, log.container) || ended.has(key)) continue;
      ended.add(key);
      const out = chunk(log.pod, log.container, next(key, log.text, log.truncatedBytes, log.truncatedBytes + Buffer.byteLength(log.text)));
      if (out) yield out;
    }
    if (finished || podEnded) return;
    for (const log of await jobs.liveLogs(name, ref).catch(() => [])) {
      const key = `${log.pod}/${log.container}`;
      if (!wanted(log.pod, log.container) || ended.has(key)) continue;
      const out = chunk(log.pod, log.container, next(key, log.tail, log.totalBytes - Buffer.byteLength(log.tail), log.totalBytes));
      if (out) yield out;
    }
    if (options.signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
  }
}
