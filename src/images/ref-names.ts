/**
 * The names refs are stored under, as containerd's CRI plugin names images: `domain/path:tag` (the RepoTags) and
 * `domain/path@digest` (the RepoDigests). A reference with a tag and a digest is looked up by its digest, which
 * is what it pulls.
 */
import { repositoryName, type ImageReference } from '../shared/images/image-reference.js';

export function lookupName(ref: ImageReference): string {
  return ref.digest ? `${repositoryName(ref)}@${ref.digest}` : `${repositoryName(ref)}:${ref.tag ?? 'latest'}`;
}

/** What a pull names: the reference asked for, and the repository at the platform manifest's digest. */
export function pulledNames(ref: ImageReference, digest: string): string[] {
  const asked = lookupName(ref);
  const byDigest = `${repositoryName(ref)}@${digest}`;
  return asked === byDigest ? [asked] : [asked, byDigest];
}

export const isTagName = (name: string) => !name.includes('@');
