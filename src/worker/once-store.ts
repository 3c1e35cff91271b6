/**
 * The once-store interface, and the file store: `ctx.once(name, fn)` is a side effect done once per (pod key,
 * name). The default store commits through the Job's workflow (temporal-once-store.ts), shared by every worker
 * host; this file store, the option, commits to a folder. The result is committed atomically
 * (write to a temporary file, then rename) after `fn` returns; a replacement pod or a re-run after a crash
 * finds the commit and returns the stored result without running `fn`. A lock file keeps two runs of the same
 * index from running `fn` at the same time; a lock left by a dead process on this host is taken over.
 *
 * Guarantee: once `fn` has returned and its result is committed, it never runs again for that key. A crash
 * inside `fn`, before the commit, runs it again: make `fn` itself idempotent (pass it the key) when that matters.
 * For several hosts, put the directory on storage they share, or use the default TemporalOnceStore.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../host/process-alive.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pod run that calls once: its Job's workflow, its attempt key, and the uid of the Job it was started for. */
export interface OncePodRun {
  workflowId: string;
  attemptKey: string;
  jobUid: string;
}

export interface OnceStore {
  /** `pod` is the calling pod run (kjob always passes it; a store of its own may ignore it). */
  once<T>(key: string, fn: () => Promise<T> | T, signal?: AbortSignal, pod?: OncePodRun): Promise<T>;
}

interface LockOwner {
  host: string;
  pid: number;
}


async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export class FileOnceStore implements OnceStore {
  constructor(readonly dir: string) {}

  private paths(key: string) {
    const digest = createHash('sha256').update(key).digest('hex');
    const base = join(this.dir, digest.slice(0, 2), digest);
    return { dir: join(this.dir, digest.slice(0, 2)), result: `${base}.json`, lock: `${base}.lock` };
  }

  private async read<T>(path: string): Promise<{ value: T } | undefined> {
    return (await readJson(path)) as { value: T } | undefined;
  }

  async once<T>(key: string, fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    const paths = this.paths(key);
    await mkdir(paths.dir, { recursive: true });
    for (;;) {
      const done = await this.read<T>(paths.result);
      if (done) return done.value;
      signal?.throwIfAborted();
      if (await this.tryLock(paths.lock)) break;
      await sleep(100);
    }
    try {
      const done = await this.read<T>(paths.result);
      if (done) return done.value;
      const value = await fn();
      const tmp = `${paths.result}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ key, value: value ?? null }));
      await rename(tmp, paths.result);
      return value;
    } finally {
      await rm(paths.lock, { force: true });
    }
  }

  private async tryLock(lockPath: string): Promise<boolean> {
    const owner: LockOwner = { host: hostname(), pid: process.pid };
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A lock being written right now reads as invalid JSON: treat it as held.
    const holder = (await readJson(lockPath).catch(() => undefined)) as LockOwner | undefined;
    if (holder && holder.host === owner.host && !processAlive(holder.pid)) {
      await rm(lockPath, { force: true });
    }
    return false;
  }
}
