/**
 * The demo's stand-in for `perl:5.34.0` on a machine that cannot reach Docker Hub: a real OCI image built from
 * this host's perl (its binary, the libraries it loads, its module folders), loaded into the worker's image
 * cache under a name of its own, so nobody takes it for the docs' image. Debian's perl 5.36 ships a Math::BigInt
 * whose bpi(2000) crashes; where the host's does, the image takes Debian's fixed libmath-bigint-perl package
 * (fetched with `apt-get download`, which needs no root) as a layer would in a Dockerfile.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageStore, StoredImage } from '../../images/index.js';

const run = promisify(execFile);

/** The folders perl loads modules from (Debian's layout), copied whole. */
const PERL_FOLDERS = ['/usr/share/perl', '/usr/share/perl5', '/usr/lib/x86_64-linux-gnu/perl', '/usr/lib/x86_64-linux-gnu/perl5', '/usr/lib/x86_64-linux-gnu/perl-base', '/etc/perl'];

export class DemoImageError extends Error {
  override name = 'DemoImageError';
}

/**
 * The stand-in image from the store if an earlier run built it, else built and loaded into the store; with
 * what went into a new one (nothing for one found).
 */
export async function hostPerlImage(store: ImageStore, testCommand: string[]): Promise<{ image: StoredImage; notes: string[] }> {
  const { stdout: version } = await run('perl', ['-e', 'print substr($^V, 1)']);
  const name = `kjob.local/host-perl:${version}`;
  const found = await store.find(name);
  return found ? { image: found, notes: [] } : buildHostPerlImage(store, name, version, testCommand);
}

async function buildHostPerlImage(store: ImageStore, name: string, version: string, testCommand: string[]): Promise<{ image: StoredImage; notes: string[] }> {
  const work = await mkdtemp(join(tmpdir(), 'kjob-demo-image-'));
  try {
    const notes: string[] = [];
    const layout = join(work, 'layout');
    const bundle = join(work, 'bundle');
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:demo`]);
    await run('umoci', ['unpack', '--image', `${layout}:demo`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    await copyHostPerl(rootfs);
    notes.push(`this host's perl ${version} with the libraries it loads`);
    const works = await run(testCommand[0]!, testCommand.slice(1), { timeout: 60_000 }).then(
      () => true,
      () => false,
    );
    if (!works) notes.push(await addFixedBigInt(work, rootfs));
    await run('umoci', ['repack', '--image', `${layout}:demo`, bundle]);
    await run('umoci', ['config', '--image', `${layout}:demo`, '--config.cmd', 'perl', '--config.env', 'PATH=/usr/local/bin:/usr/bin:/bin']);
    const archive = join(work, 'image.tar');
    await run('skopeo', ['copy', `oci:${layout}:demo`, `oci-archive:${archive}`]);
    const [image] = await store.load(archive, { name });
    if (!image) throw new DemoImageError('the image archive held no image');
    return { image, notes };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** perl, the shared libraries of perl and its XS modules (at their /usr paths: the image has a merged /usr), its folders. */
async function copyHostPerl(rootfs: string): Promise<void> {
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) await symlink(`usr/${link}`, join(rootfs, link));
  await mkdir(join(rootfs, 'usr/bin'), { recursive: true });
  await copyFile('/usr/bin/perl', join(rootfs, 'usr/bin/perl'));
  const objects = ['/usr/bin/perl', ...(await sharedObjects(PERL_FOLDERS))];
  const libraries = new Set<string>();
  for (const object of objects) for (const library of await loadedLibraries(object)) libraries.add(library);
  for (const library of libraries) {
    const target = join(rootfs, library.replace(/^\/(lib|lib64|bin|sbin)\//, '/usr/$1/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(library, target);
  }
  for (const folder of PERL_FOLDERS) {
    await mkdir(join(rootfs, dirname(folder)), { recursive: true });
    await run('cp', ['-a', folder, join(rootfs, dirname(folder))]).catch(() => undefined);
  }
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\n');
}

async function sharedObjects(folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const folder of folders) {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile() && entry.name.endsWith('.so')) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/** What ldd says an executable or library loads (absolute paths only; the vDSO has none). */
async function loadedLibraries(object: string): Promise<string[]> {
  const { stdout } = await run('ldd', [object]).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
}

/** Debian's libmath-bigint-perl (the fix for bpi), unpacked into the image where Debian installs it. */
async function addFixedBigInt(work: string, rootfs: string): Promise<string> {
  const debs = join(work, 'debs');
  await mkdir(debs);
  try {
    await run('apt-get', ['download', 'libmath-bigint-perl'], { cwd: debs, timeout: 120_000 });
  } catch (error) {
    const why = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new DemoImageError(
      `this host's perl cannot run the example (its Math::BigInt crashes on bpi(2000)), and Debian's fixed ` +
        `libmath-bigint-perl could not be downloaded: ${why}`,
    );
  }
  const [deb] = (await readdir(debs)).filter((f) => f.endsWith('.deb'));
  if (!deb) throw new DemoImageError('apt-get download libmath-bigint-perl left no package');
  await run('dpkg-deb', ['-x', join(debs, deb), rootfs]);
  return `Debian's ${deb.replace(/_amd64\.deb$|_all\.deb$/, '').replace('_', ' ')} (this host's Math::BigInt crashes on bpi(2000))`;
}
