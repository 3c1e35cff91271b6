/** Runs a TypeScript handler pod: the handler's return value or thrown error is the container's exit. */
import { format } from 'node:util';
import type { PodContext, PodHandler } from '../../../src/worker/handlers.js';
import type { ContainerExit } from '../../container-exit.js';
import type { LogTail } from '../../log-tail.js';
import { MAX_TIMER_MS } from '../../timer-limit.js';

export function podLogger(log: LogTail): PodContext['log'] {
  const line = (level: string, message: string) => log.write(`${new Date().toISOString()} ${level} ${message}\n`);
  return {
    info: (message) => line('INFO', message),
    warn: (message) => line('WARN', message),
    error: (message) => line('ERROR', message),
    write: (text) => log.write(text),
  };
}

/** Resolves `gracePeriodMs` after `signal` aborts: the point where Kubernetes sends SIGKILL. */
function killDeadline(signal: AbortSignal, gracePeriodMs: number): Promise<'killed'> {
  return new Promise((resolve) => {
    const arm = () => setTimeout(() => resolve('killed'), Math.min(gracePeriodMs, MAX_TIMER_MS)).unref();
    if (signal.aborted) arm();
    else signal.addEventListener('abort', arm, { once: true });
  });
}

export async function runHandler(handler: PodHandler, ctx: PodContext, log: LogTail, gracePeriodMs: number): Promise<ContainerExit> {
  try {
    // A handler that ignores its AbortSignal is abandoned after the grace period, as SIGKILL ends a process;
    // it keeps running in this worker's memory, so handlers should honour the signal.
    const code = await Promise.race([Promise.resolve().then(() => handler(ctx)), killDeadline(ctx.signal, gracePeriodMs)]);
    if (code === 'killed') {
      const message = `handler did not stop within the grace period of ${gracePeriodMs / 1000}s`;
      log.write(`${message}\n`);
      return { exitCode: 137, reason: 'Error', message };
    }
    const exitCode = typeof code === 'number' ? code : 0;
    if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) {
      const message = `handler returned ${format(code)}, not an exit code from 0 to 255`;
      log.write(`${message}\n`);
      return { exitCode: 1, reason: 'Error', message };
    }
    return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' };
  } catch (error) {
    const message = error instanceof Error ? error.message : format(error);
    log.write(`${error instanceof Error ? (error.stack ?? message) : message}\n`);
    // A handler stopped by termination reports 143, as a process ended by SIGTERM does.
    return ctx.signal.aborted ? { exitCode: 143, reason: 'Error', message } : { exitCode: 1, reason: 'Error', message };
  }
}
