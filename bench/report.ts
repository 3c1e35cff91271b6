/**
 * What the benchmark prints and writes: the main table (throughput, CPU, memory, history per variant and round),
 * the start latencies with the ratios that compare image pods with host command pods, the baseline and the
 * spawn floor, the command pods' fraction of the spawn floor, the worker's RSS at completion milestones, where
 * each variant's history goes, the image pulls; and the JSON file of all the figures.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import Table from 'cli-table3';
import { pullTable, type PullPass } from './image-pull.js';
import type { Options } from './options.js';
import type { VariantResult } from './results.js';
import { formatMilestones } from './rss-milestones.js';
import type { LatencySummary } from './start-latency.js';
import { LABEL, onSpawnFloor, VARIANTS, type Variant } from './variants.js';

const mb = (bytes: number | null | undefined) => (bytes == null ? '–' : (bytes / 2 ** 20).toFixed(0));
const fixed = (n: number | null | undefined, digits: number) => (n == null ? '–' : n.toFixed(digits));

export function table(results: VariantResult[]): string {
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
export function historyBreakdown(r: VariantResult): string | null {
  if (!r.history) return null;
  const parts = Object.entries(r.history.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${(n / r.pods).toFixed(2)}`);
  const runs = Object.entries(r.history.workflows).map(([type, n]) => `${type} ×${n}`).join(', ');
  return `${LABEL[r.variant]} r${r.round} (${runs}; largest run ${r.history.largestRunEvents} events, ${(r.history.largestRunBytes / 1024).toFixed(0)} KiB): ${parts.join(', ')}`;
}

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);
const percentiles = (s: LatencySummary | null | undefined) => (s ? `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)}` : '–');
const median = (r: VariantResult | undefined, part: 'startMs' | 'inWorkerMs') => (r?.ok ? r.startLatency?.[part]?.p50 : undefined);

/**
 * Per round: pods/s and the start latency of each variant, as ratios to the baseline's, to the host command
 * pods' of the same round (what an image costs a pod once it is cached) and, for command pods, to the spawn
 * floor's (the same process spawned without Temporal).
 */
export function latencyTable(results: VariantResult[]): string {
  const t = new Table({
    head: ['round', 'variant', 'pods/s', '× baseline', '× host command', '× spawn floor', 'dispatch ms p50 / p95', 'in worker ms p50 / p95', 'start ms p50 / p95', 'start p50 × baseline', 'start p50 × host command', 'in worker p50 × host command'],
    style: { head: [], border: [] },
  });
  for (const r of results) {
    const inRound = (variant: Variant) => results.find((o) => o.round === r.round && o.variant === variant && o.ok);
    const base = inRound('baseline');
    const command = inRound('command');
    const latency = r.startLatency;
    t.push([
      r.round,
      LABEL[r.variant],
      fixed(r.podsPerSecond, 1),
      fixed(ratio(r.podsPerSecond, base?.podsPerSecond), 2),
      fixed(ratio(r.podsPerSecond, command?.podsPerSecond), 2),
      onSpawnFloor(r.variant) ? fixed(r.floorFraction, 2) : '–',
      percentiles(latency?.dispatchMs),
      percentiles(latency?.inWorkerMs),
      `${percentiles(latency?.startMs)}${latency?.unmeasured ? ` (${latency.unmeasured} unread)` : ''}`,
      fixed(ratio(median(r, 'startMs'), median(base, 'startMs')), 2),
      fixed(ratio(median(r, 'startMs'), median(command, 'startMs')), 2),
      // Only containers have a part in the worker worth comparing: the others' work begins as the activity does.
      r.variant === 'spawn' || onSpawnFloor(r.variant) || r.variant === 'image' ? fixed(ratio(median(r, 'inWorkerMs'), median(command, 'inWorkerMs')), 2) : '–',
    ]);
  }
  return t.toString();
}

/** `round 1: command pods at 0.42 of the spawn floor (35.4 of 84.2 pods/s); …`, one line per round with a floor. */
export function floorLines(results: VariantResult[]): string[] {
  const lines: string[] = [];
  for (const floor of results.filter((r) => r.variant === 'spawn' && r.ok)) {
    const parts = results
      .filter((r) => r.round === floor.round && onSpawnFloor(r.variant) && r.floorFraction !== null)
      .map((r) => `${LABEL[r.variant]} at ${fixed(r.floorFraction, 2)} of the spawn floor (${fixed(r.podsPerSecond, 1)} of ${fixed(floor.podsPerSecond, 1)} pods/s)`);
    if (parts.length > 0) lines.push(`round ${floor.round}: ${parts.join('; ')}`);
  }
  return lines;
}

/**
 * The cost of one ctx.once call (through the Job's workflow): the once variant's figures per pod minus the
 * handler variant's of the same round, and the call's own time as the handler saw it.
 */
