/**
 * Pulls sharing one image store: in one process (pods of one worker), they share one pull, which only the last
 * waiter's abort stops; across processes (two workers on one host), two pulling one image at once download it
 * once, and a pull SIGKILLed mid-way leaves a usable cache. The other processes run test/fixtures/image-pull.mjs on the built dist/ (`npm test` builds
 * first).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImageStore } from '../../src/images/index.js';
import { entries, processesMentioning } from '../image-store-probes.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushTestImage, removeTestImages } from '../test-images.js';

const PULL_CHILD = join(import.meta.dirname, '..', 'fixtures', 'image-pull.mjs');
const MiB = 1024 * 1024;
let registry: TestRegistry;
let work: string;

const freshRoot = () => mkdtemp(join(work, 'root-'));

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 30_000 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** A pull in a process of its own: the child, and its exit with what it printed. */
function pullInChild(root: string, image: string) {
  const child = spawn(process.execPath, [PULL_CHILD, root, image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'src', 'images', 'index.js'))) throw new Error('run `npm run build` first');
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'kjob-image-sharing-'));
  await pushTestImage(await buildTestImage({ files: { 'etc/image-marker': 'small\n' } }), `${registry.address}/small:1`);
});

afterAll(async () => {
  await registry?.stop();
  await removeTestImages();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('in one process', () => {
  test('concurrent pulls of one reference share one pull', async () => {
    const root = await freshRoot();
    const store = new ImageStore({ root });
    const [a, b] = await Promise.all([store.pull(`${registry.address}/small:1`), store.pull(`${registry.address}/small:1`)]);
    expect(a).toBe(b);
    expect(a.downloaded).toBe(true);
    expect(await readdir(join(root, 'images'))).toHaveLength(1);
  });

  test("one waiter's abort leaves the pull to the others", async () => {
    const store = new ImageStore({ root: await freshRoot() });
    const controller = new AbortController();
    const aborted = store.pull(`${registry.address}/small:1`, { signal: controller.signal });
    const kept = store.pull(`${registry.address}/small:1`);
    controller.abort(new Error('pod deleted'));
    await expect(aborted).rejects.toThrow('pod deleted');
    expect((await kept).downloaded).toBe(true);
  });
});

describe('processes sharing one store', () => {
  test('two processes pulling one image at once: one downloads and unpacks it, both get it', async () => {
    const digest = await pushTestImage(await buildTestImage({ busybox: false, files: { 'data/random': randomBytes(32 * MiB) } }), `${registry.address}/shared:1`);
    const root = await freshRoot();
    const results = await Promise.all([pullInChild(root, `${registry.address}/shared:1`).exit, pullInChild(root, `${registry.address}/shared:1`).exit]);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const outcomes = results.map((r) => JSON.parse(r.stdout) as { digest: string; downloaded: boolean });
    expect(outcomes.map((o) => o.digest)).toEqual([digest, digest]);
    expect(outcomes.map((o) => o.downloaded).sort()).toEqual([false, true]);
    expect(await readdir(join(root, 'images'))).toHaveLength(1);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
  });

  test('a pull SIGKILLed mid-way leaves a cache the next pull uses, and no temp leftovers after it', async () => {
    await pushTestImage(await buildTestImage({ busybox: false, files: { 'data/random': randomBytes(64 * MiB) } }), `${registry.address}/killed:1`);
    const root = await freshRoot();
    const { child, exit } = pullInChild(root, `${registry.address}/killed:1`);
    // Killed once umoci is unpacking (skopeo has filled the blobs): the pull's work folder has a rootfs.
    const unpacking = () => entries(join(root, 'tmp')).some((e) => e.startsWith(`${child.pid}-pull-`) && existsSync(join(root, 'tmp', e, 'image', 'rootfs')));
    await until(unpacking);
    child.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    expect((await readdir(join(root, 'tmp'))).some((e) => e.startsWith(`${child.pid}-`))).toBe(true);
    expect((await readdir(join(root, 'locks'))).some((e) => e.startsWith('ingest-'))).toBe(true);

    const store = new ImageStore({ root });
    const { image, downloaded } = await store.pull(`${registry.address}/killed:1`);
    expect(downloaded).toBe(true);
    expect((await readFile(join(image.rootfs, 'data/random'))).length).toBe(64 * MiB);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await readdir(join(root, 'locks'))).toEqual([]);
    // setpriv --pdeathsig: no skopeo or umoci of the killed process is still at work in the cache.
    expect(processesMentioning(root)).toEqual([]);
  });
});
