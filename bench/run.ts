/**
 * `npm run bench`: kjob against a minimal hand-written Temporal fan-out, side by side, in one run.
 *
 * Starts the embedded dev server (SQLite file in a temp dir, no UI), then for each variant spawns a worker child
 * process (same worker settings for all), starts N no-op pods at parallelism P and measures: time to the first
 * activity start, wall time, pods/s, kjob/baseline pods/s, the worker's peak RSS (/proc VmHWM of the child,
 * reset once the worker is ready, so the workflow bundling before it does not count), CPU of the worker and of
 * the server per pod, and history events per pod (every run and child workflow on the variant's own task queue).
 * Prints one table and writes the figures as JSON. Two ratios: pods/s over the baseline's (wall time, noisy on a
 * shared machine) and the baseline's CPU per pod over the variant's (worker + pod processes + server).
 *
 *   --pods N            no-op pods per variant (default 200)
 *   --parallelism P     pods in flight (default 20)
 *   --rounds R          run every variant R times, rotating their order (default 1)
 *   --variants LIST     comma-separated: baseline,handler,command (default all three)
 *   --json FILE         where the figures go (default bench-results.json)
 *   --profile DIR       run the workers with --cpu-prof into DIR/<variant>-<round>/ and summarise the profiles
 *   --stall S           give up on a variant when no pod ended for S seconds (default 60)
 *   --max-activities K  maxConcurrentActivityTaskExecutions of every worker (default max(100, P))
 *
 * Exits non-zero when any variant failed (its row says why).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import Table from 'cli-table3';
import { JobClient } from '../src/client/job-client.js';
import { startDevServer, type DevServer } from '../src/provision/index.js';
import { historyFigures, type HistoryFigures } from './history.js';
import { cpuDelta, cpuTimes, peakRssBytes, resetPeakRss, rssBytes, sampleRss, type CpuTimes } from './proc.js';
import { summariseProfiles, type ProfileSummary } from './profile-summary.js';
import type { ActivityStats, ChildConfig, ChildMessage, ParentMessage, SharedWorkerSettings, Variant } from './worker-child.js';

const VARIANTS: Variant[] = ['baseline', 'handler', 'command'];
const LABEL: Record<Variant, string> = { baseline: 'baseline (Temporal fan-out)', handler: 'kjob handler pods', command: 'kjob command pods' };

interface Options {
  pods: number;
  parallelism: number;
  rounds: number;
  variants: Variant[];
  json: string;
  profileDir: string | undefined;
  stallSeconds: number;
  settings: SharedWorkerSettings;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '200' },
      parallelism: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '1' },
      variants: { type: 'string', default: VARIANTS.join(',') },
      json: { type: 'string', default: 'bench-results.json' },
      profile: { type: 'string' },
      stall: { type: 'string', default: '60' },
      'max-activities': { type: 'string' },
    },
  });
  const int = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
    return n;
  };
  const pods = int('pods', values.pods, 1);
  const parallelism = int('parallelism', values.parallelism, 1);
  const variants = values.variants.split(',').map((v) => v.trim()) as Variant[];
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v} (${VARIANTS.join(', ')})`);
  return {
    pods,
    parallelism,
    rounds: int('rounds', values.rounds, 1),
    variants,
    json: resolve(values.json),
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    stallSeconds: int('stall', values.stall, 5),
    settings: {
      maxConcurrentActivityTaskExecutions: values['max-activities'] ? int('max-activities', values['max-activities'], 1) : Math.max(100, parallelism),
      maxConcurrentWorkflowTaskExecutions: 40,
      maxCachedWorkflows: 100,
    },
  };
}

export interface VariantResult {
  round: number;
  variant: Variant;
  pods: number;
  parallelism: number;
  workflowId: string;
  ok: boolean;
  error?: string;
  /** Pods (activities) that ran to the end. */
  podsFinished: number;
  firstPodStartMs: number | null;
  wallMs: number;
  podsPerSecond: number | null;
  /** Pods per second between the first pod's start and the last pod's end. */
  steadyPodsPerSecond: number | null;
  /** kjob pods/s over baseline pods/s in the same round. */
  ratio: number | null;
  /**
   * CPU per pod (worker, its pod processes and the server) of the baseline over this variant's, same round:
   * what the throughput ratio becomes when the machine is CPU-bound, and far less noisy than wall time.
   */
  cpuRatio: number | null;
  maxInFlight: number;
  worker: {
    pid: number;
    rssReadyBytes: number | null;
    /** VmHWM after a reset at ready, or (where /proc/PID/clear_refs is not writable) the largest 50 ms sample. */
    peakRssBytes: number | null;
    peakRssMethod: 'VmHWM reset at ready' | 'VmRSS sampled every 50 ms';
    sampledPeakRssBytes: number;
    cpuMs: CpuTimes | null;
  };
  serverCpuMs: number | null;
  history: HistoryFigures | null;
  profile?: ProfileSummary;
}

