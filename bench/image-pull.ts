/**
 * `--variants pull`: a cold pull and unpack of a ~100 MB image from a loopback docker-registry through kjob's
 * image store (ImageStore.pull into an empty store), next to the same work done by the bare tools (`skopeo copy`
 * to an OCI layout, then `umoci raw unpack`), then a warm pull (the registry asked, nothing downloaded) and a
 * warm `find` (no registry; the mean of 100). What bench/image-rootfs/store-pull.mjs measured, folded in here.
 * The image is busybox-static plus host copies of Python's stdlib and packages, built as test/test-images.ts
 * builds the tests' images. Each pass alternates which of store and tools goes first, and `sync`s before each
 * cold step (untimed), so that one step's disk writeback is not charged to the next.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Table from 'cli-table3';
import { ImageStore } from '../src/images/index.js';
import { startRegistry } from '../test/registry.js';
import { buildTestImage, pushTestImage, removeTestImages } from '../test/test-images.js';

const run = promisify(execFile);

/** About 100 MB and 4,800 files on Debian bookworm. */
const BULK = ['/usr/lib/python3.11', '/usr/lib/python3'];

export interface PullPass {
  pass: number;
  first: 'store' | 'tools';
  /** The unpacked image as the store counts it, and its layers as the registry serves them (gzipped). */
  unpackedBytes: number;
  layerBytes: number;
  toolsCopyMs: number;
  toolsUnpackMs: number;
  storeColdMs: number;
  storeWarmPullMs: number;
  storeWarmFindMs: number;
  /** Whether the cold and the warm pull downloaded anything (true, false expected). */
  downloaded: [boolean, boolean];
}

const since = (start: number) => performance.now() - start;

async function bytesIn(path: string): Promise<number> {
  const { stdout } = await run('du', ['-sb', path]);
  return Number(stdout.split('\t')[0]);
}

async function withTools(reference: string, scratch: string): Promise<Pick<PullPass, 'toolsCopyMs' | 'toolsUnpackMs' | 'layerBytes'>> {
  const layout = join(scratch, 'layout');
  await run('sync');
  let start = performance.now();
  await run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${reference}`, `oci:${layout}:x`]);
  const toolsCopyMs = since(start);
  start = performance.now();
  await run('umoci', ['raw', 'unpack', '--image', `${layout}:x`, join(scratch, 'rootfs')]);
  const toolsUnpackMs = since(start);
  return { toolsCopyMs, toolsUnpackMs, layerBytes: await bytesIn(join(layout, 'blobs')) };
}

async function withStore(reference: string, scratch: string): Promise<Omit<PullPass, 'pass' | 'first' | 'toolsCopyMs' | 'toolsUnpackMs' | 'layerBytes'>> {
  const root = join(scratch, 'store');
  await run('sync');
  const store = new ImageStore({ root });
  let start = performance.now();
  const cold = await store.pull(reference);
  const storeColdMs = since(start);
  start = performance.now();
  const warm = await store.pull(reference);
  const storeWarmPullMs = since(start);
  // A fresh store object, as a worker that did not pull it itself: its first find also makes its folders.
  const fresh = new ImageStore({ root });
  await fresh.find(reference);
  start = performance.now();
  for (let i = 0; i < 100; i++) await fresh.find(reference);
  const storeWarmFindMs = since(start) / 100;
  return { unpackedBytes: cold.image.sizeBytes, storeColdMs, storeWarmPullMs, storeWarmFindMs, downloaded: [cold.downloaded, warm.downloaded] };
}

export async function measurePulls(passes: number, dir: string, progress: (line: string) => void): Promise<PullPass[]> {
  const registry = await startRegistry();
  try {
    const reference = `${registry.address}/kjob-bench/medium:1`;
    let start = performance.now();
    await pushTestImage(await buildTestImage({ layers: [{ hostPaths: BULK }] }), reference);
    await removeTestImages();
    progress(`  built and pushed ${reference} in ${(since(start) / 1000).toFixed(1)} s`);
    const results: PullPass[] = [];
    for (let pass = 1; pass <= passes; pass++) {
      const scratch = await mkdtemp(join(dir, 'pull-'));
      try {
        const first = pass % 2 === 1 ? 'tools' : 'store';
        start = performance.now();
        const tools = first === 'tools' ? await withTools(reference, scratch) : undefined;
        const store = await withStore(reference, scratch);
        const result: PullPass = { pass, first, ...store, ...(tools ?? (await withTools(reference, scratch))) };
        results.push(result);
        progress(`  pull pass ${pass}: store cold ${(result.storeColdMs / 1000).toFixed(2)} s (${(since(start) / 1000).toFixed(1)} s in all)`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    await removeTestImages();
    await registry.stop();
  }
}

export function pullTable(passes: PullPass[]): string {
  const t = new Table({
    head: ['pass', 'first', 'image MB (layers gz)', 'tools: skopeo copy s', 'tools: umoci raw unpack s', 'store cold pull s', 'store / tools', 'store warm pull ms', 'store warm find ms', 'downloaded cold/warm'],
    style: { head: [], border: [] },
  });
  const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
  for (const p of passes) {
    t.push([
      p.pass,
      p.first,
      `${mb(p.unpackedBytes)} (${mb(p.layerBytes)})`,
      (p.toolsCopyMs / 1000).toFixed(2),
      (p.toolsUnpackMs / 1000).toFixed(2),
      (p.storeColdMs / 1000).toFixed(2),
      (p.storeColdMs / (p.toolsCopyMs + p.toolsUnpackMs)).toFixed(2),
      p.storeWarmPullMs.toFixed(0),
      p.storeWarmFindMs.toFixed(2),
      p.downloaded.map((d) => (d ? 'yes' : 'no')).join('/'),
    ]);
  }
  return t.toString();
}
