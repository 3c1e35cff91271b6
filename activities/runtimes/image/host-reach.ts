/**
 * Whether the image's user can reach a host path: bubblewrap, run as that user (setpriv), opens the container's
 * root and each volume's source itself, so every folder on the way must let the user search it (where the
 * kubelet's runtime, which binds as root, would not care).
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ImageUser } from './image-user.js';

/** The first folder on the way to `path` (itself included) that the user may not search, if any. */
export function unsearchableFor(user: ImageUser, path: string): string | undefined {
  const folders: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    let info;
    try {
      info = statSync(folder);
    } catch {
      return undefined; // missing: bubblewrap reports it, as for any user
    }
    if (!info.isDirectory()) return undefined;
    const bits = info.uid === user.uid ? 0o100 : user.groups.includes(info.gid) || info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & bits) === 0) return folder;
  }
  return undefined;
}

/** The first of the bind sources the user cannot reach, with the folder that stops it. */
export function unreachableBind(user: ImageUser, sources: readonly string[]): { source: string; folder: string } | undefined {
  for (const source of sources) {
    const folder = unsearchableFor(user, source);
    if (folder !== undefined) return { source, folder };
  }
  return undefined;
}