export function onceTable(results: VariantResult[]): string | null {
  const rows = results.filter((r) => r.variant === 'once' && r.ok);
  if (rows.length === 0) return null;
  const t = new Table({
    head: ['round', 'once call ms p50 / p95 / mean', 'pod activity ms (once − handler)', 'wall ms/pod × P (once − handler)', 'events per call', 'history B per call'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const handler = results.find((o) => o.round === r.round && o.variant === 'handler' && o.ok);
    const perPod = (v: VariantResult | undefined, value: (v: VariantResult) => number | null | undefined) => {
      const x = v ? value(v) : null;
      return x == null || !v ? null : x / v.pods;
    };
    const diff = (value: (v: VariantResult) => number | null | undefined) => {
      const a = perPod(r, value);
      const b = perPod(handler, value);
      return a == null || b == null ? null : a - b;
    };
    t.push([
      r.round,
      r.onceMs ? `${r.onceMs.p50.toFixed(1)} / ${r.onceMs.p95.toFixed(1)} / ${r.onceMs.mean.toFixed(1)}` : '–',
      fixed(diff((v) => v.busyMs), 1),
      fixed(diff((v) => v.wallMs * v.parallelism), 1),
      fixed(diff((v) => v.history?.events), 2),
      fixed(diff((v) => v.history?.bytes), 0),
    ]);
  }
  return t.toString();
}

export function printResults(opts: Options, results: VariantResult[], pulls: PullPass[]): void {
  if (results.length > 0) {
    console.log(`kjob benchmark: ${opts.pods} no-op pods, parallelism ${opts.parallelism}, ${opts.rounds} round(s); node ${process.version}, ${cpus().length} CPUs; maxConcurrentActivityTaskExecutions ${opts.settings.maxConcurrentActivityTaskExecutions}`);
    console.log(table(results));
    console.log(
      'Start latency, ms: dispatch = scheduled → activity start; in worker = activity start → the pod\'s work begins (the baseline\'s activity, the handler\'s call, the container reading the clock); start = the two together:',
    );
    console.log(latencyTable(results));
    const floor = floorLines(results);
    if (floor.length > 0) console.log(`Command pods against the spawn floor (the same sandboxed process, no Temporal):\n${floor.map((l) => `  ${l}`).join('\n')}`);
    console.log('Worker RSS at completion milestones (every 10% of the pods ended, from the 5 s stats poll and the final one):');
    for (const r of results) console.log(`  ${LABEL[r.variant]} r${r.round}: ${formatMilestones(r.rssMilestones)}`);
    const once = onceTable(results);
    if (once) console.log(`ctx.once through the Job's workflow, per call (the once variant against the handler variant of its round):\n${once}`);
    console.log('History events per pod, by type:');
    for (const r of results) {
      const breakdown = historyBreakdown(r);
      if (breakdown) console.log(`  ${breakdown}`);
    }
    for (const r of results) {
      if (r.profile) console.log(`CPU profile of the ${LABEL[r.variant]} worker (r${r.round}), self time:\n${r.profile.text}`);
    }
  }
  if (pulls.length > 0) {
    console.log('Image pulls from a loopback docker-registry: the bare tools against kjob\'s image store (cold: into an empty store; warm: the registry asked, nothing downloaded; find: no registry, mean of 100):');
    console.log(pullTable(pulls));
  }
}

export function writeJson(opts: Options, results: VariantResult[], pulls: PullPass[]): void {
  const ratios = (variant: Variant) => results.filter((r) => r.variant === variant && r.ratio !== null).map((r) => r.ratio as number);
  const summary = Object.fromEntries(
    VARIANTS.filter((v) => v !== 'baseline').map((v) => {
      const rs = ratios(v);
      const cpu = results.filter((r) => r.variant === v && r.cpuRatio !== null).map((r) => r.cpuRatio as number);
      const floor = results.filter((r) => r.variant === v && r.floorFraction !== null).map((r) => r.floorFraction as number);
      return [v, rs.length ? { ratios: rs, min: Math.min(...rs), max: Math.max(...rs), cpuRatios: cpu, ...(onSpawnFloor(v) ? { spawnFloorFractions: floor } : {}) } : null];
    }),
  );
  const figures = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    pods: opts.pods,
    parallelism: opts.parallelism,
    rounds: opts.rounds,
    workerSettings: opts.settings,
    memory: 'peak RSS of each variant’s worker child process: /proc/PID/status VmHWM, reset (clear_refs 5) once the worker polls; rssMilestones: its RSS when every 10% of the pods had ended',
    summary,
    results,
    pulls,
  };
  writeFileSync(opts.json, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`figures written to ${opts.json}`);
}
