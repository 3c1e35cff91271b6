/**
 * The store's locks. The store lock is held briefly for every change to what is stored (an image renamed into
 * place or away, refs written, a lease taken, a garbage collection). An ingest lock is held by each pull or load
 * for its whole length: per manifest digest for pulls (so two workers pulling one image download and unpack it
 * once), one of its own for a load. Garbage collection sweeps no blobs while a live ingest lock exists (the ingest
 * may be about to use them); an ingest takes the store lock once after its ingest lock, so a collection that began
 * before it has ended by then.
 */
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { acquireFileLock, lockHeld, withFileLock } from './file-lock.js';
import type { StoreLayout } from './store-layout.js';

const STORE_LOCK = 'store.lock';

export function withStoreLock<T>(layout: StoreLayout, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return withFileLock(layout, join(layout.locks, STORE_LOCK), fn, signal);
}

/** Takes the ingest lock for `key` (a digest, or a load's own id); resolves to its release. */
export function acquireIngestLock(layout: StoreLayout, key: string, signal?: AbortSignal): Promise<() => Promise<void>> {
  return acquireFileLock(layout, join(layout.locks, `ingest-${key.replace(':', '-')}.lock`), signal);
}

/** Whether any pull or load is under way on this host (stale ingest locks are broken on the way). */
export async function ingestUnderway(layout: StoreLayout): Promise<boolean> {
  const names = (await readdir(layout.locks).catch(() => [] as string[])).filter((n) => n.startsWith('ingest-') && n.endsWith('.lock'));
  for (const name of names) if (await lockHeld(layout, join(layout.locks, basename(name)))) return true;
  return false;
}