const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Spawns a worker child and resolves once it polls. */
async function startWorker(config: ChildConfig, profileDir: string | undefined): Promise<{ child: ChildProcess; readyMonoUs: number; request: (m: ParentMessage) => Promise<ChildMessage> }> {
  const entry = fileURLToPath(new URL('./worker-child.js', import.meta.url));
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(entry, [JSON.stringify(config)], { execPath: process.execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const waiters: ((m: ChildMessage) => void)[] = [];
  child.on('message', (m: ChildMessage) => waiters.shift()?.(m));
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`the ${config.variant} worker exited (code ${code}, signal ${signal})`));
      child.once('exit', onExit);
      waiters.push((m) => {
        child.off('exit', onExit);
        if (m.type === 'error') reject(new Error(`the ${config.variant} worker failed: ${m.message}`));
        else resolve(m);
      });
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ type: 'timeout' }>((r) => (timer = setTimeout(() => r({ type: 'timeout' }), 180_000)));
  const ready = await Promise.race([next(), timeout]).finally(() => clearTimeout(timer));
  if (ready.type !== 'ready') throw new Error(`the ${config.variant} worker did not become ready: ${JSON.stringify(ready)}`);
  return {
    child,
    readyMonoUs: ready.monoUs,
    request: (message) => {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function manifest(name: string, variant: 'handler' | 'command', pods: number, parallelism: number): object {
  const container = variant === 'handler' ? { name: 'main', image: 'kjob.dev/handler/noop' } : { name: 'main', image: 'busybox', command: ['true'] };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      completions: pods,
      parallelism,
      completionMode: 'Indexed',
      template: { spec: { restartPolicy: 'Never', containers: [container] } },
    },
  };
}

