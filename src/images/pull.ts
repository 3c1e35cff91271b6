/**
 * One pull, as the kubelet's image manager asks the runtime for it (pkg/kubelet/images/image_manager.go
 * EnsureImageExists, for policy Always, or IfNotPresent after a miss): the registry is always asked what the
 * reference names now (`skopeo inspect --raw`: one manifest request, a second for an index whose platform image is
 * not stored yet), and only an image not yet stored is downloaded and unpacked. Two pulls of one image on this
 * host, in any processes, do that once: the second waits on the ingest lock and then finds the image stored.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { repositoryName, type ImageReference } from '../shared/images/image-reference.js';
import { ImagePullError } from './errors.js';
import { parseManifest } from './manifests.js';
import { readImageRecord, type ImageRecord } from './metadata.js';
import { pulledNames } from './ref-names.js';
import { choosePlatform, noPlatformMessage, type Platform } from './platform.js';
import { copyToLayout, inspectRaw, type SkopeoSettings, type SourceAccess } from './skopeo.js';
import type { StoreLayout } from './store-layout.js';
import { acquireIngestLock } from './store-locks.js';
import { commitImage, makeWorkDir, nameIfPresent, unpackLayout, type WorkDir } from './unpack.js';

export interface PullContext {
  layout: StoreLayout;
  platform: Platform;
  skopeo(): Promise<SkopeoSettings>;
  /** How to reach `domain` for this pull; credential files go into `workDir`. */
  sourceAccess(domain: string, workDir: string): Promise<SourceAccess>;
}

interface Resolved {
  /** The platform manifest's digest: the image's key in the store. */
  digest: string;
  /** Its config blob's digest, from the registry's manifest (absent for Docker schema 1). */
  id?: string;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** What the reference names now: the manifest for this platform (from an index, if it names one). */
async function resolve(ctx: PullContext, ref: ImageReference, source: SourceAccess, signal?: AbortSignal): Promise<Resolved> {
  const settings = await ctx.skopeo();
  const repository = repositoryName(ref);
  // c/image refuses a tag and a digest together; the digest decides, as in containerd.
  const top = await inspectRaw(settings, `docker://${repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`, source, signal);
  const parsed = parseManifest(top);
  if (parsed.kind !== 'index') {
    return { digest: ref.digest ?? sha256(top), ...(parsed.kind === 'image' ? { id: parsed.manifest.config.digest } : {}) };
  }
  const entry = choosePlatform(parsed.index, ctx.platform);
  if (!entry) throw new ImagePullError(noPlatformMessage(ctx.platform));
  // A stored image needs no second manifest request (Docker Hub counts manifest GETs against its pull limit).
  if (await readImageRecord(ctx.layout, entry.digest)) return { digest: entry.digest };
  const manifest = parseManifest(await inspectRaw(settings, `docker://${repository}@${entry.digest}`, source, signal));
  return { digest: entry.digest, ...(manifest.kind === 'image' ? { id: manifest.manifest.config.digest } : {}) };
}

async function download(ctx: PullContext, ref: ImageReference, resolved: Resolved, work: WorkDir, source: SourceAccess, signal?: AbortSignal): Promise<ImageRecord> {
  await copyToLayout(
    await ctx.skopeo(),
    `docker://${repositoryName(ref)}@${resolved.digest}`,
    { layout: work.layout, name: 'image', sharedBlobs: ctx.layout.blobs },
    source,
    signal,
  );
  return unpackLayout(ctx.layout, work, 'image', resolved, signal);
}

export async function pullImage(ctx: PullContext, ref: ImageReference, signal?: AbortSignal): Promise<{ record: ImageRecord; downloaded: boolean }> {
  const work = await makeWorkDir(ctx.layout, 'pull');
  try {
    const source = await ctx.sourceAccess(ref.domain, work.root);
    const resolved = await resolve(ctx, ref, source, signal);
    const names = pulledNames(ref, resolved.digest);
    const stored = await nameIfPresent(ctx.layout, resolved.digest, names, signal);
    if (stored) return { record: stored, downloaded: false };
    const release = await acquireIngestLock(ctx.layout, resolved.digest, signal);
    try {
      // Also the barrier after the ingest lock: a garbage collection under way has ended.
      const done = await nameIfPresent(ctx.layout, resolved.digest, names, signal);
      if (done) return { record: done, downloaded: false };
      const record = await download(ctx, ref, resolved, work, source, signal);
      await commitImage(ctx.layout, work.image, record, names);
      return { record, downloaded: true };
    } finally {
      await release();
    }
  } finally {
    await rm(work.root, { recursive: true, force: true });
  }
}
