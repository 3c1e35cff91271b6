/** A pod run's directories: the scratch directory, made on first use, and the removal of what a pod leaves. */
import { Context } from '@temporalio/activity';
import { mkdirSync } from 'node:fs';
import { chmod, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface LazyDirectory {
  path: string;
  readonly created: boolean;
  /** Makes the directory (once) and returns its path. */
  ensure(): string;
}

export function lazyDirectory(path: string): LazyDirectory {
  let created = false;
  return {
    path,
    get created() {
      return created;
    },
    ensure() {
      if (!created) mkdirSync(path, { recursive: true });
      created = true;
      return path;
    },
  };
}

/** A pod's leftovers must not turn its result into a failure; a directory it made read-only is made writable. */
export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(async () => {
    await chmodTree(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
      Context.current().log.warn('could not remove a pod directory', { dir, error: String(error) }),
    );
  });
}

/** Makes every directory below `dir` the owner's to read and enter (0700), so that it can be removed. */
export async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await chmodTree(join(dir, entry.name));
  }
}
