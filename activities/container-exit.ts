/** How a container ended, as every runtime reports it; and the start error of a container that could not start. */
import type { LogTail } from './log-tail.js';

export interface ContainerExit {
  exitCode: number;
  /** Kubernetes' terminated reasons: Completed, Error, StartError, OOMKilled. */
  reason: string;
  message?: string;
  /** The container never started (its pod was stopped while its image was being pulled): it has no result. */
  neverStarted?: true;
}

/** A container that could not start ends with exit code 128 and reason StartError, as a container runtime reports it. */
export function startError(log: LogTail, message: string): ContainerExit {
  log.write(`${message}\n`);
  return { exitCode: 128, reason: 'StartError', message };
}
