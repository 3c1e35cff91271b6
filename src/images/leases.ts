/**
 * Leases: a container's claim on an image, so garbage collection and `remove` spare it. One file per lease under
 * leases/, `<pid>-<uuid>.<image folder>`, holding its process's identity; a lease of a dead process is void (and
 * swept), so a SIGKILLed worker's claims end with it.
 */
import { randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { currentProcess, identityAlive, isProcessIdentity } from '../host/process-identity.js';
import { readJsonFile, writeFileAtomic } from './atomic-file.js';
import { digestOfImageFolder, type StoreLayout } from './store-layout.js';

export async function writeLease(layout: StoreLayout, digest: string): Promise<string> {
  const path = join(layout.leases, `${process.pid}-${randomUUID()}.${basename(layout.image(digest))}`);
  await writeFileAtomic(layout, path, JSON.stringify(currentProcess()));
  return path;
}

export async function removeLease(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The digests live leases hold; void leases are removed on the way. */
export async function leasedDigests(layout: StoreLayout): Promise<Set<string>> {
  const leased = new Set<string>();
  for (const name of await readdir(layout.leases).catch(() => [] as string[])) {
    const path = join(layout.leases, name);
    const holder = await readJsonFile(path).catch(() => undefined);
    const folder = name.slice(name.indexOf('.') + 1);
    if (isProcessIdentity(holder) && identityAlive(holder)) leased.add(digestOfImageFolder(folder));
    else await removeLease(path);
  }
  return leased;
}
