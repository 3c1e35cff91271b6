/** Runs a container's command as a process on the worker host; SIGTERM then SIGKILL on termination. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { MAX_TIMER_MS } from './handler-container.js';
import type { LogTail } from './log-tail.js';
import { signalProcessGroup } from './process-group.js';

export interface ContainerExit {
  exitCode: number;
  reason: string;
  message?: string;
}

export interface CommandRun {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  log: LogTail;
  signal: AbortSignal;
  gracePeriodMs: number;
  /** A program in the group that SIGTERM must spare (the sandbox, which would die at once and cut the grace period). */
  spareOnTerm?: string;
  /** Told of the process group once it exists and once it is gone (for the orphan reaper). */
  onSpawn?: (pid: number) => void;
  onExit?: (pid: number) => void;
}

export function runCommand({ argv, cwd, env, log, signal, gracePeriodMs, spareOnTerm, onSpawn, onExit }: CommandRun): Promise<ContainerExit> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file as string, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    child.stdout.on('data', (d: Buffer) => log.write(d));
    child.stderr.on('data', (d: Buffer) => log.write(d));
    const onAbort = () => {
      if (child.pid === undefined) return;
      void signalProcessGroup(child.pid, 'SIGTERM', spareOnTerm);
      killTimer = setTimeout(() => child.pid !== undefined && void signalProcessGroup(child.pid, 'SIGKILL'), Math.min(gracePeriodMs, MAX_TIMER_MS));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (child.pid !== undefined) onExit?.(child.pid);
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      if (spawnError) {
        const notFound = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        const message = notFound
          ? `exec: ${JSON.stringify(file)}: executable file not found in $PATH (or working directory ${cwd} missing)`
          : `exec: ${JSON.stringify(file)}: ${spawnError.message}`;
        log.write(`${message}\n`);
        resolve({ exitCode: 128, reason: 'StartError', message });
        return;
      }
      // A process killed by a signal exits as 128 + the signal's number, as a container runtime reports it.
      const exitCode = code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0);
      resolve({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
    };
    child.on('error', (error) => {
      spawnError = error;
      // A process that never started emits no 'close' on every Node version.
      if (child.pid === undefined) finish(null, null);
    });
    // The container ends with its main process: what it left running is killed (as a container runtime
    // stops the container), and its output is read until the pipes close or for a moment more.
    child.on('exit', (code, sig) => {
      if (child.pid !== undefined) void signalProcessGroup(child.pid, 'SIGKILL');
      setTimeout(() => finish(code, sig), 2000).unref();
    });
    child.on('close', finish);
  });
}
