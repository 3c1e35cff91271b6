/**
 * Reading the OCI layout skopeo copied an image into (its index.json here, its blobs in the store's shared blob
 * dir): the image manifest, its config and the blobs it is made of. umoci reads the layout too, through a `blobs`
 * symlink to the shared dir.
 */
import { lstat, readFile, rmdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ImageConfig } from './image-config.js';
import { imageConfigOf, parseManifest } from './manifests.js';
import type { StoreLayout } from './store-layout.js';

const layoutIndex = z.object({
  manifests: z.array(z.object({ digest: z.string(), annotations: z.record(z.string(), z.string()).optional() })),
});

export interface LayoutImage {
  /** The digest of the manifest skopeo wrote (OCI; a Docker manifest is converted, so its digest differs). */
  manifestDigest: string;
  configDigest: string;
  config: ImageConfig;
  blobs: string[];
}

/** Lets umoci find the shared blobs: skopeo leaves an empty `blobs` folder in the layout. */
export async function linkSharedBlobs(layout: StoreLayout, layoutDir: string): Promise<void> {
  const blobs = join(layoutDir, 'blobs');
  const existing = await lstat(blobs).catch(() => undefined);
  if (existing?.isSymbolicLink()) return;
  // rmdir, not rm -r: it removes only an empty folder, never what a link points to.
  if (existing) await rmdir(blobs).catch(async () => rmdir(join(blobs, 'sha256')).then(() => rmdir(blobs)));
  await symlink(layout.blobs, blobs);
}

export async function readLayoutImage(layout: StoreLayout, layoutDir: string, name: string): Promise<LayoutImage> {
  const index = layoutIndex.parse(JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')));
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === name);
  if (!entry) throw new Error(`the OCI layout ${layoutDir} has no image ${name}`);
  const parsed = parseManifest(await readFile(layout.blob(entry.digest)));
  if (parsed.kind !== 'image') throw new Error(`the OCI layout ${layoutDir} has no image manifest for ${name}`);
  const { config, layers } = parsed.manifest;
  return {
    manifestDigest: entry.digest,
    configDigest: config.digest,
    config: imageConfigOf(await readFile(layout.blob(config.digest))),
    blobs: [entry.digest, config.digest, ...layers.map((l) => l.digest)],
  };
}
