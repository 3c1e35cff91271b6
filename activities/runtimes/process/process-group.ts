/** Signals to a command pod's process group, sparing the sandbox's own processes where asked. */
import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Signals every process of the group. `spareExe` leaves out processes running that program: bubblewrap dies
 * at once on SIGTERM, which would cut the container's grace period short, so SIGTERM goes to the processes
 * inside the sandbox only, and SIGKILL (or the container's end) takes the sandbox down. Returns how many
 * processes (or, without `spareExe`, groups) were signalled.
 */
export async function signalProcessGroup(pgid: number, signal: NodeJS.Signals, spareExe?: string): Promise<number> {
  if (spareExe === undefined) return killQuietly(-pgid, signal) ? 1 : 0;
  let signalled = 0;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp, ...
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== pgid) continue;
      if ((await readlink(`/proc/${entry}/exe`)) === spareExe) continue;
      if (killQuietly(Number(entry), signal)) signalled++;
    } catch {
      // The process ended while the table was read.
    }
  }
  return signalled;
}

/** Whether the signal was sent (the process, or group, still existed). */
function killQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
