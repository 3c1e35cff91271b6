/**
 * From an OCI layout skopeo filled to a stored image: unpacked by umoci into a folder of the pull's own under
 * tmp/, its record written, and then, under the store lock, renamed into images/ and named by its refs. Until
 * that rename nothing of it is visible, so a failure or a kill leaves only the temp folder.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from './atomic-file.js';
import { directoryBytes } from './disk-usage.js';
import { imageRecordPath, readImageRecord, writeLastUsed, writeRef, type ImageRecord } from './metadata.js';
import { linkSharedBlobs, readLayoutImage } from './oci-layout.js';
import type { StoreLayout } from './store-layout.js';
import { withStoreLock } from './store-locks.js';
import { rawUnpack } from './umoci.js';

/** A pull's or load's private folder under tmp/: the OCI layout skopeo writes, and the image being built. */
export interface WorkDir {
  root: string;
  layout: string;
  image: string;
}

export async function makeWorkDir(layout: StoreLayout, kind: string): Promise<WorkDir> {
  const root = layout.temp(kind);
  await mkdir(root, { recursive: true });
  return { root, layout: join(root, 'layout'), image: join(root, 'image') };
}

/**
 * Unpacks the layout's image `name` into `work.image`. `known` overrides what the layout says: the registry's
 * digests survive skopeo's conversion of Docker manifests to OCI ones, which changes theirs.
 */
export async function unpackLayout(
  layout: StoreLayout,
  work: WorkDir,
  name: string,
  known: { digest?: string; id?: string },
  signal?: AbortSignal,
): Promise<ImageRecord> {
  await linkSharedBlobs(layout, work.layout);
  const image = await readLayoutImage(layout, work.layout, name);
  await mkdir(work.image);
  const rootfs = join(work.image, 'rootfs');
  await rawUnpack(work.layout, name, rootfs, signal);
  const record: ImageRecord = {
    digest: known.digest ?? image.manifestDigest,
    id: known.id ?? image.configDigest,
    config: image.config,
    sizeBytes: await directoryBytes(rootfs),
    blobs: image.blobs,
  };
  await writeFile(imageRecordPath(work.image), JSON.stringify(record));
  await writeLastUsed(layout, work.image);
  return record;
}

async function nameImage(layout: StoreLayout, digest: string, names: readonly string[]): Promise<void> {
  for (const name of names) await writeRef(layout, { name, digest });
  await writeLastUsed(layout, layout.image(digest));
}

/** Under the store lock: if the image `digest` is stored, points `names` at it, marks it used and returns its record. */
export function nameIfPresent(layout: StoreLayout, digest: string, names: readonly string[], signal?: AbortSignal): Promise<ImageRecord | undefined> {
  return withStoreLock(
    layout,
    async () => {
      const record = await readImageRecord(layout, digest);
      if (record) await nameImage(layout, digest, names);
      return record;
    },
    signal,
  );
}

/** Under the store lock: moves the built image into place (an identical one already there wins) and names it. */
export function commitImage(layout: StoreLayout, built: string, record: ImageRecord, names: readonly string[]): Promise<void> {
  return withStoreLock(layout, async () => {
    try {
      await rename(built, layout.image(record.digest));
    } catch (error) {
      if (errorCode(error) !== 'ENOTEMPTY' && errorCode(error) !== 'EEXIST') throw error;
    }
    await nameImage(layout, record.digest, names);
  });
}
