/**
 * The benchmark's worker child processes (bench/worker-child.ts), seen from bench/run.ts: spawned with a
 * config, ready once the worker polls, asked for their stats over IPC, stopped (or killed, when the bench ends
 * early). The spawn variant's child is told to run its spawns and says when they are done, apart from the replies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, ChildMessage, ParentMessage, SpawnFloorDone } from './worker-child.js';

const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface WorkerChild {
  child: ChildProcess;
  readyMonoUs: number;
  /** Sends a message and resolves with the child's reply to it (the child answers each message in order). */
  request: (m: ParentMessage) => Promise<ChildMessage>;
  /** The spawn variant: runs the spawns, resolving once the child says they are done. */
  runSpawnFloor: (run: { jobName: string; pods: number; parallelism: number }) => Promise<SpawnFloorDone>;
}

/** Spawns a worker child and resolves once it polls. */
export async function startWorker(config: ChildConfig, profileDir: string | undefined): Promise<WorkerChild> {
  const entry = fileURLToPath(new URL('./worker-child.js', import.meta.url));
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(entry, [JSON.stringify(config)], { execPath: process.execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const waiters: ((m: ChildMessage) => void)[] = [];
  const doneWaiters: ((m: ChildMessage) => void)[] = [];
  child.on('message', (m: ChildMessage) => (m.type === 'spawnFloorDone' ? doneWaiters : waiters).shift()?.(m));
  const next = (queue = waiters) =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`the ${config.variant} worker exited (code ${code}, signal ${signal})`));
      child.once('exit', onExit);
      queue.push((m) => {
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
    runSpawnFloor: async (run) => {
      const done = next(doneWaiters);
      child.send({ type: 'spawnFloor', ...run } satisfies ParentMessage);
      return (await done) as SpawnFloorDone;
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
