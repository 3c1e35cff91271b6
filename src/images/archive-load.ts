/**
 * What a `kjob image load` archive holds, as `podman load` reads it: a docker-archive (`docker save`: manifest.json
 * with each image's Config and RepoTags) or an oci-archive (an OCI layout: index.json, each manifest named by its
 * `io.containerd.image.name` or `org.opencontainers.image.ref.name` annotation). Each image becomes the skopeo
 * source that copies it, with the names it gets. A compressed archive is read the same (tar detects it).
 */
import { z } from 'zod';
import { fullName, parseImageReference } from '../shared/images/image-reference.js';
import { ImagePullError } from './errors.js';
import { runTool } from './run-tool.js';

export interface ArchiveImage {
  /** The skopeo source: `docker-archive:<path>:@<n>` or `oci-archive:<path>[:<ref name>]`. */
  source: string;
  /** Full reference names. */
  names: string[];
  /** The image ID when the archive says it (a docker-archive's Config). */
  id?: string;
}

const dockerManifest = z.array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish() }));
const ociIndex = z.object({ manifests: z.array(z.object({ annotations: z.record(z.string(), z.string()).optional() })) });

async function members(path: string): Promise<string[]> {
  return (await runTool('tar', ['-tf', path])).toString().split('\n').filter(Boolean);
}

async function readMember(path: string, listed: string[], name: string): Promise<unknown | undefined> {
  const member = listed.find((m) => m === name || m === `./${name}`);
  return member === undefined ? undefined : (JSON.parse((await runTool('tar', ['-xOf', path, member])).toString()) as unknown);
}

/** An OCI ref.name is a reference name when it has a repository (a `/` or `:`); alone it is only a tag. */
const refNameIsReference = (refName: string) => /[/:]/.test(refName);

function dockerArchiveImages(path: string, manifest: unknown): ArchiveImage[] {
  return dockerManifest.parse(manifest).map((entry, index) => ({
    source: `docker-archive:${path}:@${index}`,
    names: entry.RepoTags ?? [],
    id: `sha256:${entry.Config.replace(/^.*\//, '').replace(/\.json$/, '')}`,
  }));
}

function ociArchiveImages(path: string, index: unknown): ArchiveImage[] {
  const manifests = ociIndex.parse(index).manifests;
  return manifests.map(({ annotations = {} }) => {
    const refName = annotations['org.opencontainers.image.ref.name'];
    const name = annotations['io.containerd.image.name'] ?? (refName && refNameIsReference(refName) ? refName : undefined);
    if (!refName && manifests.length > 1) throw new ImagePullError(`${path}: an image in this oci-archive has no org.opencontainers.image.ref.name`);
    return { source: `oci-archive:${path}${refName ? `:${refName}` : ''}`, names: name ? [name] : [] };
  });
}

export async function archiveImages(path: string, name?: string): Promise<ArchiveImage[]> {
  if (path.includes(':')) throw new ImagePullError(`${path}: skopeo cannot read an archive whose path has a ":"`);
  const listed = await members(path).catch((error: unknown) => {
    throw new ImagePullError(`${path}: not a tar archive`, { cause: error });
  });
  const dockerManifestJson = await readMember(path, listed, 'manifest.json');
  const ociIndexJson = dockerManifestJson === undefined ? await readMember(path, listed, 'index.json') : undefined;
  if (dockerManifestJson === undefined && ociIndexJson === undefined) {
    throw new ImagePullError(`${path}: neither a docker-archive (manifest.json) nor an oci-archive (index.json)`);
  }
  const images = dockerManifestJson !== undefined ? dockerArchiveImages(path, dockerManifestJson) : ociArchiveImages(path, ociIndexJson);
  if (name !== undefined) {
    if (images.length !== 1) throw new ImagePullError(`${path} holds ${images.length} images; a name can be given to one only`);
    images[0]!.names = [name];
  }
  for (const image of images) {
    if (image.names.length === 0) throw new ImagePullError(`${path}: the archive does not name its image; give it a name`);
    image.names = image.names.map((n) => fullName(parseImageReference(n)));
  }
  return images;
}
