/**
 * `remove`, as `crictl rmi` and `docker rmi` do it: by name, a ref goes, and the image with it once no tag names
 * it any more; by image ID (or manifest digest), 12 hex digits or more, the image and all its names. An image a
 * container holds a lease on is refused.
 */
import { rename, rm } from 'node:fs/promises';
import { parseImageReference } from '../shared/images/image-reference.js';
import { ImageInUseError } from './errors.js';
import { leasedDigests } from './leases.js';
import { listImageDigests, listRefs, readImageRecord, removeRef } from './metadata.js';
import { isTagName, lookupName } from './ref-names.js';
import type { StoreLayout } from './store-layout.js';
import { withStoreLock } from './store-locks.js';

const IMAGE_ID = /^(?:sha256:)?([0-9a-f]{12,64})$/;

async function digestsWithId(layout: StoreLayout, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const digest of await listImageDigests(layout)) {
    const record = await readImageRecord(layout, digest);
    if (record && [record.id, record.digest].some((d) => d.slice(d.indexOf(':') + 1).startsWith(prefix))) found.push(digest);
  }
  if (found.length > 1) throw new Error(`image ID ${prefix} is ambiguous: ${found.length} images have it`);
  return found;
}

function nameOf(image: string): string | undefined {
  try {
    return lookupName(parseImageReference(image));
  } catch {
    return undefined;
  }
}

/** Removes what `image` names; false when it names nothing stored. */
export async function removeImage(layout: StoreLayout, image: string): Promise<boolean> {
  let doomed: string | undefined;
  const removed = await withStoreLock(layout, async () => {
    const refs = await listRefs(layout);
    const idPrefix = IMAGE_ID.exec(image)?.[1];
    const byName = nameOf(image);
    let digest: string | undefined;
    let names: string[];
    if (idPrefix !== undefined && !refs.some((r) => r.name === byName)) {
      digest = (await digestsWithId(layout, idPrefix))[0];
      names = refs.filter((r) => r.digest === digest).map((r) => r.name);
    } else {
      const name = byName ?? lookupName(parseImageReference(image));
      digest = refs.find((r) => r.name === name)?.digest;
      const others = refs.filter((r) => r.digest === digest && r.name !== name);
      names = others.some((r) => isTagName(r.name)) ? [name] : [name, ...others.map((r) => r.name)];
    }
    if (digest === undefined) return false;
    const wholeImage = !refs.some((r) => r.digest === digest && !names.includes(r.name));
    if ((await leasedDigests(layout)).has(digest)) throw new ImageInUseError(`unable to remove image ${image}: a container is using it`);
    for (const name of names) await removeRef(layout, name);
    if (wholeImage) {
      doomed = layout.temp('removed');
      await rename(layout.image(digest), doomed).catch(() => (doomed = undefined));
    }
    return true;
  });
  if (doomed) await rm(doomed, { recursive: true, force: true });
  return removed;
}
