/** Runs a container's command as a process on the worker host; SIGTERM then SIGKILL on termination. */
import { constants } from 'node:os';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { LogTail } from '../../log-tail.js';
import { MAX_TIMER_MS } from '../../timer-limit.js';
import { signalProcessGroup } from './process-group.js';
import { processSpawner } from './process-spawner.js';

export interface CommandRun {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  log: LogTail;
  signal: AbortSignal;
  gracePeriodMs: number;
  /** A program in the group that SIGTERM must spare (the sandbox, which would die at once and cut the grace period). */
  spareOnTerm?: string;
  /** The process registry's folder: the process group is recorded there while it runs (for the orphan reaper). */
  recordIn?: string;
}

/** How soon a SIGTERM that found no process in the sandbox yet is sent again. */
const TERM_RETRY_MS = 20;

export function runCommand({ argv, cwd, env, log, signal, gracePeriodMs, spareOnTerm, recordIn }: CommandRun): Promise<ContainerExit> {
  const [file] = argv;
  return new Promise((resolve) => {
    const child = processSpawner.spawn(argv, { cwd, env, ...(recordIn !== undefined ? { recordIn } : {}) });
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    let terminating = false;
    let exited = false;
    child.on('data', (d: Buffer) => log.write(d));
    // SIGTERM, then SIGKILL after the grace period; a termination asked before the process is known waits for it.
    const terminate = () => {
      const pid = child.pid;
      if (pid === undefined || killTimer !== undefined) return;
      killTimer = setTimeout(() => void signalProcessGroup(pid, 'SIGKILL'), Math.min(gracePeriodMs, MAX_TIMER_MS));
      void termUntilDelivered(pid);
    };
    // With the sandbox spared, a SIGTERM just after the spawn can find no process yet (the sandbox starts the
    // command a moment later), and the command would then run out the whole grace period: try again until one
    // has it, or the container has ended.
    const termUntilDelivered = async (pid: number) => {
      while ((await signalProcessGroup(pid, 'SIGTERM', spareOnTerm)) === 0 && spareOnTerm !== undefined && !exited) {
        await new Promise((resolve) => setTimeout(resolve, TERM_RETRY_MS));
      }
    };
    const onAbort = () => {
      terminating = true;
      terminate();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    child.on('spawn', () => {
      if (terminating) terminate();
    });
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
        resolve(startError(log, message));
        return;
      }
      // A process killed by a signal exits as 128 + the signal's number, as a container runtime reports it.
      const exitCode = code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0);
      resolve({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
    };
    child.on('error', (error: Error) => {
      spawnError = error;
      // A process that never started has no 'close' to wait for.
      if (child.pid === undefined) finish(null, null);
    });
    // The container ends with its main process: what it left running is killed by then (the helper does it, as
    // a container runtime stops the container), and its output is read until the pipes close or a moment more.
    child.on('exit', (code: number | null, sig: NodeJS.Signals | null) => {
      exited = true;
      setTimeout(() => finish(code, sig), 2000).unref();
    });
    child.on('close', finish);
  });
}
