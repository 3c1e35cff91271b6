/**
 * `npm run bench`: kjob against a minimal hand-written Temporal fan-out, side by side, in one run.
 *
 * Starts the embedded dev server (SQLite file in a temp dir, no UI), then for each variant spawns a worker child
 * process (same worker settings for all), starts N no-op pods at parallelism P and measures: time to the first
 * activity start, wall time, pods/s, kjob/baseline pods/s, each pod's start latency (start-latency.ts), the
 * worker's peak RSS (/proc VmHWM of the child, reset once the worker is ready, so the workflow bundling before
 * it does not count), CPU of the worker and of the server per pod, and history events per pod (every run and
 * child workflow on the variant's own task queue). Prints the tables (report.ts) and writes the figures as JSON.
 * Two ratios to the baseline: pods/s (wall time, noisy on a shared machine) and the baseline's CPU per pod over
 * the variant's (worker + pod processes + server); image pods are also compared with host command pods.
 *
 * Variants: `baseline`; `spawn`, the physical floor for command pods: the command pods' sandboxed process spawned
 * N times at parallelism P through kjob's process runtime, without Temporal (spawn-floor.ts); `handler` (kjob
 * handler pods); `handler-batched` (the same Job, annotated `kjob.dev/pod-batching: auto`; the per-pod variants'
 * Jobs say `off`); `once` (handler pods that each call ctx.once once: its cost is the difference to `handler`);
 * `command` (command pods run on the host, worker option `images: 'host'`); `command-batched` (those, batched);
 * `image` (the same pods in a busybox image, cached beforehand: bench-image.ts); and `pull`, no pods: cold and
 * warm pulls of a ~100 MB image through the image store (image-pull.ts), after the rounds. Command variants are
 * also given as a fraction of the spawn floor's pods/s, and the worker's RSS is kept at every 10% of the pods
 * ended (rss-milestones.ts), so a long run shows whether its memory stays flat.
 *
 *   --pods N            no-op pods per variant (default 200)
 *   --parallelism P     pods in flight (default 20)
 *   --rounds R          run every variant R times, rotating their order (default 1); pull passes likewise
 *   --variants LIST     comma-separated: baseline,spawn,handler,handler-batched,once,command,command-batched,
 *                       image,pull (default all)
 *   --json FILE         where the figures go (default bench-results.json)
 *   --profile DIR       run the workers with --cpu-prof into DIR/<variant>-<round>/ and summarise the profiles
 *   --stall S           give up on a variant when no pod ended for S seconds (default 60)
 *   --max-activities K  maxConcurrentActivityTaskExecutions of every worker (default max(100, P))
 *
 * Exits non-zero when any variant failed (its row says why).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { JobClient } from '../src/client/job-client.js';
import { startDevServer, type DevServer } from '../src/provision/index.js';
import { prepareBenchImage, type BenchImage } from './bench-image.js';
import { historyFigures, type HistoryFigures } from './history.js';
import { measurePulls, type PullPass } from './image-pull.js';
import { benchJobManifest, requireImage } from './job-manifest.js';
import { options, type Options } from './options.js';
import { cpuDelta, cpuTimes, peakRssBytes, resetPeakRss, rssBytes, sampleRss, type CpuTimes } from './proc.js';
import { summariseProfiles } from './profile-summary.js';
import { printResults, writeJson } from './report.js';
import type { PodStats } from './pod-timing.js';
import { totalCpuPerPod, type VariantResult } from './results.js';
import { RssMilestones } from './rss-milestones.js';
import type { LatencySummary, StartLatencySummary } from './start-latency.js';
import { LABEL, onSpawnFloor, VARIANTS, type Variant } from './variants.js';
import type { ChildConfig } from './worker-child.js';
import { killChildren, startWorker, stopWorker } from './worker-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runVariant(
  opts: Options,
  round: number,
  variant: Variant,
  ctx: { server: DevServer; client: Client; dir: string; image?: BenchImage },
): Promise<VariantResult> {
  const { pods, parallelism } = opts;
  const stamp = `${Date.now().toString(36)}`;
  const taskQueue = `bench-${variant}-${round}-${stamp}`;
  const name = `bench-${variant}-${round}-${stamp}`;
  const workflowId = variant === 'baseline' ? `bench-fan-out/${name}` : variant === 'spawn' ? `spawn-floor/${name}` : `kjob/default/${name}`;
  const profileDir = opts.profileDir ? join(opts.profileDir, `${variant}-${round}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const stateDir = mkdtempSync(join(ctx.dir, `${variant}-`));
  const config: ChildConfig = {
    variant,
    address: ctx.server.address,
    namespace: ctx.server.namespace,
    taskQueue,
    stateDir,
    settings: opts.settings,
    ...(variant === 'image' ? { imageCache: requireImage(ctx.image).cacheRoot } : {}),
  };
  const jobs = new JobClient({ client: ctx.client, taskQueue });
  // A long-lived JobClient has looked this up already; do it before the clock starts.
  await jobs.searchAttributesRegistered();
  const spawnedAt = Date.now();
  const { child, readyMonoUs, request, runSpawnFloor } = await startWorker(config, profileDir);
  process.stderr.write(`  worker ready in ${Date.now() - spawnedAt} ms (pid ${child.pid})\n`);
  const pid = child.pid as number;
  const serverPid = ctx.server.process?.pid;
  const rssReady = rssBytes(pid) ?? null;
  const peakReset = resetPeakRss(pid);
  const sampler = sampleRss(pid);
  const cpuBefore = cpuTimes(pid);
  const serverBefore = serverPid ? cpuTimes(serverPid) : undefined;
  let error: string | undefined;
  let stats: PodStats | undefined;
  const milestones = new RssMilestones(pods);
  let startLatency: StartLatencySummary | null = null;
  let onceMs: LatencySummary | null | undefined;
  let endMonoUs = Number.MAX_SAFE_INTEGER;
  let cpuAfter: CpuTimes | undefined;
  let serverAfter: CpuTimes | undefined;
  const t0 = Date.now();
  let t1 = t0;
  try {
    let result: Promise<unknown>;
    if (variant === 'baseline') {
      const handle = await ctx.client.workflow.start('benchFanOut', { taskQueue, workflowId, args: [{ pods, parallelism }] });
      result = handle.result().then((done) => {
        if (done !== pods) throw new Error(`the fan-out ran ${String(done)} activities, not ${pods}`);
      });
    } else if (variant === 'spawn') {
      result = runSpawnFloor({ jobName: name, pods, parallelism }).then((done) => {
        if (done.error !== undefined) throw new Error(done.error);
      });
    } else {
      await jobs.create(benchJobManifest(name, variant, pods, parallelism, ctx.image));
      result = jobs.wait(name).then((job) => {
        const complete = job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
        if (!complete || job.status?.succeeded !== pods) {
          throw new Error(`the Job ended ${JSON.stringify({ succeeded: job.status?.succeeded, failed: job.status?.failed, conditions: job.status?.conditions?.map((c) => `${c.type}/${c.reason}: ${c.message}`) })}`);
        }
      });
    }
    // Progress on stderr, and a watchdog: a workflow stuck in failing workflow tasks never ends by itself.
    let done = false;
    const watchdog = (async () => {
      let last = -1;
      let lastChange = Date.now();
      while (!done) {
        await sleep(5000);
        if (done) return;
        const reply = await request({ type: 'stats' });
        if (reply.type !== 'stats') continue;
        const finished = reply.stats.finished;
        milestones.observe(finished, Date.now() - t0, reply.memory);
        const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
        const { rss, heapUsed, external } = reply.memory;
        // The main thread's heap and external memory; the rest of the RSS is the workflow threads and native code.
        process.stderr.write(
          `  [${variant} r${round}] ${finished}/${pods} pods ended, ${((Date.now() - t0) / 1000).toFixed(0)} s, RSS ${mb(rss)} MB (heap ${mb(heapUsed)}, external ${mb(external)})\n`,
        );
        if (finished !== last) {
          last = finished;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > opts.stallSeconds * 1000) {
          throw new Error(`stalled: no pod ended for ${opts.stallSeconds} s (${finished}/${pods} ended)`);
        }
      }
    })();
    try {
      watchdog.catch(() => undefined);
      await Promise.race([result, watchdog]);
    } finally {
      done = true;
      t1 = Date.now();
    }
  } catch (e) {
    t1 = Date.now();
    error = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
    if (variant !== 'spawn') {
      await ctx.client.workflow
        .getHandle(workflowId)
        .terminate('benchmark gave up on it')
        .catch(() => undefined);
    }
  }
  try {
    const reply = await request({ type: 'stats', latencies: true });
    if (reply.type === 'stats') {
      stats = reply.stats;
      endMonoUs = reply.monoUs;
      milestones.observe(stats.finished, t1 - t0, reply.memory);
      startLatency = reply.latencies ?? null;
      onceMs = reply.onceMs;
    }
  } catch (e) {
    error ??= String(e);
  }
  const sampledPeak = sampler.stop();
  const peak = peakReset ? (peakRssBytes(pid) ?? null) : sampledPeak;
  cpuAfter = cpuTimes(pid);
  serverAfter = serverPid ? cpuTimes(serverPid) : undefined;
  const stopAt = Date.now();
  await stopWorker(child);
  process.stderr.write(`  worker stopped in ${Date.now() - stopAt} ms\n`);
  let history: HistoryFigures | null = null;
  try {
    // The spawn floor has no history: it never talks to the server.
    if (variant !== 'spawn') history = await historyFigures(ctx.client, taskQueue, workflowId);
    if (error && history?.endReason) error = `${error} — ${history.endReason}`;
  } catch (e) {
    error ??= `history: ${String(e)}`;
  }
  const wallMs = t1 - t0;
  const finished = stats?.finished ?? 0;
  const cpu = cpuDelta(cpuBefore, cpuAfter) ?? null;
  const serverCpu = cpuDelta(serverBefore, serverAfter);
  rmSync(stateDir, { recursive: true, force: true });
  return {
    round,
    variant,
    pods,
    parallelism,
    workflowId,
    ok: error === undefined,
    ...(error !== undefined ? { error } : {}),
    podsFinished: finished,
    firstPodStartMs: stats?.firstStartMs != null ? stats.firstStartMs - t0 : null,
    wallMs,
    podsPerSecond: error === undefined ? (pods * 1000) / wallMs : null,
    steadyPodsPerSecond:
      error === undefined && stats?.firstStartMs != null && stats.lastEndMs != null && stats.lastEndMs > stats.firstStartMs
        ? (pods * 1000) / (stats.lastEndMs - stats.firstStartMs)
        : null,
    ratio: null,
    floorFraction: null,
    cpuRatio: null,
    maxInFlight: stats?.maxInFlight ?? 0,
    worker: {
      pid,
      rssReadyBytes: rssReady,
      peakRssBytes: peak,
      peakRssMethod: peakReset ? 'VmHWM reset at ready' : 'VmRSS sampled every 50 ms',
      sampledPeakRssBytes: sampledPeak,
      cpuMs: cpu,
    },
    serverCpuMs: serverCpu ? serverCpu.selfMs : null,
    rssMilestones: milestones.milestones,
    startLatency,
    ...(variant === 'once' ? { onceMs: onceMs ?? null } : {}),
    ...(stats ? { busyMs: stats.busyMs } : {}),
    history,
    ...(profileDir ? { profile: await summariseProfiles(profileDir, { fromUs: readyMonoUs, toUs: endMonoUs }) } : {}),
  };
}

/**
 * Every round's pod variants, in an order rotated each round, with their ratios to the round's baseline and, for
 * command variants, their fraction of the round's spawn floor.
 */
