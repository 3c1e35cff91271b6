/**
 * Remembers the process groups of running command pods on this host, so that a worker that starts after another
 * one died (SIGKILL, OOM, power loss of the process only) kills what the dead worker left running, as a node's
 * containers die with it. Each record names the process and its start time (from /proc), so a reused pid is
 * never killed.
 *
 * kjob's process helper keeps the records (process-spawner.ts), in one journal per worker process,
 * `<worker pid>.<worker start time>.journal`: a `start <pid> <start time>` line when it starts a process, an
 * `end <pid>` line once the process has exited and its group was killed, and now and then the journal rewritten
 * with only the running ones. Appends to one open file cost the helper far less than a file made and removed per
 * pod. The worker's start time in the name tells a live worker from a dead one whose pid was reused, this
 * process included. Records of earlier kjob versions, one `<pid>.json` per process, are reaped too.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../../src/host/process-alive.js';

/** A record of an earlier kjob version. */
interface LegacyProcessRecord {
  pid: number;
  workerPid: number;
  startTicks: string | null;
}

/** A worker's journal, and a rewrite of it that its worker may have left half made. */
const JOURNAL = /^(\d+)\.(\d+)\.journal(\.tmp)?$/;

/** Field 22 of /proc/<pid>/stat: the process's start time, in clock ticks since boot. */
async function startTicks(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The processes a journal's text records as running, with their start times. */
export function runningInJournal(text: string): Map<number, string> {
  const running = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [what, pid, ticks] = line.split(' ');
    if (what === 'start' && pid && ticks) running.set(Number(pid), ticks);
    else if (what === 'end' && pid) running.delete(Number(pid));
  }
  return running;
}

export class ProcessRegistry {
  constructor(readonly dir: string) {}

  /** The pids of the processes recorded as running, by any worker. */
  async recorded(): Promise<number[]> {
    const pids: number[] = [];
    for (const file of await readdir(this.dir).catch(() => [] as string[])) {
      if (!JOURNAL.exec(file) || file.endsWith('.tmp')) continue;
      pids.push(...runningInJournal(await readFile(join(this.dir, file), 'utf8').catch(() => '')).keys());
    }
    return pids;
  }

  /** Kills the process groups of command pods whose worker is gone; returns how many it killed. */
  async reapOrphans(): Promise<number> {
    let killed = 0;
    const kill = async (pid: number, ticks: string | null) => {
      if (ticks === null || (await startTicks(pid)) !== ticks) return;
      try {
        process.kill(-pid, 'SIGKILL');
        killed++;
      } catch {
        // Gone in the meantime.
      }
    };
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const file of files) {
      const path = join(this.dir, file);
      const journal = JOURNAL.exec(file);
      if (journal) {
        const [, workerPid, workerTicks, rewrite] = journal;
        if ((await startTicks(Number(workerPid))) === workerTicks) continue;
        // A rewrite holds no more than its journal.
        if (!rewrite) for (const [pid, ticks] of runningInJournal(await readFile(path, 'utf8').catch(() => ''))) await kill(pid, ticks);
        await rm(path, { force: true });
      } else if (file.endsWith('.json')) {
        const record = JSON.parse(await readFile(path, 'utf8').catch(() => 'null')) as LegacyProcessRecord | null;
        if (!record || (record.workerPid !== process.pid && processAlive(record.workerPid))) continue;
        await kill(record.pid, record.startTicks);
        await rm(path, { force: true });
      }
    }
    return killed;
  }
}
