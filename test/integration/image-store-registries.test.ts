/**
 * The image store's registry access against real registries on loopback: a registry that needs a password
 * (htpasswd), credentials from an auth file in containers' auth.json format or given for the pull, and a mirror
 * standing in for Docker Hub, so `busybox-test:1` resolves as docker.io/library/busybox-test:1 through it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImagePullError, ImageStore } from '../../src/images/index.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushTestImage, removeTestImages, type TestImage } from '../test-images.js';

const user = { username: 'kjob', password: 's3cret-Passw0rd' };
let open: TestRegistry;
let secured: TestRegistry;
let image: TestImage;
const roots: string[] = [];

async function newStore(options: Omit<ConstructorParameters<typeof ImageStore>[0], 'root'> = {}): Promise<ImageStore> {
  const root = await mkdtemp(join(tmpdir(), 'kjob-images-'));
  roots.push(root);
  return new ImageStore({ root, ...options });
}

async function authFile(entries: Record<string, { username: string; password: string }>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kjob-auth-'));
  roots.push(dir);
  const auths = Object.fromEntries(Object.entries(entries).map(([registry, c]) => [registry, { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') }]));
  const path = join(dir, 'auth.json');
  await writeFile(path, JSON.stringify({ auths }));
  return path;
}

beforeAll(async () => {
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ auth: user })]);
  image = await buildTestImage({ files: { 'etc/image-marker': 'registries\n' } });
  await pushTestImage(image, `${secured.address}/private/app:1`, { credentials: user });
  await pushTestImage(image, `${open.address}/library/busybox-test:1`);
});

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
  await removeTestImages();
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe('a registry that needs a password', () => {
  test('without credentials: the registry refuses, in skopeo\'s words', async () => {
    const error = await (await newStore({ authFile: '/nonexistent/auth.json' })).pull(`${secured.address}/private/app:1`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImagePullError);
    expect((error as Error).message).toBe(`reading manifest 1 in ${secured.address}/private/app: unauthorized: authentication required`);
  });

  test('wrong credentials are refused', async () => {
    const store = await newStore({ authFile: await authFile({ [secured.address]: { ...user, password: 'wrong' } }) });
    const error = await store.pull(`${secured.address}/private/app:1`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImagePullError);
    expect((error as Error).message).toMatch(/unauthorized/);
    const given = await (await newStore()).pull(`${secured.address}/private/app:1`, { credentials: { ...user, password: 'wrong' } }).catch((e: unknown) => e);
    expect((given as Error).message).toBe((error as Error).message);
  });

  test('credentials from an auth file (containers auth.json format)', async () => {
    const store = await newStore({ authFile: await authFile({ [secured.address]: user }) });
    const { image: pulled } = await store.pull(`${secured.address}/private/app:1`);
    expect(await readFile(join(pulled.rootfs, 'etc/image-marker'), 'utf8')).toBe('registries\n');
  });

  test('credentials given for the pull (as imagePullSecrets will give them), kept off the command line', async () => {
    const store = await newStore({ authFile: '/nonexistent/auth.json' });
    const { image: pulled, downloaded } = await store.pull(`${secured.address}/private/app:1`, { credentials: user });
    expect(downloaded).toBe(true);
    expect(await readFile(join(pulled.rootfs, 'etc/image-marker'), 'utf8')).toBe('registries\n');
  });

  test('REGISTRY_AUTH_FILE is the first default', async () => {
    const saved = process.env.REGISTRY_AUTH_FILE;
    process.env.REGISTRY_AUTH_FILE = await authFile({ [secured.address]: user });
    try {
      expect((await (await newStore()).pull(`${secured.address}/private/app:1`)).downloaded).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.REGISTRY_AUTH_FILE;
      else process.env.REGISTRY_AUTH_FILE = saved;
    }
  });
});

describe('mirrors', () => {
  test('docker.io mirrored to a loopback registry: a Docker Hub name pulls through the mirror', async () => {
    const store = await newStore({ mirrors: { 'docker.io': [open.address] } });
    const { image: pulled } = await store.pull('busybox-test:1');
    expect(pulled.reference).toBe('docker.io/library/busybox-test:1');
    expect(await readFile(join(pulled.rootfs, 'etc/image-marker'), 'utf8')).toBe('registries\n');
    expect((await store.find('docker.io/library/busybox-test:1'))?.digest).toBe(pulled.digest);
  });

  test('mirrors are tried in order: a mirror that is down is passed over', async () => {
    const store = await newStore({ mirrors: { 'docker.io': ['127.0.0.1:1', open.address] } });
    expect((await store.pull('busybox-test:1')).image.reference).toBe('docker.io/library/busybox-test:1');
  });

  test('without the mirror the name is Docker Hub\'s, which this machine cannot reach', async () => {
    await expect((await newStore()).pull('busybox-test:1')).rejects.toThrow(ImagePullError);
  });
});
