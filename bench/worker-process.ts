/**
 * The benchmark's worker child processes (bench/worker-child.ts), seen from bench/run.ts: spawned with a
 * config, ready once the worker polls, asked for their stats over IPC, stopped (or killed, when the bench ends
 * early).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, ChildMessage, ParentMessage } from './worker-child.js';

const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Spawns a worker child and resolves once it polls. */
export async function startWorker(config: ChildConfig, profileDir: string | undefined): Promise<{ child: ChildProcess; readyMonoUs: number; request: (m: ParentMessage) => Promise<ChildMessage> }> {
  const entry = fileURLToPath(new URL('./worker-child.js', import.meta.url));
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(entry, [JSON.stringify(config)], { execPath: process.execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const waiters: ((m: ChildMessage) => void)[] = [];
  child.on('message', (m: ChildMessage) => waiters.shift()?.(m));
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`the ${config.variant} worker exited (code ${code}, signal ${signal})`));
      child.once('exit', onExit);
      waiters.push((m) => {
        child.off('exit', onExit);
        if (m.type === 'error') reject(new Error(`the ${config.variant} worker failed: ${m.message}`));
        else resolve(m);
      });
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ type: 'timeout' }>((r) => (timer = setTimeout(() => r({ type: 'timeout' }), 180_000)));
  const ready = await Promise.race([next(), timeout]).finally(() => clearTimeout(timer));
  if (ready.type !== 'ready') throw new Error(`the ${config.variant} worker did not become ready: ${JSON.stringify(ready)}`);
  return {
    child,
    readyMonoUs: ready.monoUs,
    request: (message) => {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

export async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
