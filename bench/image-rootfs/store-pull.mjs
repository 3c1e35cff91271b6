// Cold pull + unpack through kjob's image store (dist/, after `npm run build`) against the same work done by the
// bare tools (skopeo copy to an OCI layout, umoci raw unpack), then a warm pull (the registry asked, nothing
// downloaded) and a warm find (no registry). Usage: node store-pull.mjs REGISTRY/IMAGE:TAG [runs]
// The image is expected on a loopback registry (build-image-medium.sh makes the ~117 MB one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ImageStore } from '../../dist/src/images/index.js';

const [image, runs = '3'] = process.argv.slice(2);
const ms = (start) => Math.round(performance.now() - start);
const rows = [];
for (let run = 0; run < Number(runs); run++) {
  const scratch = mkdtempSync('/var/tmp/kjob-store-bench-');
  let start = performance.now();
  execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `oci:${join(scratch, 'layout')}:x`]);
  const toolsCopy = ms(start);
  start = performance.now();
  execFileSync('umoci', ['raw', 'unpack', '--image', `${join(scratch, 'layout')}:x`, join(scratch, 'rootfs')], { stdio: 'ignore' });
  const toolsUnpack = ms(start);
  const store = new ImageStore({ root: join(scratch, 'store') });
  start = performance.now();
  const cold = await store.pull(image);
  const storeCold = ms(start);
  start = performance.now();
  const warm = await store.pull(image);
  const storeWarmPull = performance.now() - start;
  const fresh = new ImageStore({ root: join(scratch, 'store') });
  await fresh.find(image);
  start = performance.now();
  for (let i = 0; i < 100; i++) await fresh.find(image);
  const warmFind = (performance.now() - start) / 100;
  rows.push({ toolsCopy, toolsUnpack, storeCold, storeWarmPull: storeWarmPull.toFixed(1), warmFind: warmFind.toFixed(2), downloaded: `${cold.downloaded}/${warm.downloaded}`, sizeMB: (cold.image.sizeBytes / 1e6).toFixed(0) });
  rmSync(scratch, { recursive: true, force: true });
}
console.table(rows);
