/**
 * The image store as a cache: loads of docker-archive and oci-archive files, list and remove, leases, LRU garbage
 * collection within a disk budget, and the sweep of what dead processes left.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImageInUseError, ImagePullError, ImageStore } from '../../src/images/index.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, exportTestImage, pushTestImage, removeTestImages, type TestImage } from '../test-images.js';

const NOT_AN_ARCHIVE = join(import.meta.dirname, '..', 'fixtures', 'image-pull.mjs');
const MiB = 1024 * 1024;
let registry: TestRegistry;
let basic: TestImage;
let basicDigest: string;
let work: string;

const freshRoot = () => mkdtemp(join(work, 'root-'));

/** Blobs on disk, and the blobs the stored images need. */
async function blobUse(root: string): Promise<{ onDisk: string[]; needed: string[] }> {
  const onDisk = (await readdir(join(root, 'blobs', 'sha256'))).map((hex) => `sha256:${hex}`).sort();
  const needed = new Set<string>();
  for (const folder of await readdir(join(root, 'images'))) {
    const record = JSON.parse(await readFile(join(root, 'images', folder, 'image.json'), 'utf8')) as { blobs: string[] };
    record.blobs.forEach((b) => needed.add(b));
  }
  return { onDisk, needed: [...needed].sort() };
}

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'kjob-image-cache-'));
  basic = await buildTestImage({ files: { 'etc/image-marker': 'cache\n' }, cmd: ['cat', '/etc/image-marker'] });
  basicDigest = await pushTestImage(basic, `${registry.address}/basic:1`);
});

