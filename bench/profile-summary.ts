/**
 * Summarises the V8 CPU profiles `node --cpu-prof` wrote for one worker child (one file per thread: the main
 * thread runs activities and the SDK, a worker thread runs the workflow code). Only samples inside the
 * measured window count (the workflow bundling before the worker was ready does not).
 *
 *   node dist/bench/bench/profile-summary.js DIR   # prints the same summary for a directory of profiles
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Per thread: milliseconds of samples by category and the top functions by self time. */
  threads: { file: string; sampledMs: number; categories: Record<string, number>; top: { fn: string; ms: number }[] }[];
  text: string;
}

/** Where a frame's time goes, in words a reader of kjob understands. */
function category(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg === '@temporalio/workflow') return 'SDK workflow runtime';
  if (pkg === '@temporalio/proto' || pkg === 'protobufjs') return 'protobuf';
  if (pkg?.startsWith('@temporalio/')) return `SDK ${pkg.slice('@temporalio/'.length)}`;
  if (pkg) return `package ${pkg}`;
  if (url.includes('workflow-bundle-')) return 'workflow bundle (kjob + SDK workflow code)';
  if (url.includes('/src/controller/')) return 'kjob controller';
  if (url.includes('/workflows/')) return 'kjob workflow code';
  if (url.includes('/activities/')) return 'kjob activities';
  if (url.includes('/bench/')) return 'benchmark';
  if (url.includes('/src/')) return 'kjob other';
  if (url.startsWith('node:') || url === '') return functionName === '' ? 'native' : 'Node internals';
  return 'other';
}

function frameName(frame: ProfileNode['callFrame']): string {
  const file = frame.url.includes('node_modules/') ? frame.url.replace(/^.*node_modules\//, '') : frame.url.replace(/^.*dist\/bench\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

export function summariseProfile(profile: CpuProfile, window?: { fromUs: number; toUs: number }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const categories: Record<string, number> = {};
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const c = category(node.callFrame);
    categories[c] = (categories[c] ?? 0) + us / 1000;
    if (c !== 'idle') {
      const name = frameName(node.callFrame);
      functions.set(name, (functions.get(name) ?? 0) + us / 1000);
    }
  }
  const top = [...functions].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([fn, ms]) => ({ fn, ms }));
  return { sampledMs: total / 1000, categories, top };
}

export async function summariseProfiles(dir: string, window?: { fromUs: number; toUs: number }): Promise<ProfileSummary> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const threads = files.map((file) => ({ file, ...summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window) }));
  const lines: string[] = [];
  for (const thread of threads) {
    const busy = thread.sampledMs - (thread.categories.idle ?? 0);
    lines.push(`  ${thread.file}: ${busy.toFixed(0)} ms busy of ${thread.sampledMs.toFixed(0)} ms sampled`);
    const cats = Object.entries(thread.categories)
      .filter(([c]) => c !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([c, ms]) => `${c} ${ms.toFixed(0)}`);
    lines.push(`    by category (ms): ${cats.join(', ')}`);
    for (const { fn, ms } of thread.top.slice(0, 8)) lines.push(`    ${ms.toFixed(0).padStart(6)} ms  ${fn}`);
  }
  return { threads, text: lines.join('\n') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: profile-summary DIR');
    process.exit(2);
  }
  console.log((await summariseProfiles(dir)).text);
}
