/**
 * Image pulls under worker faults, on the dev server through the client. Worker processes run
 * test/fixtures/once-worker.mjs (built code, dist/) with `KJOB_IMAGES=pull` and share one state dir, so one image
 * store (src/images/store-layout.ts):
 * 1. a worker SIGKILLed while it unpacks a pod's image (~130 MB unpacked, so the unpack takes seconds): its pod is
 *    lost (WorkerLost), and the next worker on the same state dir and task queue pulls the image over what the dead
 *    one left (no layer downloaded again) and runs the replacement pod in it; the store then holds the image once,
 *    no temp folder or lock is left, and no skopeo or umoci of the dead worker is still at work (the store runs
 *    them under `setpriv --pdeathsig KILL`);
 * 2. two workers, each on its own task queue, pulling one image for their Jobs at once: both Jobs Complete, the
 *    image is stored once and each of its blobs downloaded once (the registry's access log says so).
 * The pods' Pulled events carry the kubelet's messages (pkg/kubelet/images/image_manager.go).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { startDevServer, type DevServer } from '../../src/provision/index.js';
import type { JobEvent } from '../../src/shared/kubernetes-types.js';
import { alive, conditions, jobManifest, killChild, startFixtureWorker } from '../helpers.js';
import { entries, processesMentioning, storedRefs, storeLeftovers } from '../image-store-probes.js';
import { manifestBlobs, servedBlobs, startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushTestImage, removeTestImages } from '../test-images.js';

const COMPLETE = ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'];
const MARKER = 'from-the-big-image';
/** Python's stdlib and packages and perl's modules, those this host has: about 130 MB unpacked on Debian bookworm. */
const BULK = [...readdirSync('/usr/lib').filter((name) => /^python3(\.\d+)?$/.test(name)).map((name) => `/usr/lib/${name}`), '/usr/share/perl'].filter((path) =>
  existsSync(path),
);

const dir = mkdtempSync(join(tmpdir(), 'kjob-image-faults-'));
let server: DevServer;
let registry: TestRegistry;
/** The big image's reference and its manifest's digest. */
let image: string;
let digest: string;
const children: ChildProcess[] = [];
const clients: JobClient[] = [];


async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** A state dir shared by the workers of one test; `store` is its image store's root. */
function stateDir(name: string): { state: string; once: string; store: string } {
  const state = join(dir, name, 'state');
  const once = join(dir, name, 'once');
  for (const d of [state, once]) mkdirSync(d, { recursive: true });
  return { state, once, store: join(state, 'images') };
}

function startWorker(shared: { state: string; once: string }, taskQueue: string): Promise<ChildProcess> {
  return startFixtureWorker(
    {
      TEMPORAL_ADDRESS: server.address,
      KJOB_TASK_QUEUE: taskQueue,
      KJOB_STATE_DIR: shared.state,
      KJOB_ONCE_DIR: shared.once,
      KJOB_EFFECTS_FILE: join(dir, 'unused'),
      KJOB_IMAGES: 'pull',
    },
    children,
  );
}

function clientFor(taskQueue: string): JobClient {
  const client = new JobClient({ address: server.address, taskQueue });
  clients.push(client);
  return client;
}

/** skopeo and umoci processes at work in the store at `root` (their command lines name its folders). */
const toolsIn = (root: string) => processesMentioning(root).filter((cmdline) => /\b(skopeo|umoci)\b/.test(cmdline));

/** Once the store has settled: no temp folder, no lock (a worker may still be dropping a lease's). */
async function expectSettled(store: string): Promise<void> {
  await until(() => storeLeftovers(store).length === 0, 30_000, 'tmp/ and locks/ empty').catch(() => undefined);
  expect(storeLeftovers(store)).toEqual([]);
}

/** One unpacked image, the one pushed, named by its tag and by its digest (src/images/ref-names.ts pulledNames). */
function expectStoredOnce(store: string): void {
  expect(entries(join(store, 'images'))).toEqual([digest.replace(':', '-')]);
  const byDigest = `${image.slice(0, image.lastIndexOf(':'))}@${digest}`;
  expect(storedRefs(store)).toEqual([{ name: image, digest }, { name: byDigest, digest }].sort((a, b) => a.name.localeCompare(b.name)));
}

/** The big image's blobs the registry served since its `from`th request, and those it has. */
const blobGets = (from: number) => servedBlobs(registry.requests().slice(from), 'kjob/big');
const imageBlobs = () => manifestBlobs(registry.address, 'kjob/big', '1');

const podEvents = (events: JobEvent[], pod: string, reason: string) =>
  events.filter((e) => e.involvedObject?.name === pod && e.reason === reason).map((e) => e.message);

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'src', 'worker', 'index.js'))) throw new Error('run `npm run build` first');
  if (BULK.length === 0) throw new Error('no host Python or perl modules to build the big test image from');
  const [started, reg] = await Promise.all([startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false }), startRegistry({ accessLog: true })]);
  server = started;
  registry = reg;
  image = `${registry.address}/kjob/big:1`;
  digest = await pushTestImage(await buildTestImage({ files: { 'etc/image-marker': `${MARKER}\n` }, layers: [{ hostPaths: BULK }] }), image);
  await removeTestImages();
}, 180_000);

afterAll(async () => {
  for (const child of children) if (alive(child)) await killChild(child);
  for (const client of clients) await client.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await registry?.stop();
  await removeTestImages();
  if (!process.env.FAULTS_DEBUG) rmSync(dir, { recursive: true, force: true });
});

