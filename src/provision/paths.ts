/** Where kjob keeps provisioned servers: `$KJOB_CACHE_DIR`, or `.cache/kjob` in the package (git-ignored). */
import { existsSync, readFileSync } from 'node:fs';
import { ProvisioningError } from '../shared/errors.js';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kjob') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the kjob package root');
    dir = parent;
  }
}

export function cacheDir(): string {
  return process.env.KJOB_CACHE_DIR ?? join(packageRoot(), '.cache', 'kjob');
}

/** The first executable called `name` on PATH. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The first two places to look for a server binary: the path an env variable names, then PATH. */
export function explicitOrOnPath(envVariable: string, binary: string): { path: string; source: string } | undefined {
  const explicit = process.env[envVariable];
  if (explicit) {
    if (!existsSync(explicit)) throw new ProvisioningError(`${envVariable}=${explicit} does not exist`);
    return { path: explicit, source: envVariable };
  }
  const onPath = findOnPath(binary);
  return onPath ? { path: onPath, source: 'PATH' } : undefined;
}

export const stderrProgress = (line: string) => process.stderr.write(`${line}\n`);
