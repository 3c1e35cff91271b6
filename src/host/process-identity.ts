/**
 * A process's identity on this host, written into lock and lease files: host name, pid and the kernel's start time
 * of that pid (/proc/<pid>/stat, field 22). The start time tells a live holder from a new process that got the same
 * pid, as a worker restarted as pid 1 of its container does.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { processAlive } from './process-alive.js';

export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Clock ticks since boot at which the process started; absent where /proc is not readable. */
  started?: string;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

export function currentProcess(): ProcessIdentity {
  if (!self || self.pid !== process.pid) {
    const started = startTime(process.pid);
    self = { host: hostname(), pid: process.pid, ...(started ? { started } : {}) };
  }
  return self;
}

/**
 * Whether the process an identity names still runs. An identity from another host counts as alive: this host
 * cannot tell, so it never breaks that holder's lock.
 */
export function identityAlive(identity: ProcessIdentity): boolean {
  if (identity.host !== hostname()) return true;
  if (!processAlive(identity.pid)) return false;
  const started = identity.started && startTime(identity.pid);
  return !started || started === identity.started;
}

export function isProcessIdentity(value: unknown): value is ProcessIdentity {
  const v = value as Partial<ProcessIdentity> | undefined;
  return typeof v === 'object' && v !== null && typeof v.host === 'string' && typeof v.pid === 'number';
}
