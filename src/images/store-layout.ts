/**
 * Where the image store keeps what, under its root (the worker's `<stateDir>/images`):
 * - `blobs/sha256/<hex>`: content-addressed blobs (manifests, configs, layers), skopeo's shared blob dir, shared by
 *   every image and verified by skopeo as it writes them;
 * - `images/sha256-<hex>/`: one unpacked image per platform manifest digest (`rootfs/`, `image.json`, `last-used`);
 * - `refs/<sha256 of the name>.json`: a reference (`docker.io/library/x:1`, `…@sha256:…`) and the digest it names;
 * - `leases/`, `locks/`: pid-named files, void once their process is dead;
 * - `tmp/<pid>-…`: work in progress, renamed into place when complete, swept once its pid is dead.
 * Everything lives on one filesystem, so a rename is atomic: a process killed at any point leaves complete entries
 * and temp files only.
 */
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';

export class StoreLayout {
  readonly blobs: string;
  readonly images: string;
  readonly refs: string;
  readonly leases: string;
  readonly locks: string;
  readonly tmp: string;

  constructor(readonly root: string) {
    this.blobs = join(root, 'blobs');
    this.images = join(root, 'images');
    this.refs = join(root, 'refs');
    this.leases = join(root, 'leases');
    this.locks = join(root, 'locks');
    this.tmp = join(root, 'tmp');
  }

  get folders(): string[] {
    return [this.blobs, this.images, this.refs, this.leases, this.locks, this.tmp];
  }

  blob(digest: string): string {
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(this.blobs, algorithm, hex);
  }

  /** The unpacked image of a platform manifest digest. */
  image(digest: string): string {
    return join(this.images, digest.replace(':', '-'));
  }

  ref(name: string): string {
    return join(this.refs, `${createHash('sha256').update(name).digest('hex')}.json`);
  }

  /** A fresh path under tmp/ that names this process, so a sweep knows when it is abandoned. */
  temp(kind: string): string {
    return join(this.tmp, `${process.pid}-${kind}-${randomUUID()}`);
  }
}

/** The digest an images/ folder name stands for (`sha256-<hex>` is `sha256:<hex>`). */
export const digestOfImageFolder = (name: string): string => name.replace('-', ':');

/** The pid a tmp/ or leases/ entry names: both start with `<pid>-`. */
export function pidOfEntry(name: string): number | undefined {
  const match = /^(\d+)-/.exec(name);
  return match ? Number(match[1]) : undefined;
}