afterAll(async () => {
  await registry?.stop();
  await removeTestImages();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('load', () => {
  test('a docker-archive, named by its RepoTags', async () => {
    const archive = join(work, 'basic.docker.tar');
    await exportTestImage(basic, 'docker-archive', archive, 'basic-archive:1');
    const store = new ImageStore({ root: await freshRoot() });
    const [loaded, ...more] = await store.load(archive);
    expect(more).toEqual([]);
    expect(loaded!.reference).toBe('docker.io/library/basic-archive:1');
    expect(await readFile(join(loaded!.rootfs, 'etc/image-marker'), 'utf8')).toBe('cache\n');
    expect(loaded!.config.cmd).toEqual(['cat', '/etc/image-marker']);
    const pulled = (await store.pull(`${registry.address}/basic:1`)).image;
    expect(loaded!.id).toBe(pulled.id);
    expect((await store.find('basic-archive:1'))?.digest).toBe(loaded!.digest);
  });

  test('an oci-archive, named by its ref.name; it is the very image the registry has', async () => {
    const archive = join(work, 'basic.oci.tar');
    await exportTestImage(basic, 'oci-archive', archive, 'localhost/basic-oci:2');
    const store = new ImageStore({ root: await freshRoot() });
    const [loaded] = await store.load(archive);
    expect(loaded).toMatchObject({ reference: 'localhost/basic-oci:2', digest: basicDigest });
    const pulled = await store.pull(`${registry.address}/basic:1`);
    expect(pulled.downloaded).toBe(false);
  });

  test('an archive that names no image takes a name, and only then', async () => {
    const archive = join(work, 'unnamed.oci.tar');
    await exportTestImage(basic, 'oci-archive', archive, 'v1');
    const store = new ImageStore({ root: await freshRoot() });
    await expect(store.load(archive)).rejects.toThrow(new ImagePullError(`${archive}: the archive does not name its image; give it a name`));
    const [loaded] = await store.load(archive, { name: 'example.com/team/tool:v1' });
    expect(loaded?.reference).toBe('example.com/team/tool:v1');
  });

  test('a file that is no image archive', async () => {
    const store = new ImageStore({ root: await freshRoot() });
    await expect(store.load(NOT_AN_ARCHIVE)).rejects.toThrow(ImagePullError);
  });
});

describe('list, remove and leases', () => {
  test('list shows each tag; remove takes a name, then the image with its last tag; a leased image is refused', async () => {
    const root = await freshRoot();
    const store = new ImageStore({ root });
    const { image } = await store.pull(`${registry.address}/basic:1`);
    const archive = join(work, 'two-names.oci.tar');
    await exportTestImage(basic, 'oci-archive', archive, 'localhost/other:7');
    await store.load(archive);
    expect((await store.list()).map((i) => [i.reference, i.digest])).toEqual([
      [`${registry.address}/basic:1`, basicDigest],
      ['localhost/other:7', basicDigest],
    ]);

    const lease = await store.use(image);
    await expect(store.remove('localhost/other:7')).rejects.toThrow(ImageInUseError);
    await lease.release();
    expect(await store.remove('localhost/other:7')).toBe(true);
    expect(existsSync(image.rootfs)).toBe(true);
    expect(await store.remove('localhost/other:7')).toBe(false);
    expect(await store.remove(`${registry.address}/basic:1`)).toBe(true);
    expect(existsSync(image.rootfs)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await store.find(`${registry.address}/basic@${basicDigest}`)).toBeUndefined();
  });

  test("one process's pods share one lease per image, dropped with its last user", async () => {
    const root = await freshRoot();
    const store = new ImageStore({ root });
    const { image } = await store.pull(`${registry.address}/basic:1`);
    const leases = await Promise.all(Array.from({ length: 20 }, () => store.use(image)));
    expect(readdirSync(join(root, 'leases'))).toHaveLength(1);
    for (const lease of leases.slice(1)) await lease.release();
    await expect(store.remove(`${registry.address}/basic:1`)).rejects.toThrow(ImageInUseError);
    await leases[0]!.release();
    expect(readdirSync(join(root, 'leases'))).toHaveLength(0);
    expect(await store.remove(`${registry.address}/basic:1`)).toBe(true);
  });

  test('remove by image ID, as crictl rmi takes it', async () => {
    const store = new ImageStore({ root: await freshRoot() });
    const { image } = await store.pull(`${registry.address}/basic:1`);
    expect(await store.remove(image.id.slice('sha256:'.length, 'sha256:'.length + 12))).toBe(true);
    expect(await store.list()).toEqual([]);
  });
});

describe('garbage collection', () => {
  test('least recently used unleased images go to fit the budget; leased ones, and their blobs, stay', async () => {
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) {
      await pushTestImage(await buildTestImage({ busybox: false, files: { 'data/random': randomBytes(2 * MiB) } }), `${registry.address}/gc-${name}:1`);
    }
    const root = await freshRoot();
    // Each image is 2 MiB unpacked plus its 2 MiB layer blob: two fit in 10 MiB, three do not.
    const store = new ImageStore({ root, maxBytes: 10 * MiB, minAgeMs: 0 });
    const pull = async (name: string) => (await store.pull(`${registry.address}/gc-${name}:1`)).image;
    const stored = async () => (await store.list()).map((i) => i.reference.replace(/^.*\/gc-(\w)+:1$/, '$1')).sort();
    const a = await pull('a');
    await pull('b');
    const leaseA = await store.use(a);
    await pull('c');
    expect(await stored()).toEqual(['a', 'c']);
    await leaseA.release();
    await (await store.use((await store.find(`${registry.address}/gc-c:1`))!)).release();
    await pull('d');
    expect(await stored()).toEqual(['c', 'd']);
    const { onDisk, needed } = await blobUse(root);
    expect(onDisk).toEqual(needed);
    expect(await store.collectGarbage()).toEqual({ removed: [], freedBytes: 0 });
  });

  test('images used within minAgeMs stay even over the budget', async () => {
    const store = new ImageStore({ root: await freshRoot(), maxBytes: 1 });
    await store.pull(`${registry.address}/basic:1`);
    expect((await store.collectGarbage()).removed).toEqual([]);
    expect(await store.list()).toHaveLength(1);
  });

  test('temp folders and locks of dead processes are swept', async () => {
    const root = await freshRoot();
    const store = new ImageStore({ root });
    await store.list();
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    await mkdir(join(root, 'tmp', `${dead.pid}-pull-left-behind`, 'layout'), { recursive: true });
    await writeFile(join(root, 'locks', 'ingest-sha256-0.lock'), JSON.stringify({ host: hostname(), pid: dead.pid, token: 'x' }));
    await store.collectGarbage();
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await readdir(join(root, 'locks'))).toEqual([]);
  });
});
