/**
 * Pod directories a worker left behind: an OnFailure pod keeps its emptyDir for a restart that may never come to
 * this worker (the Job failed, was deleted, or the restart ran elsewhere). Directories untouched for a day go.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const STALE_POD_DIRECTORY_MS = 24 * 60 * 60 * 1000;

export async function sweepStalePodDirectories(root: string, now = Date.now(), maxAgeMs = STALE_POD_DIRECTORY_MS): Promise<number> {
  let removed = 0;
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const path = join(root, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < maxAgeMs) continue;
    await rm(path, { recursive: true, force: true }).then(() => removed++, () => undefined);
  }
  return removed;
}
