/**
 * Per-container latency of `/bin/true` in the image sandbox (runInImage: overlay in a private mount namespace,
 * then bubblewrap; as root, and through setpriv as USER 1000) against today's process sandbox (ProcessRuntime),
 * 50 in sequence and 50 at parallelism 10, 3 passes in rotating order. Only the ratios within a pass mean
 * anything. Run as root: `node_modules/.bin/vite-node bench/image-rootfs/in-image-latency.ts`.
 */
import { join } from 'node:path';
import { runInImage } from '../../activities/runtimes/image/in-image.js';
import { detectImageSandbox } from '../../activities/runtimes/image/image-sandbox-probe.js';
import { ProcessRuntime } from '../../activities/runtimes/process/process-runtime.js';
import { detectSandbox } from '../../activities/runtimes/process/sandbox.js';
import type { ContainerExit } from '../../activities/container-exit.js';
import type { ContainerRun } from '../../activities/container-runtime.js';
import { buildRootfs, containerRun, testFolder } from '../../test/integration/image-sandbox-fixture.js';

const keepAlive = setInterval(() => undefined, 1000);
const folder = testFolder('kjob-in-image-bench-');
const rootfs = buildRootfs(folder);
const probe = await detectImageSandbox({ network: 'none', nodeName: 'bench' }, join(folder, 'scratch'));
const hostProbe = await detectSandbox({ network: 'none', readOnlyPaths: [] });
if ('unavailable' in probe || 'unavailable' in hostProbe) throw new Error(JSON.stringify({ probe, hostProbe }));
const processRuntime = new ProcessRuntime({ enabled: true, nodeName: 'bench', podPath: '/usr/bin:/bin', sandbox: hostProbe.sandbox });

type Variant = (run: ContainerRun) => Promise<ContainerExit>;
const variants: Record<string, Variant> = {
  process: (run) => processRuntime.run(run),
  'image-root': (run) => runInImage(probe.sandbox, { rootfs, config: {} }, run),
  'image-user-1000': (run) => runInImage(probe.sandbox, { rootfs, config: { user: '1000' } }, run),
};

async function one(variant: Variant): Promise<number> {
  const run = containerRun({ command: ['/bin/true'] }, { scratch: join(folder, 'scratch', `run-${Math.random()}`) });
  const start = process.hrtime.bigint();
  const exit = await variant(run);
  if (exit.exitCode !== 0) throw new Error(`${JSON.stringify(exit)}: ${run.log.result().text}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function round(variant: Variant, count: number, parallelism: number): Promise<number> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next++ < count) latencies.push(await one(variant));
    }),
  );
  return latencies.reduce((a, b) => a + b, 0) / latencies.length;
}

const names = Object.keys(variants);
const rows: string[] = [];
for (let pass = 0; pass < 3; pass++) {
  const order = [...names.slice(pass % names.length), ...names.slice(0, pass % names.length)];
  const means: Record<string, { seq: number; par: number }> = {};
  for (const name of order) {
    await one(variants[name]!); // warm
    means[name] = { seq: await round(variants[name]!, 50, 1), par: await round(variants[name]!, 50, 10) };
  }
  for (const name of names) {
    const { seq, par } = means[name]!;
    const base = means.process!;
    rows.push(`pass ${pass + 1}\t${name}\tseq ${seq.toFixed(1)} ms (x${(seq / base.seq).toFixed(2)})\tpar10 ${par.toFixed(1)} ms (x${(par / base.par).toFixed(2)})`);
  }
}
console.log(`load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}\n${rows.join('\n')}`);
clearInterval(keepAlive);
