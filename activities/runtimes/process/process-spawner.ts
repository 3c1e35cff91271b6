/**
 * Command pods' processes are started by a small helper process, not by the worker itself. Node forks the whole
 * calling process to start a child, and forking a worker of a few hundred MB took 16–18 ms of blocked event loop
 * per pod (page tables copied), against about 2 ms from a bare Node process. The helper runs the processes with
 * the options the worker gives, forwards their output and their exit, records each process group in the worker's
 * process registry while it lives (process-registry.ts), and kills what a process left in its group when it
 * exits; other signals are the worker's (the process groups are the worker's own user's). It exits when the
 * worker does (its IPC channel closes), and a sandboxed pod dies with it (bubblewrap's --die-with-parent).
 *
 * Messages travel in batches both ways, one per event-loop turn: each IPC message costs a write and a wake-up of
 * the other process, which at a hundred short pods in flight was a measurable part of a command pod's cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { signalProcessGroup } from './process-group.js';

/** One process the worker asks for. */
interface SpawnRequest {
  id: number;
  file: string | undefined;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The process registry's folder: the helper records the process there while it runs. */
  recordIn?: string;
}

/** What the helper runs: self-contained (it is started as `node -e`), so it imports nothing. */
function spawnerMain(): void {
  // `node -e` code has `require` as a global (process.getBuiltinModule needs Node 20.16).
  const load = (globalThis as unknown as { require: (id: string) => unknown }).require;
  const { spawn: spawnChild } = load('node:child_process') as typeof import('node:child_process');
  const { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } = load('node:fs') as typeof import('node:fs');
  const send = process.send!.bind(process);
  const workerPid = process.ppid;
  // Output is forwarded as it comes; when the worker falls behind, the pods' pipes are paused (backpressure).
  const paused = new Set<NodeJS.ReadableStream>();
  let inFlight = 0;
  let outbox: unknown[] = [];
  const flush = () => {
    const batch = outbox;
    outbox = [];
    send(batch, undefined, undefined, () => {
      inFlight -= batch.length;
      if (inFlight < 16 && paused.size > 0) {
        for (const s of paused) s.resume();
        paused.clear();
      }
    });
  };
  const forward = (message: unknown, stream?: NodeJS.ReadableStream) => {
    inFlight++;
    if (stream && inFlight > 64) {
      stream.pause();
      paused.add(stream);
    }
    if (outbox.push(message) === 1) setImmediate(flush);
  };
  // The process registry's journal (process-registry.ts), written before the worker learns of a process:
  // synchronous appends to one open file, which cost the worker nothing. A record that cannot be written leaves
  // the process unrecorded, as the registry always has: it must not fail the pod.
  const startTicks = (pid: number) => {
    try {
      // Field 22 of /proc/<pid>/stat, the start time: a later worker never kills a reused pid.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
    } catch {
      return null;
    }
  };
  const journalName = `${workerPid}.${startTicks(workerPid)}.journal`;
  interface Journal {
    path: string;
    /** -1 while closed: opened again for the next line. */
    fd: number;
    /** The running processes' start lines, for the rewrite. */
    running: Map<number, string>;
    lines: number;
  }
  const journals = new Map<string, Journal>();
  const opened = (folder: string) => {
    let journal = journals.get(folder);
    if (!journal) {
      journal = { path: `${folder}/${journalName}`, fd: -1, running: new Map(), lines: 0 };
      journals.set(folder, journal);
    }
    if (journal.fd < 0) {
      mkdirSync(folder, { recursive: true });
      journal.fd = openSync(journal.path, 'a');
    }
    return journal;
  };
  const close = (journal: Journal) => {
    const { fd } = journal;
    journal.fd = -1;
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // Closed already.
      }
    }
  };
  const recordStart = (folder: string, pid: number) => {
    try {
      const journal = opened(folder);
      const line = `start ${pid} ${startTicks(pid)}\n`;
      writeSync(journal.fd, line);
      journal.running.set(pid, line);
      journal.lines++;
    } catch {
      // Unrecorded.
      const journal = journals.get(folder);
      if (journal) close(journal);
    }
  };
  const recordEnd = (folder: string, pid: number) => {
    const journal = journals.get(folder);
    if (!journal?.running.delete(pid)) return;
    try {
      opened(folder);
      writeSync(journal.fd, `end ${pid}\n`);
      journal.lines++;
      // Mostly ended processes: the journal is rewritten with the running ones only, so it stays small.
      if (journal.lines >= 1000 && journal.lines >= 4 * journal.running.size) {
        writeFileSync(`${journal.path}.tmp`, [...journal.running.values()].join(''));
        renameSync(`${journal.path}.tmp`, journal.path);
        close(journal);
        journal.lines = journal.running.size;
        opened(folder);
      }
    } catch {
      // An end not written leaves a record whose process is gone: a reaper passes over it (its start time differs).
      close(journal);
    }
  };
  const start = (request: SpawnRequest) => {
    const { id, recordIn } = request;
    // One pod's bad input (a NUL byte, an oversized argument, a working directory that is a file) throws here; it
    // must fail that pod alone, never the helper and with it every other pod.
    try {
      const child = spawnChild(request.file as string, request.args, { cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const { pid } = child;
      child.on('error', (error: NodeJS.ErrnoException) => forward({ id, t: 'error', code: error.code, message: error.message }));
      if (pid !== undefined) {
        if (recordIn !== undefined) recordStart(recordIn, pid);
        forward({ id, t: 'spawned', pid });
      }
      // Without a pid (EMFILE, say) Node made no pipes; the 'error' event follows.
      for (const stream of [child.stdout, child.stderr]) stream?.on('data', (data: Buffer) => forward({ id, t: 'out', data }, stream));
      child.on('exit', (code, signal) => {
        // The container ends with its main process: what it left running in its group is killed, as a container
        // runtime stops the container, and only then is the record removed.
        if (pid !== undefined) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // The group is empty.
          }
          if (recordIn !== undefined) recordEnd(recordIn, pid);
        }
        forward({ id, t: 'exit', code, signal });
      });
      child.on('close', (code, signal) => forward({ id, t: 'close', code, signal }));
    } catch (error) {
      const { code, message: text } = error as NodeJS.ErrnoException;
      forward({ id, t: 'error', code, message: text });
    }
  };
  process.on('message', (batch: SpawnRequest[]) => {
    for (const request of batch) start(request);
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
 * the errno `code`), `data` (stdout and stderr, interleaved as they come), `exit` (code, signal; what the
 * process left in its group is killed by then) and `close`.
 */
export class SpawnedProcess extends EventEmitter {
  pid: number | undefined;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** The process registry's folder, where the process is recorded while it runs. */
  recordIn?: string;
}

class ProcessSpawner {
  private helper: ChildProcess | undefined;
  private nextId = 0;
  private readonly running = new Map<number, SpawnedProcess>();
  /** Requests of this event-loop turn, sent together. */
  private outbox: SpawnRequest[] = [];

  spawn(argv: string[], options: SpawnOptions): SpawnedProcess {
    const [file, ...args] = argv;
    const id = this.nextId++;
    const spawned = new SpawnedProcess();
    this.running.set(id, spawned);
    this.ensureHelper();
    const request: SpawnRequest = { id, file, args, cwd: options.cwd, env: options.env };
    if (options.recordIn !== undefined) request.recordIn = options.recordIn;
    // Sent after this turn: the emit of a failure cannot reach the caller before it has listeners.
    if (this.outbox.push(request) === 1) setImmediate(() => this.flush());
    return spawned;
  }

  private flush(): void {
    const helper = this.helper;
    // Requests whose runs already ended (their helper was reported gone) are not sent again.
    const batch = this.outbox.filter((request) => this.running.has(request.id));
    this.outbox = [];
    if (batch.length === 0) return;
    const failed = (error: Error | null) => {
      if (!error) return;
      for (const { id } of batch) {
        const spawned = this.running.get(id);
        if (spawned && spawned.pid === undefined) {
          this.running.delete(id);
          spawned.emit('error', Object.assign(new Error(`kjob's process helper could not take the process: ${error.message}`), { code: 'EHELPER' }));
        }
      }
    };
    try {
      if (!helper) throw new Error('it is not running');
      helper.send(batch, failed);
    } catch (error) {
      failed(error as Error);
    }
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
    helper.on('message', (batch: SpawnerMessage[]) => {
      for (const message of batch) this.receive(message);
    });
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
          // The helper cannot end the group now: what the process left in it goes as at any exit.
          signalProcessGroup(spawned.pid, 'SIGKILL').catch(() => undefined);
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