/** A container printing the image's marker: it ran in the image (the host has no /etc/image-marker). */
const inImage = () => ({ image, command: ['cat', '/etc/image-marker'] });
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a worker killed mid-pull leaves a cache the next worker uses: the Job Complete, the image stored once, no leftovers', async () => {
  const shared = stateDir('killed');
  const taskQueue = `image-faults-killed-${Date.now()}`;
  const client = clientFor(taskQueue);
  const first = await startWorker(shared, taskQueue);
  await client.create(jobManifest('killed-mid-pull', {}, inImage()));

  // Killed while umoci unpacks the big layer: its pull's work folder (tmp/<pid>-pull-…) has the image's rootfs,
  // busybox's layer in it and the bulk under way. Every blob is downloaded by then.
  const tmp = join(shared.store, 'tmp');
  const pullDir = () => entries(tmp).find((e) => e.startsWith(`${first.pid}-pull-`));
  const rootfs = () => join(tmp, pullDir() ?? 'gone', 'image', 'rootfs');
  await until(() => existsSync(join(rootfs(), BULK[0]!)), 90_000, 'the first worker unpacking the big layer', 10);
  await killChild(first);
  const afterKill = registry.requests().length;
  const unpacked = Number(execFileSync('du', ['-sb', rootfs()], { encoding: 'utf8' }).split('\t')[0]);
  console.info(`image-faults: the first worker killed with ${(unpacked / 1e6).toFixed(1)} MB unpacked`);
  expect(pullDir(), 'the dead pull left its work folder').toBeDefined();
  expect(entries(join(shared.store, 'locks')).filter((e) => e.startsWith('ingest-')), 'and its ingest lock').toHaveLength(1);
  expect(entries(join(shared.store, 'images')), 'nothing stored yet').toEqual([]);
  // The kernel kills the tools with their parent (pdeathsig); their exit can take a moment on a loaded machine.
  await until(() => toolsIn(shared.store).length === 0, 30_000, 'no skopeo or umoci left').catch(() => undefined);
  expect(toolsIn(shared.store)).toEqual([]);

  const second = await startWorker(shared, taskQueue);
  const job = await client.wait('killed-mid-pull', { timeoutMs: 120_000 });
  expect(conditions(job)).toEqual(COMPLETE);
  expect(job.status).toMatchObject({ succeeded: 1, failed: 1 });
  const [lost, replacement, ...more] = await client.pods('killed-mid-pull');
  expect(more).toEqual([]);
  expect([lost!.status.phase, lost!.status.reason]).toEqual(['Failed', 'WorkerLost']);
  expect(lost!.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost' })]);
  expect(replacement!.status.phase).toBe('Succeeded');
  const logs = await client.logs('killed-mid-pull', { pod: replacement!.metadata.name });
  expect(logs.map((l) => l.text).join('')).toBe(`${MARKER}\n`);
  const events = await client.events('killed-mid-pull');
  expect(podEvents(events, replacement!.metadata.name, 'Pulled')).toEqual([expect.stringMatching(new RegExp(`^Successfully pulled image "${literally(image)}" in `))]);

  expectStoredOnce(shared.store);
  // The dead worker's layers were whole (skopeo renames each into blobs/ once verified): none was fetched again.
  // (skopeo reads the small config blob from the registry on every copy.)
  const { layers } = await imageBlobs();
  expect(blobGets(afterKill).filter((blob) => layers.includes(blob))).toEqual([]);
  await expectSettled(shared.store);
  expect(toolsIn(shared.store)).toEqual([]);
  await killChild(second);
}, 180_000);

test('two workers pulling one image at once: both Jobs Complete, the image stored once, each blob downloaded once', async () => {
  const shared = stateDir('two');
  const queues = ['a', 'b'].map((q) => `image-faults-two-${q}-${Date.now()}`);
  const workers = await Promise.all(queues.map((q) => startWorker(shared, q)));
  const jobClients = queues.map(clientFor);
  const names = ['pull-a', 'pull-b'];
  const seen = registry.requests().length;
  await Promise.all(jobClients.map((client, i) => client.create(jobManifest(names[i]!, { backoffLimit: 0 }, inImage()))));
  const jobs = await Promise.all(jobClients.map((client, i) => client.wait(names[i]!, { timeoutMs: 120_000 })));

  const pulled: string[] = [];
  for (const [i, client] of jobClients.entries()) {
    expect(conditions(jobs[i]!), names[i]).toEqual(COMPLETE);
    const [pod, ...more] = await client.pods(names[i]!);
    expect(more).toEqual([]);
    expect((await client.logs(names[i]!)).map((l) => l.text).join(''), names[i]).toBe(`${MARKER}\n`);
    const messages = podEvents(await client.events(names[i]!), pod!.metadata.name, 'Pulled');
    expect(messages, names[i]).toHaveLength(1);
    pulled.push(messages[0]!);
  }
  console.info(`image-faults: the two pods' Pulled events: ${pulled.map((m) => JSON.stringify(m)).join(', ')}`);
  // One of them pulled it; the other pulled it too (and waited for the first's download on the store's ingest
  // lock, or found it stored after the registry's answer) or found it present before asking.
  const downloaded = new RegExp(`^Successfully pulled image "${literally(image)}" in `);
  const present = new RegExp(`^Container image "${literally(image)}" already present on machine$`);
  for (const message of pulled) expect(message).toMatch(new RegExp(`${downloaded.source}|${present.source}`));
  expect(pulled.some((message) => downloaded.test(message))).toBe(true);

  expectStoredOnce(shared.store);
  await expectSettled(shared.store);
  // The registry served each of the image's blobs (its config and layers) once.
  const { config, layers } = await imageBlobs();
  expect(blobGets(seen).sort()).toEqual([config, ...layers].sort());
  for (const worker of workers) await killChild(worker);
}, 180_000);