async function runVariant(
  opts: Options,
  round: number,
  variant: Variant,
  ctx: { server: DevServer; client: Client; dir: string },
): Promise<VariantResult> {
  const { pods, parallelism } = opts;
  const stamp = `${Date.now().toString(36)}`;
  const taskQueue = `bench-${variant}-${round}-${stamp}`;
  const name = `bench-${variant}-${round}-${stamp}`;
  const workflowId = variant === 'baseline' ? `bench-fan-out/${name}` : `kjob/default/${name}`;
  const profileDir = opts.profileDir ? join(opts.profileDir, `${variant}-${round}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const stateDir = mkdtempSync(join(ctx.dir, `${variant}-`));
  const config: ChildConfig = { variant, address: ctx.server.address, namespace: ctx.server.namespace, taskQueue, stateDir, settings: opts.settings };
  const jobs = new JobClient({ client: ctx.client, taskQueue });
  // A long-lived JobClient has looked this up already; do it before the clock starts.
  await jobs.searchAttributesRegistered();
  const spawnedAt = Date.now();
  const { child, readyMonoUs, request } = await startWorker(config, profileDir);
  process.stderr.write(`  worker ready in ${Date.now() - spawnedAt} ms (pid ${child.pid})\n`);
  const pid = child.pid as number;
  const serverPid = ctx.server.process?.pid;
  const rssReady = rssBytes(pid) ?? null;
  const peakReset = resetPeakRss(pid);
  const sampler = sampleRss(pid);
  const cpuBefore = cpuTimes(pid);
  const serverBefore = serverPid ? cpuTimes(serverPid) : undefined;
  let error: string | undefined;
  let stats: ActivityStats | undefined;
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
    } else {
      await jobs.create(manifest(name, variant, pods, parallelism));
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
    await ctx.client.workflow
      .getHandle(workflowId)
      .terminate('benchmark gave up on it')
      .catch(() => undefined);
  }
  try {
    const reply = await request({ type: 'stats' });
    if (reply.type === 'stats') {
      stats = reply.stats;
      endMonoUs = reply.monoUs;
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
    history = await historyFigures(ctx.client, taskQueue, workflowId);
    if (error && history.endReason) error = `${error} — ${history.endReason}`;
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
    history,
    ...(profileDir ? { profile: await summariseProfiles(profileDir, { fromUs: readyMonoUs, toUs: endMonoUs }) } : {}),
  };
}

/** Worker, pod processes and server CPU per pod, ms. */
function totalCpuPerPod(r: VariantResult): number | null {
  const cpu = r.worker.cpuMs;
  if (!cpu || r.serverCpuMs == null) return null;
  return (cpu.selfMs + cpu.childrenMs + r.serverCpuMs) / r.pods;
}

const mb = (bytes: number | null | undefined) => (bytes == null ? '–' : (bytes / 2 ** 20).toFixed(0));
const fixed = (n: number | null | undefined, digits: number) => (n == null ? '–' : n.toFixed(digits));

function table(results: VariantResult[]): string {
  const t = new Table({
    head: ['round', 'variant', 'pods', 'P', 'first pod ms', 'wall s', 'pods/s', 'kjob/base', 'kjob/base CPU', 'steady pods/s', 'RSS ready→peak MB', 'worker CPU ms/pod', 'server CPU ms/pod', 'events/pod', 'history B/pod', 'result'],
    style: { head: [], border: [] },
  });
  for (const r of results) {
    const cpu = r.worker.cpuMs;
    t.push([
      r.round,
      LABEL[r.variant],
      `${r.podsFinished}/${r.pods}`,
      r.parallelism,
      fixed(r.firstPodStartMs, 0),
      (r.wallMs / 1000).toFixed(2),
      fixed(r.podsPerSecond, 1),
      r.variant === 'baseline' ? '1' : fixed(r.ratio, 2),
      r.variant === 'baseline' ? '1' : fixed(r.cpuRatio, 2),
      fixed(r.steadyPodsPerSecond, 1),
      `${mb(r.worker.rssReadyBytes)}→${mb(r.worker.peakRssBytes)}`,
      cpu ? `${(cpu.selfMs / r.pods).toFixed(2)}${cpu.childrenMs > 0 ? ` (+${(cpu.childrenMs / r.pods).toFixed(2)} pods)` : ''}` : '–',
      r.serverCpuMs == null ? '–' : (r.serverCpuMs / r.pods).toFixed(2),
      r.history ? (r.history.events / r.pods).toFixed(2) : '–',
      r.history?.bytes != null ? (r.history.bytes / r.pods).toFixed(0) : '–',
      r.ok ? 'ok' : `FAILED: ${(r.error ?? '').slice(0, 160)}`,
    ]);
  }
  return t.toString();
}

/** Events per pod by type, the largest first: where a variant's history goes. */
function historyBreakdown(r: VariantResult): string {
  if (!r.history) return '';
  const parts = Object.entries(r.history.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${(n / r.pods).toFixed(2)}`);
  const runs = Object.entries(r.history.workflows).map(([type, n]) => `${type} ×${n}`).join(', ');
  return `${LABEL[r.variant]} r${r.round} (${runs}; largest run ${r.history.largestRunEvents} events, ${(r.history.largestRunBytes / 1024).toFixed(0)} KiB): ${parts.join(', ')}`;
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
  const results: VariantResult[] = [];
  try {
    const started = Date.now();
    server = await startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false });
    process.stderr.write(`dev server on ${server.address} in ${Date.now() - started} ms (SQLite ${join(dir, 'temporal.db')})\n`);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    for (let round = 1; round <= opts.rounds; round++) {
      // Rotate the order each round, so no variant always runs on the emptiest (or fullest) database.
      const order = opts.variants.map((_, i) => opts.variants[(i + round - 1) % opts.variants.length] as Variant);
      const roundResults: VariantResult[] = [];
      for (const variant of order) {
        process.stderr.write(`round ${round}: ${LABEL[variant]}, ${opts.pods} pods, parallelism ${opts.parallelism}\n`);
        const r = await runVariant(opts, round, variant, { server, client, dir });
        roundResults.push(r);
        process.stderr.write(`  ${r.ok ? 'ok' : `FAILED: ${r.error}`} in ${(r.wallMs / 1000).toFixed(2)} s\n`);
      }
      const base = roundResults.find((r) => r.variant === 'baseline');
      for (const r of roundResults) {
        if (r.variant !== 'baseline' && base?.podsPerSecond && r.podsPerSecond) r.ratio = r.podsPerSecond / base.podsPerSecond;
        const baseCpu = base && r.ok ? totalCpuPerPod(base) : null;
        const cpu = r.ok ? totalCpuPerPod(r) : null;
        if (r.variant !== 'baseline' && base?.ok && baseCpu && cpu) r.cpuRatio = baseCpu / cpu;
      }
      roundResults.sort((a, b) => VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant));
      results.push(...roundResults);
    }
  } finally {
    await stopAll();
  }
  console.log(`kjob benchmark: ${opts.pods} no-op pods, parallelism ${opts.parallelism}, ${opts.rounds} round(s); node ${process.version}, ${cpus().length} CPUs; maxConcurrentActivityTaskExecutions ${opts.settings.maxConcurrentActivityTaskExecutions}`);
  console.log(table(results));
  console.log('History events per pod, by type:');
  for (const r of results) console.log(`  ${historyBreakdown(r)}`);
  for (const r of results) {
    if (r.profile) console.log(`CPU profile of the ${LABEL[r.variant]} worker (r${r.round}), self time:\n${r.profile.text}`);
  }
  const ratios = (variant: Variant) => results.filter((r) => r.variant === variant && r.ratio !== null).map((r) => r.ratio as number);
  const summary = Object.fromEntries(
    (['handler', 'command'] as const).map((v) => {
      const rs = ratios(v);
      const cpu = results.filter((r) => r.variant === v && r.cpuRatio !== null).map((r) => r.cpuRatio as number);
      return [v, rs.length ? { ratios: rs, min: Math.min(...rs), max: Math.max(...rs), cpuRatios: cpu } : null];
    }),
  );
  writeFileSync(
    opts.json,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        pods: opts.pods,
        parallelism: opts.parallelism,
        rounds: opts.rounds,
        workerSettings: opts.settings,
        memory: 'peak RSS of each variant’s worker child process: /proc/PID/status VmHWM, reset (clear_refs 5) once the worker polls',
        summary,
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`figures written to ${opts.json}`);
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
