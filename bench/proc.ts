/**
 * Linux /proc readers for the benchmark: resident memory (VmRSS, VmHWM), resetting the peak, and CPU time of a
 * process (all its threads) and of its children (kjob's process helper and the command pods it runs).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux architecture Node runs on.

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Current resident set size in bytes. */
export const rssBytes = (pid: number) => statusField(pid, 'VmRSS');
/** Peak resident set size in bytes since the process started or since {@link resetPeakRss}. */
export const peakRssBytes = (pid: number) => statusField(pid, 'VmHWM');

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: `echo 5 > /proc/PID/clear_refs`); false where not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface CpuTimes {
  /** user + system time of the process itself (every thread), ms. */
  selfMs: number;
  /** user + system time of its waited-for children (command pods' bwrap and their processes), ms. */
  childrenMs: number;
}

/** utime, stime, cutime and cstime of a process, ms (fields 14–17 of /proc/PID/stat), and its parent's pid. */
function statTimes(pid: number | string): { ppid: number; selfMs: number; childrenMs: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tick = (i: number) => (Number(fields[i]) * 1000) / CLOCK_TICKS_PER_SECOND;
    // fields[0] is field 3 (state), fields[1] the ppid: utime is field 14, stime 15, cutime 16, cstime 17.
    return { ppid: Number(fields[1]), selfMs: tick(11) + tick(12), childrenMs: tick(13) + tick(14) };
  } catch {
    return undefined;
  }
}

/**
 * CPU of a process and of its children: those it waited for, and those still running with what they waited
 * for (kjob's process helper lives as long as the worker, and the command pods are its children).
 */
export function cpuTimes(pid: number): CpuTimes | undefined {
  const own = statTimes(pid);
  if (!own) return undefined;
  let childrenMs = own.childrenMs;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = statTimes(entry);
    if (child?.ppid === pid) childrenMs += child.selfMs + child.childrenMs;
  }
  return { selfMs: own.selfMs, childrenMs };
}

export function cpuDelta(before: CpuTimes | undefined, after: CpuTimes | undefined): CpuTimes | undefined {
  if (!before || !after) return undefined;
  return { selfMs: after.selfMs - before.selfMs, childrenMs: after.childrenMs - before.childrenMs };
}

/** Samples a process's RSS every `intervalMs` and keeps the largest value seen. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let max = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    const rss = rssBytes(pid);
    if (rss !== undefined && rss > max) max = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = rssBytes(pid);
      if (rss !== undefined && rss > max) max = rss;
      return max;
    },
  };
}
