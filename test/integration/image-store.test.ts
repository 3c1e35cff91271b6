/**
 * The image store against a real registry (Debian's docker-registry on loopback, started here) and real skopeo and
 * umoci: pulls by tag and digest, OCI and Docker schema 2 manifests, a multi-platform index, whiteouts, the image
 * config, a re-pushed `:latest`, a missing image, an aborted pull.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImagePullError, ImageStore } from '../../src/images/index.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushMultiPlatformImage, pushTestImage, removeTestImages, type TestImage } from '../test-images.js';

let registry: TestRegistry;
let root: string;
let basic: TestImage;
let basicDigest: string;

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 20_000 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

const roots: string[] = [];
async function newRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kjob-images-'));
  roots.push(dir);
  return dir;
}
const newStore = async (options: Partial<ConstructorParameters<typeof ImageStore>[0]> = {}) => new ImageStore({ root: await newRoot(), ...options });

/** The config digest the registry's manifest names (what the store must report as the image ID). */
async function registryConfigDigest(repository: string, reference: string): Promise<string> {
  const response = await fetch(`http://${registry.address}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
  });
  return ((await response.json()) as { config: { digest: string } }).config.digest;
}

beforeAll(async () => {
  registry = await startRegistry();
  root = await newRoot();
  basic = await buildTestImage({
    files: { 'etc/image-marker': 'basic\n' },
    layers: [
      { files: { 'etc/doomed': 'gone soon\n', 'data/opaque/a': 'a\n', 'data/opaque/b': 'b\n', 'data/kept/x': 'x\n' } },
      { remove: ['etc/doomed'], opaque: ['data/opaque'], files: { 'data/opaque/c': 'c\n' } },
    ],
    entrypoint: ['/bin/sh', '-c'],
    cmd: ['echo hello from $GREETING'],
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=image'],
    workingDir: '/work',
    user: '65534:65534',
  });
  basicDigest = await pushTestImage(basic, `${registry.address}/basic:1`);
});

afterAll(async () => {
  await registry?.stop();
  await removeTestImages();
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('pull', () => {
  test('by tag: the rootfs, the config, the digests', async () => {
    const store = new ImageStore({ root });
    const { image, downloaded } = await store.pull(`${registry.address}/basic:1`);
    expect(downloaded).toBe(true);
    expect(image.reference).toBe(`${registry.address}/basic:1`);
    expect(image.digest).toBe(basicDigest);
    expect(image.id).toBe(await registryConfigDigest('basic', '1'));
    expect(image.config).toEqual({
      entrypoint: ['/bin/sh', '-c'],
      cmd: ['echo hello from $GREETING'],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=image'],
      workingDir: '/work',
      user: '65534:65534',
    });
    expect(await readFile(join(image.rootfs, 'etc/image-marker'), 'utf8')).toBe('basic\n');
    expect((await stat(join(image.rootfs, 'bin/busybox'))).mode & 0o111).not.toBe(0);
    expect(image.sizeBytes).toBeGreaterThan(1_000_000);
    expect(await store.find(`${registry.address}/basic:1`)).toEqual(image);
  });

  test('whiteouts are applied: a deleted file is gone, an opaque folder holds only its own layer', async () => {
    const image = (await new ImageStore({ root }).find(`${registry.address}/basic:1`))!;
    await expect(stat(join(image.rootfs, 'etc/doomed'))).rejects.toThrow('ENOENT');
    expect(await readdir(join(image.rootfs, 'data/opaque'))).toEqual(['c']);
    expect(await readdir(join(image.rootfs, 'data/kept'))).toEqual(['x']);
    const anyWhiteout = async (dir: string): Promise<boolean> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.wh.')) return true;
        if (entry.isDirectory() && (await anyWhiteout(join(dir, entry.name)))) return true;
      }
      return false;
    };
    expect(await anyWhiteout(join(image.rootfs, 'data'))).toBe(false);
  });

  test('an unchanged image downloads nothing; by digest it is the same image', async () => {
    const store = new ImageStore({ root });
    const again = await store.pull(`${registry.address}/basic:1`);
    expect(again.downloaded).toBe(false);
    expect(again.image.digest).toBe(basicDigest);
    const byDigest = await store.pull(`${registry.address}/basic@${basicDigest}`);
    expect(byDigest).toMatchObject({ downloaded: false, image: { digest: basicDigest, reference: `${registry.address}/basic@${basicDigest}` } });
    expect((await store.find(`${registry.address}/basic@${basicDigest}`))?.digest).toBe(basicDigest);
  });

  test('by digest into an empty store', async () => {
    const { image, downloaded } = await (await newStore()).pull(`${registry.address}/basic@${basicDigest}`);
    expect(downloaded).toBe(true);
    expect(await readFile(join(image.rootfs, 'etc/image-marker'), 'utf8')).toBe('basic\n');
  });

  test('a Docker schema 2 manifest keeps its registry digest and image ID', async () => {
    const digest = await pushTestImage(basic, `${registry.address}/basic-docker:1`, { format: 'v2s2' });
    expect(digest).not.toBe(basicDigest);
    const { image } = await (await newStore()).pull(`${registry.address}/basic-docker:1`);
    expect(image.digest).toBe(digest);
    expect(image.id).toBe(await registryConfigDigest('basic-docker', '1'));
    expect(image.config.workingDir).toBe('/work');
    expect(await readdir(join(image.rootfs, 'data/opaque'))).toEqual(['c']);
  });

  test('a multi-platform index: the host platform (amd64) is pulled, another when asked', async () => {
    const amd64 = await buildTestImage({ files: { 'etc/platform': 'amd64\n' }, cmd: ['cat', '/etc/platform'] });
    const arm64 = await buildTestImage({ busybox: false, files: { 'etc/platform': 'arm64\n' }, architecture: 'arm64' });
    const index = await pushMultiPlatformImage(
      [
        { image: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      ],
      `${registry.address}/multi:1`,
    );
    const store = await newStore();
    const pulled = await store.pull(`${registry.address}/multi:1`);
    expect(pulled.image.digest).toBe(index.manifests[1]);
    expect(await store.pull(`${registry.address}/multi:1`)).toMatchObject({ downloaded: false, image: { digest: index.manifests[1], id: pulled.image.id } });
    expect(await readFile(join(pulled.image.rootfs, 'etc/platform'), 'utf8')).toBe('amd64\n');
    expect(pulled.image.config.cmd).toEqual(['cat', '/etc/platform']);

    const arm = await (await newStore({ platform: { os: 'linux', architecture: 'arm64' } })).pull(`${registry.address}/multi@${index.digest}`);
    expect(arm.image.digest).toBe(index.manifests[0]);
    expect(await readFile(join(arm.image.rootfs, 'etc/platform'), 'utf8')).toBe('arm64\n');

    await expect((await newStore({ platform: { os: 'linux', architecture: 's390x' } })).pull(`${registry.address}/multi:1`)).rejects.toThrow(
      new ImagePullError('no image found in manifest list for architecture s390x, variant "", OS linux'),
    );
  });

  test('a re-pushed :latest gets its new digest; the old image stays under its digest', async () => {
    const store = await newStore();
    const first = await pushTestImage(await buildTestImage({ files: { 'etc/version': '1\n' } }), `${registry.address}/app:latest`);
    const one = await store.pull(`${registry.address}/app`);
    expect(one).toMatchObject({ downloaded: true, image: { digest: first, reference: `${registry.address}/app:latest` } });
    expect((await store.pull(`${registry.address}/app:latest`)).downloaded).toBe(false);

    const second = await pushTestImage(await buildTestImage({ files: { 'etc/version': '2\n' } }), `${registry.address}/app:latest`);
    expect(second).not.toBe(first);
    expect((await store.find(`${registry.address}/app`))?.digest).toBe(first);
    const two = await store.pull(`${registry.address}/app`);
    expect(two).toMatchObject({ downloaded: true, image: { digest: second } });
    expect(await readFile(join(two.image.rootfs, 'etc/version'), 'utf8')).toBe('2\n');
    expect((await store.find(`${registry.address}/app:latest`))?.digest).toBe(second);
    expect((await store.find(`${registry.address}/app@${first}`))?.digest).toBe(first);
  });
});

describe('failures leave nothing behind', () => {
  test('a missing image fails with the registry\'s "manifest unknown"', async () => {
    const store = await newStore();
    const error = await store.pull(`${registry.address}/nope:1`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImagePullError);
    expect((error as Error).message).toBe(`reading manifest 1 in ${registry.address}/nope: manifest unknown: manifest unknown`);
    expect(await store.list()).toEqual([]);
  });

  test('a registry that is down', async () => {
    await expect((await newStore()).pull('127.0.0.1:1/x:1')).rejects.toThrow(
      new ImagePullError('pinging container registry 127.0.0.1:1: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'),
    );
  });

  test('an aborted pull kills skopeo or umoci and leaves no temp folders', async () => {
    const big = await buildTestImage({ busybox: false, files: { 'data/random': randomBytes(48 * 1024 * 1024) } });
    await pushTestImage(big, `${registry.address}/big:1`);
    const root = await newRoot();
    const store = new ImageStore({ root });
    const controller = new AbortController();
    const pulling = store.pull(`${registry.address}/big:1`, { signal: controller.signal });
    // Abort once skopeo copy has begun writing the pull's layout (its work folder under tmp/ has one).
    await until(async () => (await readdir(join(root, 'tmp')).catch(() => [])).some((entry) => existsSync(join(root, 'tmp', entry, 'layout'))));
    controller.abort(new Error('pod deleted'));
    await expect(pulling).rejects.toThrow('pod deleted');
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await readdir(join(root, 'images'))).toEqual([]);
    expect((await store.pull(`${registry.address}/big:1`)).downloaded).toBe(true);
  });
});
