/**
 * The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go), which writes secret, configMap and downwardAPI
 * volumes so a reader never sees half an update: the files go into a fresh timestamped folder `..<ts>`, the
 * `..data` symlink is swapped to it in one rename, and each top-level name of the payload is a symlink
 * `name -> ..data/name`. Names the new payload lacks are removed, then the old folder.
 */
import { chmod, mkdir, mkdtemp, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Payload } from './volume-payload.js';

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** newTimestampDir's prefix: `..` and the UTC time as Go's "2006_01_02_15_04_05." (a random suffix follows). */
function timestampPrefix(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${two(now.getUTCMonth() + 1)}_${two(now.getUTCDate())}_${two(now.getUTCHours())}_${two(now.getUTCMinutes())}_${two(now.getUTCSeconds())}.`;
}

/** The first element of each payload path: what the volume's top level shows. */
function topLevelNames(paths: Iterable<string>): Set<string> {
  return new Set([...paths].map((path) => path.split('/').filter((part) => part !== '' && part !== '.')[0] ?? path));
}

/** Writes `payload` into `targetDir` (made if missing), replacing what an earlier write left there. */
export async function writeAtomically(targetDir: string, payload: Payload, now = new Date()): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  const dataLink = join(targetDir, DATA_DIR);
  const oldTsDir = await readlink(dataLink).catch(() => undefined);
  // The previous write's user-visible names are the entries of its timestamped folder.
  const oldNames = new Set(oldTsDir ? await readdir(join(targetDir, oldTsDir)).catch(() => []) : []);

  const tsDir = await mkdtemp(join(targetDir, timestampPrefix(now)));
  await chmod(tsDir, 0o755);
  for (const [path, { data, mode }] of payload) {
    const file = join(tsDir, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data, { mode });
    // writeFile's mode passes through the umask; the kubelet sets the mode exactly.
    await chmod(file, mode);
  }
  const names = topLevelNames(payload.keys());
  for (const name of names) {
    await symlink(join(DATA_DIR, name), join(targetDir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  const tmpLink = join(targetDir, DATA_DIR_TMP);
  await rm(tmpLink, { force: true });
  await symlink(basename(tsDir), tmpLink);
  await rename(tmpLink, dataLink);
  for (const name of oldNames) if (!names.has(name)) await rm(join(targetDir, name), { force: true });
  if (oldTsDir) await rm(join(targetDir, oldTsDir), { recursive: true, force: true });
}