async function runRounds(opts: Options, client: Client, ctx: { server: DevServer; dir: string; image?: BenchImage }): Promise<VariantResult[]> {
  const results: VariantResult[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    // Rotate the order each round, so no variant always runs on the emptiest (or fullest) database.
    const order = opts.variants.map((_, i) => opts.variants[(i + round - 1) % opts.variants.length] as Variant);
    const roundResults: VariantResult[] = [];
    for (const variant of order) {
      process.stderr.write(`round ${round}: ${LABEL[variant]}, ${opts.pods} pods, parallelism ${opts.parallelism}\n`);
      const r = await runVariant(opts, round, variant, { ...ctx, client });
      roundResults.push(r);
      process.stderr.write(`  ${r.ok ? 'ok' : `FAILED: ${r.error}`} in ${(r.wallMs / 1000).toFixed(2)} s\n`);
    }
    const base = roundResults.find((r) => r.variant === 'baseline');
    const floor = roundResults.find((r) => r.variant === 'spawn');
    for (const r of roundResults) {
      if (r.variant !== 'baseline' && base?.podsPerSecond && r.podsPerSecond) r.ratio = r.podsPerSecond / base.podsPerSecond;
      if (onSpawnFloor(r.variant) && floor?.podsPerSecond && r.podsPerSecond) r.floorFraction = r.podsPerSecond / floor.podsPerSecond;
      const baseCpu = base && r.ok ? totalCpuPerPod(base) : null;
      const cpu = r.ok ? totalCpuPerPod(r) : null;
      if (r.variant !== 'baseline' && base?.ok && baseCpu && cpu) r.cpuRatio = baseCpu / cpu;
    }
    roundResults.sort((a, b) => VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant));
    results.push(...roundResults);
  }
  return results;
}

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'kjob-bench-'));
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  const stopAll = async () => {
    killChildren();
    await connection?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
  process.once('exit', killChildren);
  let results: VariantResult[] = [];
  let pulls: PullPass[] = [];
  try {
    let image: BenchImage | undefined;
    if (opts.variants.includes('image')) {
      const started = Date.now();
      image = await prepareBenchImage(dir);
      process.stderr.write(`image ${image.reference} (${(image.sizeBytes / 1e6).toFixed(1)} MB) pulled into ${image.cacheRoot} in ${Date.now() - started} ms; its registry is stopped\n`);
    }
    if (opts.variants.length > 0) {
      const started = Date.now();
      server = await startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false });
      process.stderr.write(`dev server on ${server.address} in ${Date.now() - started} ms (SQLite ${join(dir, 'temporal.db')})\n`);
      // A batched Job's history pages hold large events: more than gRPC's default 4 MiB per message.
      connection = await Connection.connect({ address: server.address, channelArgs: { 'grpc.max_receive_message_length': 256 * 1024 * 1024 } });
      const client = new Client({ connection, namespace: server.namespace });
      results = await runRounds(opts, client, { server, dir, ...(image ? { image } : {}) });
    }
    // After the pods, so that the big image's disk writes do not land in their timings.
    if (opts.pull) {
      process.stderr.write(`image pulls: ${opts.rounds} pass(es)\n`);
      pulls = await measurePulls(opts.rounds, dir, (line) => process.stderr.write(`${line}\n`));
    }
  } finally {
    await stopAll();
  }
  printResults(opts, results, pulls);
  writeJson(opts, results, pulls);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    console.error(`${failed.length} variant run(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  killChildren();
  process.exit(1);
});
