/**
 * The store's records: each unpacked image's `image.json` (digests, config, size, the blobs it needs) and
 * `last-used` time, and the refs that map reference names to platform manifest digests. Each is one small file
 * replaced atomically, so concurrent workers never read half of one.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, readJsonFile, writeFileAtomic } from './atomic-file.js';
import type { ImageConfig } from './image-config.js';
import { digestOfImageFolder, type StoreLayout } from './store-layout.js';

export interface ImageRecord {
  /** The platform manifest's digest as the registry serves it (for a loaded image: its layout's). */
  digest: string;
  /** The config blob's digest: the image ID. */
  id: string;
  config: ImageConfig;
  sizeBytes: number;
  /** The blobs this image was unpacked from (manifest, config, layers), kept for images sharing them. */
  blobs: string[];
}

export interface RefRecord {
  /** A full reference name: `domain/path:tag` or `domain/path@digest`. */
  name: string;
  digest: string;
}

export const imageRecordPath = (imageDir: string) => join(imageDir, 'image.json');
const lastUsedPath = (imageDir: string) => join(imageDir, 'last-used');

export async function readImageRecord(layout: StoreLayout, digest: string): Promise<ImageRecord | undefined> {
  return (await readJsonFile(imageRecordPath(layout.image(digest)))) as ImageRecord | undefined;
}

/** The digests of every complete image (one whose record was written before it was renamed into place). */
export async function listImageDigests(layout: StoreLayout): Promise<string[]> {
  return (await readdir(layout.images).catch(() => [] as string[])).map(digestOfImageFolder);
}

export async function readLastUsed(layout: StoreLayout, digest: string): Promise<number> {
  try {
    return Number(await readFile(lastUsedPath(layout.image(digest)), 'utf8')) || 0;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0;
    throw error;
  }
}

/** Writes `at` as the image's last use; into a folder being built (`imageDir`) or a stored image. */
export async function writeLastUsed(layout: StoreLayout, imageDir: string, at = Date.now()): Promise<number> {
  await writeFileAtomic(layout, lastUsedPath(imageDir), String(at));
  return at;
}

export async function writeRef(layout: StoreLayout, ref: RefRecord): Promise<void> {
  await writeFileAtomic(layout, layout.ref(ref.name), JSON.stringify(ref));
}

export async function readRef(layout: StoreLayout, name: string): Promise<RefRecord | undefined> {
  return (await readJsonFile(layout.ref(name))) as RefRecord | undefined;
}

export async function removeRef(layout: StoreLayout, name: string): Promise<void> {
  await rm(layout.ref(name), { force: true });
}

export async function listRefs(layout: StoreLayout): Promise<RefRecord[]> {
  const files = (await readdir(layout.refs).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  const refs = await Promise.all(files.map((f) => readJsonFile(join(layout.refs, f)) as Promise<RefRecord | undefined>));
  return refs.filter((r): r is RefRecord => r !== undefined);
}
