/** Runs a container's command as a process on the worker host; SIGTERM then SIGKILL on termination. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { LogTail } from './log-tail.js';

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
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // The process leads its own group (detached), so children it started are signalled too.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function runCommand({ argv, cwd, env, log, signal, gracePeriodMs }: CommandRun): Promise<ContainerExit> {
  const [file, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(file as string, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    child.stdout.on('data', (d: Buffer) => log.write(d));
    child.stderr.on('data', (d: Buffer) => log.write(d));
    const onAbort = () => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), gracePeriodMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
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
    child.on('close', finish);
  });
}
