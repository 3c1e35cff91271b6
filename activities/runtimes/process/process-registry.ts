/**
 * Remembers the process groups of running command pods on this host, so that a worker that starts after another
 * one died (SIGKILL, OOM, power loss of the process only) kills what the dead worker left running, as a node's
 * containers die with it. A record names the process, the worker that started it, and the process's start time
 * (from /proc), so a reused pid is never killed.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../../src/host/process-alive.js';

interface ProcessRecord {
  pid: number;
  workerPid: number;
  startTicks: string | null;
}

/** Field 22 of /proc/<pid>/stat: the process's start time, in clock ticks since boot. */
async function startTicks(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}


export class ProcessRegistry {
  constructor(readonly dir: string) {}

  async record(pid: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const record: ProcessRecord = { pid, workerPid: process.pid, startTicks: await startTicks(pid) };
    await writeFile(join(this.dir, `${pid}.json`), JSON.stringify(record));
  }

  async forget(pid: number): Promise<void> {
    await rm(join(this.dir, `${pid}.json`), { force: true });
  }

  /** Kills the process groups of command pods whose worker is gone; returns how many it killed. */
  async reapOrphans(): Promise<number> {
    let killed = 0;
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return 0;
    }
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      const path = join(this.dir, file);
      const record = JSON.parse(await readFile(path, 'utf8').catch(() => 'null')) as ProcessRecord | null;
      if (!record || (record.workerPid !== process.pid && processAlive(record.workerPid))) continue;
      if (record.startTicks !== null && (await startTicks(record.pid)) === record.startTicks) {
        try {
          process.kill(-record.pid, 'SIGKILL');
          killed++;
        } catch {
          // Gone in the meantime.
        }
      }
      await rm(path, { force: true });
    }
    return killed;
  }
}
