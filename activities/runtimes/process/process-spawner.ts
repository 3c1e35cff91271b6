/**
 * Command pods' processes are started by a small helper process, not by the worker itself. Node forks the whole
 * calling process to start a child, and forking a worker of a few hundred MB took 16–18 ms of blocked event loop
 * per pod (page tables copied), against about 2 ms from a bare Node process. The helper runs the processes with
 * the options the worker gives, forwards their output and their exit, and leaves signals to the worker (the
 * process groups are the worker's own user's). It exits when the worker does (its IPC channel closes), and a
 * sandboxed pod dies with it (bubblewrap's --die-with-parent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { signalProcessGroup } from './process-group.js';

/** What the helper runs: self-contained (it is started as `node -e`), so it imports nothing. */
function spawnerMain(): void {
  // `node -e` code has `require` as a global (process.getBuiltinModule needs Node 20.16).
  const load = (globalThis as unknown as { require: (id: string) => unknown }).require;
  const { spawn: spawnChild } = load('node:child_process') as typeof import('node:child_process');
  const send = process.send!.bind(process);
  // Output is forwarded as it comes; when the worker falls behind, the pods' pipes are paused (backpressure).
  const paused = new Set<NodeJS.ReadableStream>();
  let inFlight = 0;
  const forward = (message: unknown, stream?: NodeJS.ReadableStream) => {
    inFlight++;
    if (stream && inFlight > 64) {
      stream.pause();
      paused.add(stream);
    }
    send(message, undefined, undefined, () => {
      inFlight--;
      if (inFlight < 16 && paused.size > 0) {
        for (const s of paused) s.resume();
        paused.clear();
      }
    });
  };
  process.on('message', (message: { id: number; file: string; args: string[]; cwd: string; env: Record<string, string> }) => {
    const { id } = message;
    // One pod's bad input (a NUL byte, an oversized argument, a working directory that is a file) throws here; it
    // must fail that pod alone, never the helper and with it every other pod.
    try {
      const child = spawnChild(message.file, message.args, { cwd: message.cwd, env: message.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.on('error', (error: NodeJS.ErrnoException) => forward({ id, t: 'error', code: error.code, message: error.message }));
      if (child.pid !== undefined) forward({ id, t: 'spawned', pid: child.pid });
      // Without a pid (EMFILE, say) Node made no pipes; the 'error' event follows.
      for (const stream of [child.stdout, child.stderr]) stream?.on('data', (data: Buffer) => forward({ id, t: 'out', data }, stream));
      child.on('exit', (code, signal) => forward({ id, t: 'exit', code, signal }));
      child.on('close', (code, signal) => forward({ id, t: 'close', code, signal }));
    } catch (error) {
      const { code, message: text } = error as NodeJS.ErrnoException;
      forward({ id, t: 'error', code, message: text });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

type SpawnerMessage =
  | { id: number; t: 'spawned'; pid: number }
  | { id: number; t: 'error'; code?: string; message: string }
  | { id: number; t: 'out'; data: Uint8Array }
  | { id: number; t: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { id: number; t: 'close'; code: number | null; signal: NodeJS.Signals | null };

/**
 * A process the helper started, with ChildProcess's events: `spawn` (then `pid` is set), `error` (an Error with
 * the errno `code`), `data` (stdout and stderr, interleaved as they come), `exit` (code, signal) and `close`.
 */
export class SpawnedProcess extends EventEmitter {
  pid: number | undefined;
}

class ProcessSpawner {
  private helper: ChildProcess | undefined;
  private nextId = 0;
  private readonly running = new Map<number, SpawnedProcess>();

  spawn(argv: string[], options: { cwd: string; env: Record<string, string> }): SpawnedProcess {
    const [file, ...args] = argv;
    const id = this.nextId++;
    const spawned = new SpawnedProcess();
    this.running.set(id, spawned);
    const helper = this.ensureHelper();
    const failed = (error: Error | null) => {
      if (error && this.running.get(id) === spawned && spawned.pid === undefined) {
        this.running.delete(id);
        spawned.emit('error', Object.assign(new Error(`kjob's process helper could not take the process: ${error.message}`), { code: 'EHELPER' }));
      }
    };
    try {
      helper.send({ id, file, args, cwd: options.cwd, env: options.env }, failed);
    } catch (error) {
      // The emit must not reach the caller before it has listeners.
      setImmediate(() => failed(error as Error));
    }
    return spawned;
  }

  private ensureHelper(): ChildProcess {
    if (this.helper) return this.helper;
    const helper = spawn(process.execPath, ['--max-old-space-size=64', '-e', `(${spawnerMain.toString()})()`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: { PATH: process.env.PATH ?? '' },
      // A process group of its own: Ctrl-C at the worker's terminal must let the worker shut its pods down
      // gracefully, not kill the helper (and with it every pod) at once. It still exits with the worker.
      detached: true,
    });
    helper.on('message', (message: SpawnerMessage) => this.receive(message));
    // Failed to start, or gone (its channel closed once every message it sent was read): its processes are
    // beyond reach, and their runs end as failures rather than hang.
    const gone = (reason: string) => {
      if (this.helper !== helper) return;
      this.helper = undefined;
      for (const [id, spawned] of this.running) {
        this.running.delete(id);
        if (spawned.pid === undefined) {
          spawned.emit('error', Object.assign(new Error(`kjob's process helper ${reason}`), { code: 'EHELPER' }));
        } else {
          spawned.emit('exit', null, 'SIGKILL');
          spawned.emit('close', null, 'SIGKILL');
        }
      }
    };
    helper.on('error', (error) => gone(`failed: ${error.message}`));
    helper.on('close', () => gone('stopped'));
    // The helper must not keep the worker's process alive, nor outlive it.
    helper.unref();
    helper.channel?.unref();
    this.helper = helper;
    return helper;
  }

  private receive(message: SpawnerMessage): void {
    const spawned = this.running.get(message.id);
    if (!spawned) {
      // A process whose run was already given up (its helper was reported gone first): it must not live on.
      if (message.t === 'spawned') signalProcessGroup(message.pid, 'SIGKILL').catch(() => undefined);
      return;
    }
    switch (message.t) {
      case 'spawned':
        spawned.pid = message.pid;
        spawned.emit('spawn');
        break;
      case 'error':
        spawned.emit('error', Object.assign(new Error(message.message), { code: message.code }));
        if (spawned.pid === undefined) this.running.delete(message.id);
        break;
      case 'out':
        // A copy: the received view shares its memory with the whole IPC read buffer, which the log tail would
        // otherwise keep alive.
        spawned.emit('data', Buffer.from(message.data));
        break;
      case 'exit':
        spawned.emit('exit', message.code, message.signal);
        break;
      case 'close':
        this.running.delete(message.id);
        spawned.emit('close', message.code, message.signal);
        break;
    }
  }
}

/** One helper per worker process, shared by its workers; started on the first command pod. */
export const processSpawner = new ProcessSpawner();
