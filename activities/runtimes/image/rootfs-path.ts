/**
 * Where a path inside the container is on the host, before the container runs: in the image's root, or in a
 * volume bound over part of it. Symbolic links are followed as the container would follow them, inside its
 * root (an absolute link target starts again at the container's `/`, never at the host's), as containerd's
 * fs.RootPath and runc's securejoin resolve a rootfs path.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import type { ContainerMount } from '../../pod-volumes.js';
import { absolute } from '../process/sandbox.js';

/** The kernel's limit on links followed in one lookup (ELOOP beyond it). */
const MAX_SYMLINKS = 40;

export interface ContainerRoot {
  rootfs: string;
  /** The volumes bound over the image, in bubblewrap's order (a later one is bound over an earlier one). */
  mounts: readonly ContainerMount[];
}

export interface ResolvedPath {
  /** The path inside the container, with no link left in it. */
  path: string;
  /** The same place on the host. */
  hostPath: string;
  /** Whether it is inside a volume (else in the image's own root). */
  inVolume: boolean;
}

/** Resolves `path` (relative to `cwd` when relative); a missing part ends the links to follow, as in a lookup. */
export function resolveInRoot(root: ContainerRoot, path: string, cwd = '/'): ResolvedPath {
  const pending = (path.startsWith('/') ? path : `${absolute(cwd)}/${path}`).split('/');
  let resolved = '';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved = resolved.slice(0, resolved.lastIndexOf('/'));
      continue;
    }
    const candidate = `${resolved}/${part}`;
    const at = hostPathOf(root, candidate);
    // A volume's own source is bound as the host resolves it: a link there is the host's, not the container's.
    const target = at.mountPoint ? undefined : linkTarget(at.hostPath);
    if (target === undefined) {
      resolved = candidate;
      continue;
    }
    if (++links > MAX_SYMLINKS) throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
    if (target.startsWith('/')) resolved = '';
    pending.unshift(...target.split('/'));
  }
  const { mountPoint: _, ...found } = hostPathOf(root, resolved || '/');
  return found;
}

function hostPathOf(root: ContainerRoot, path: string): ResolvedPath & { mountPoint: boolean } {
  const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir.replace(/\/$/, '')}/`);
  const mount = [...root.mounts].reverse().find((m) => under(path, absolute(m.target)));
  if (!mount) return { path, hostPath: `${root.rootfs}${path === '/' ? '' : path}`, inVolume: false, mountPoint: false };
  const rest = path.slice(absolute(mount.target).replace(/\/$/, '').length);
  return { path, hostPath: `${mount.source}${rest}`, inVolume: true, mountPoint: rest === '' };
}

function linkTarget(hostPath: string): string | undefined {
  try {
    return lstatSync(hostPath).isSymbolicLink() ? readlinkSync(hostPath) : undefined;
  } catch {
    return undefined;
  }
}
