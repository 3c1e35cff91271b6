/**
 * `load`: the images of a docker-archive or oci-archive copied into the store by skopeo (blobs to the shared blob
 * dir), unpacked by umoci and named as the archive (or the caller) names them. An image already stored (same
 * manifest digest) is only named. One ingest lock covers the whole load, so no garbage collection drops blobs it
 * is about to use.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { archiveImages } from './archive-load.js';
import type { ImageRecord } from './metadata.js';
import { readLayoutImage } from './oci-layout.js';
import type { SkopeoSettings } from './skopeo.js';
import { copyToLayout } from './skopeo.js';
import type { StoreLayout } from './store-layout.js';
import { acquireIngestLock, withStoreLock } from './store-locks.js';
import { commitImage, makeWorkDir, nameIfPresent, unpackLayout } from './unpack.js';
import { linkSharedBlobs } from './oci-layout.js';

export interface LoadedImage {
  record: ImageRecord;
  names: string[];
  downloaded: boolean;
}

export async function loadArchive(layout: StoreLayout, settings: SkopeoSettings, path: string, name?: string): Promise<LoadedImage[]> {
  const images = await archiveImages(path, name);
  const release = await acquireIngestLock(layout, `load-${randomUUID()}`);
  const loaded: LoadedImage[] = [];
  try {
    await withStoreLock(layout, async () => undefined);
    for (const image of images) {
      const work = await makeWorkDir(layout, 'load');
      try {
        await copyToLayout(settings, image.source, { layout: work.layout, name: 'image', sharedBlobs: layout.blobs }, { tmpDir: work.root });
        await linkSharedBlobs(layout, work.layout);
        const { manifestDigest } = await readLayoutImage(layout, work.layout, 'image');
        const stored = await nameIfPresent(layout, manifestDigest, image.names);
        if (stored) {
          loaded.push({ record: stored, names: image.names, downloaded: false });
          continue;
        }
        const record = await unpackLayout(layout, work, 'image', image.id ? { id: image.id } : {});
        await commitImage(layout, work.image, record, image.names);
        loaded.push({ record, names: image.names, downloaded: true });
      } finally {
        await rm(work.root, { recursive: true, force: true });
      }
    }
  } finally {
    await release();
  }
  return loaded;
}
