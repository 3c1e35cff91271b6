/**
 * A lock shared by every process on the host: a file created whole with link(2) (so it never exists half-written),
 * naming its holder. A lock whose holder is dead is broken: renamed away first, so of two breakers only one wins,
 * and put back if it turns out to have been taken anew meanwhile. Waiters in this process queue in memory; other
 * processes poll.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentProcess, identityAlive, isProcessIdentity, type ProcessIdentity } from '../host/process-identity.js';
import { errorCode } from './atomic-file.js';
import type { StoreLayout } from './store-layout.js';

const POLL_MS = 50;
type Holder = ProcessIdentity & { token: string };

const localQueues = new Map<string, Promise<void>>();

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return isProcessIdentity(holder) ? (holder as Holder) : undefined;
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function tryCreate(layout: StoreLayout, path: string, holder: Holder): Promise<boolean> {
  const temp = layout.temp('lock');
  await writeFile(temp, JSON.stringify(holder));
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Breaks the lock if its holder is dead. */
async function breakIfStale(layout: StoreLayout, path: string): Promise<void> {
  const holder = await readHolder(path);
  if (!holder || identityAlive(holder)) return;
  const moved = layout.temp('broken-lock');
  try {
    await rename(path, moved);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const taken = await readHolder(moved);
  if (taken && taken.token !== holder.token) await link(moved, path).catch(() => undefined);
  await rm(moved, { force: true });
}

/** This process's turn among its own waiters for `path`; resolves to the function that passes the turn on. */
async function localTurn(path: string, signal?: AbortSignal): Promise<() => void> {
  const previous = localQueues.get(path) ?? Promise.resolve();
  let pass!: () => void;
  const mine = new Promise<void>((resolve) => (pass = resolve));
  const tail = previous.then(() => mine);
  localQueues.set(path, tail);
  const done = () => {
    pass();
    if (localQueues.get(path) === tail) localQueues.delete(path);
  };
  try {
    await untilAborted(previous, signal);
  } catch (error) {
    done();
    throw error;
  }
  return done;
}

/** `promise`, or the signal's reason if it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Waits for the lock at `path`; resolves to its release. */
export async function acquireFileLock(layout: StoreLayout, path: string, signal?: AbortSignal): Promise<() => Promise<void>> {
  const passTurn = await localTurn(path, signal);
  const holder: Holder = { ...currentProcess(), token: randomUUID() };
  try {
    while (!(await tryCreate(layout, path, holder))) {
      await breakIfStale(layout, path);
      await sleep(POLL_MS, undefined, signal ? { signal } : {});
    }
  } catch (error) {
    passTurn();
    throw error;
  }
  return async () => {
    try {
      if ((await readHolder(path))?.token === holder.token) await rm(path, { force: true });
    } finally {
      passTurn();
    }
  };
}

export async function withFileLock<T>(layout: StoreLayout, path: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const release = await acquireFileLock(layout, path, signal);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/** Whether a live process holds the lock at `path` (breaking it when its holder is dead). */
export async function lockHeld(layout: StoreLayout, path: string): Promise<boolean> {
  await breakIfStale(layout, path);
  return (await readHolder(path)) !== undefined;
}
