/**
 * Garbage collection, as the kubelet's image GC does it (pkg/kubelet/images/image_gc_manager.go freeSpace): images
 * no container holds, least recently used first, until the store fits its budget; an image used more recently
 * than `minAgeMs` stays (the kubelet's MinAge), and so does the image a pull just brought. On the way it drops refs
 * to missing images, images no ref names, void leases, stale locks, temp folders of dead processes and, unless a
 * pull or load is under way, blobs no kept image needs. Decisions and renames happen under the store lock;
 * deleting the renamed folders happens after it.
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { identityAlive } from '../host/process-identity.js';
import { fileBytes } from './disk-usage.js';
import { leasedDigests } from './leases.js';
import { listImageDigests, listRefs, readImageRecord, readLastUsed, removeRef, type ImageRecord, type RefRecord } from './metadata.js';
import { pidOfEntry, type StoreLayout } from './store-layout.js';
import { ingestUnderway, withStoreLock } from './store-locks.js';
import { hostname } from 'node:os';

export interface GcOptions {
  maxBytes: number;
  minAgeMs: number;
  /** Digests to keep whatever their age (the image a pull returns). */
  spare?: ReadonlySet<string>;
}

export interface GcResult {
  /** The removed images' names (their refs), an unnamed one by its digest. */
  removed: string[];
  freedBytes: number;
}

interface StoredEntry {
  record: ImageRecord;
  lastUsedAt: number;
  names: string[];
}

async function staleTempEntries(layout: StoreLayout): Promise<string[]> {
  const names = await readdir(layout.tmp).catch(() => [] as string[]);
  return names
    .filter((name) => {
      const pid = pidOfEntry(name);
      return pid !== undefined && !identityAlive({ host: hostname(), pid });
    })
    .map((name) => join(layout.tmp, name));
}

async function storedEntries(layout: StoreLayout, refs: RefRecord[]): Promise<Map<string, StoredEntry>> {
  const entries = new Map<string, StoredEntry>();
  for (const digest of await listImageDigests(layout)) {
    const record = await readImageRecord(layout, digest);
    if (record) entries.set(digest, { record, lastUsedAt: await readLastUsed(layout, digest), names: [] });
  }
  for (const ref of refs) entries.get(ref.digest)?.names.push(ref.name);
  return entries;
}

async function blobFiles(layout: StoreLayout): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const algorithm of await readdir(layout.blobs).catch(() => [] as string[])) {
    for (const hex of await readdir(join(layout.blobs, algorithm)).catch(() => [] as string[])) files.set(`${algorithm}:${hex}`, join(layout.blobs, algorithm, hex));
  }
  return files;
}

export async function collectGarbage(layout: StoreLayout, options: GcOptions): Promise<GcResult> {
  const doomed: string[] = [];
  const result = await withStoreLock(layout, async () => {
    doomed.push(...(await staleTempEntries(layout)));
    const leased = await leasedDigests(layout);
    const refs = await listRefs(layout);
    const entries = await storedEntries(layout, refs);
    for (const ref of refs) if (!entries.has(ref.digest)) await removeRef(layout, ref.name);
    const blobs = await blobFiles(layout);
    const users = new Map<string, number>();
    for (const { record } of entries.values()) for (const blob of new Set(record.blobs)) users.set(blob, (users.get(blob) ?? 0) + 1);
    let usage = [...entries.values()].reduce((sum, e) => sum + e.record.sizeBytes, 0) + (await fileBytes(blobs.values()));
    const removable = [...entries.entries()]
      .filter(([digest]) => !leased.has(digest) && !options.spare?.has(digest))
      .sort(([, a], [, b]) => a.lastUsedAt - b.lastUsedAt);
    const removed: string[] = [];
    let freedBytes = 0;
    for (const [digest, entry] of removable) {
      const orphan = entry.names.length === 0;
      if (!orphan && (usage <= options.maxBytes || entry.lastUsedAt > Date.now() - options.minAgeMs)) continue;
      for (const name of entry.names) await removeRef(layout, name);
      const moved = layout.temp('removed');
      await rename(layout.image(digest), moved);
      doomed.push(moved);
      entries.delete(digest);
      removed.push(...(orphan ? [digest] : entry.names));
      let freed = entry.record.sizeBytes;
      for (const blob of new Set(entry.record.blobs)) {
        const left = (users.get(blob) ?? 1) - 1;
        users.set(blob, left);
        if (left === 0) freed += await fileBytes([blobs.get(blob) ?? '']);
      }
      usage -= freed;
      freedBytes += entry.record.sizeBytes;
    }
    if (!(await ingestUnderway(layout))) {
      for (const [digest, path] of blobs) {
        if ((users.get(digest) ?? 0) > 0) continue;
        freedBytes += await fileBytes([path]);
        await rm(path, { force: true });
      }
    }
    return { removed, freedBytes };
  });
  await Promise.all(doomed.map((path) => rm(path, { recursive: true, force: true })));
  return result;
}
