/**
 * Run by image-sandbox-rootless.test.ts as an unprivileged user (nobody), standing in for a worker that is not
 * root: it builds its own image root (so the root is its user's, as a rootless store unpacks it), runs a container as
 * the image's root user and one as USER 1000, and prints what happened as one JSON line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runInImage } from '../../activities/runtimes/image/in-image.js';
import { detectImageSandbox } from '../../activities/runtimes/image/image-sandbox-probe.js';
import { buildRootfs, containerRun, listTree, testFolder } from './image-sandbox-fixture.js';

// The runs wait on the process helper, which is unref'd (a worker keeps its own process alive).
const keepAlive = setInterval(() => undefined, 1000);
const folder = testFolder('kjob-image-rootless-');
const rootfs = buildRootfs(folder);
const scratch = join(folder, 'scratch');
const probe = await detectImageSandbox({ network: 'none', nodeName: 'rootless-node' }, scratch);
if ('unavailable' in probe) {
  console.log(JSON.stringify({ unavailable: probe.unavailable }));
} else {
  const before = listTree(rootfs);
  const runAs = async (user: string | undefined, script: string) => {
    const run = containerRun({ command: ['sh', '-c', script], workingDir: '/work' }, { scratch: join(scratch, `run-${user ?? 'root'}`) });
    const exit = await runInImage(probe.sandbox, { rootfs, config: { env: ['PATH=/bin'], ...(user ? { user } : {}) } }, run);
    return { ...exit, text: run.log.result().text, left: run.pod.scratch.created ? readdirSync(run.pod.scratch.path) : [] };
  };
  const root = await runAs(undefined, 'id -u; pwd; touch /etc/written && rm /image-marker && echo wrote');
  const next = await runAs(undefined, 'test -e /etc/written || test ! -e /image-marker || echo unchanged');
  const user = await runAs('1000', 'id -u');
  console.log(JSON.stringify({ rootless: probe.sandbox.rootless, root, next, user, imageUnchanged: JSON.stringify(listTree(rootfs)) === JSON.stringify(before) }));
}
clearInterval(keepAlive);
