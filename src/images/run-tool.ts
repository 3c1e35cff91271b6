/**
 * Runs skopeo or umoci for the store: output collected, killed at once (SIGKILL) when the signal aborts (a pod
 * deleted mid-pull), and killed with its parent too (`setpriv --pdeathsig KILL`, util-linux), so a worker SIGKILLed
 * mid-pull leaves no tool writing into the cache behind it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const OUTPUT_LIMIT = 64 * 1024 * 1024;

export interface ToolOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** A tool that exited non-zero (or could not start): its code and stderr, for the caller to word. */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
  constructor(
    readonly tool: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(`${tool} exited with ${exitCode}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
  }
}

export function runTool(tool: string, args: string[], options: ToolOptions = {}): Promise<Buffer> {
  const { signal } = options;
  signal?.throwIfAborted();
  const [command, argv] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', tool, ...args]] : [tool, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= OUTPUT_LIMIT) stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-64 * 1024);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new ToolFailure(tool, error.message, null));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve(Buffer.concat(stdout));
      else reject(new ToolFailure(tool, stderr, code));
    });
  });
}
