/**
 * Containers run in an image's root (activities/runtimes/image/in-image.ts) with real unshare, overlayfs,
 * setpriv and bubblewrap: the image's config against the container's command, args, env and workingDir; the
 * root is the image's, private and writable, and gone afterwards; the image's user; volumes; termination;
 * exit codes and start errors. The image is a busybox root built here.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runInImage } from '../../activities/runtimes/image/in-image.js';
import { detectImageSandbox, type ImageSandbox } from '../../activities/runtimes/image/image-sandbox-probe.js';
import { detectCgroups } from '../../activities/runtimes/process/cgroups.js';
import { ProcessRegistry } from '../../activities/runtimes/process/process-registry.js';
import type { ImageConfig } from '../../src/images/image-config.js';
import type { Container } from '../../src/shared/kubernetes-types.js';
import { buildRootfs, containerRun, listTree, testFolder, type RunOptions } from './image-sandbox-fixture.js';

const folder = testFolder('kjob-image-sandbox-');
const rootfs = buildRootfs(folder);
const IMAGE: ImageConfig = {
  entrypoint: ['/bin/sh', '-c'],
  cmd: ['echo "default cmd: $GREETING"'],
  env: ['PATH=/bin', 'GREETING=hello from the image', 'SHARED=image'],
  workingDir: '/work',
};
let sandbox: ImageSandbox;

beforeAll(async () => {
  const cgroups = await detectCgroups(String(process.pid));
  const probe = await detectImageSandbox({ network: 'none', nodeName: 'test-node', ...('cgroups' in cgroups ? { cgroups: cgroups.cgroups } : {}) }, join(folder, 'scratch'));
  if ('unavailable' in probe) throw new Error(probe.unavailable);
  sandbox = probe.sandbox;
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function run(container: Partial<Container>, options: RunOptions = {}, config: ImageConfig = IMAGE) {
  const r = containerRun(container, options);
  const exit = await runInImage(sandbox, { rootfs, config }, r);
  return { ...exit, text: r.log.result().text, scratch: r.pod.scratch.path };
}

const sh = (script: string): Partial<Container> => ({ command: ['sh', '-c', script] });

describe('the image config against the container', () => {
  test('neither command nor args: ENTRYPOINT then CMD', async () => {
    expect(await run({})).toMatchObject({ exitCode: 0, reason: 'Completed', text: 'default cmd: hello from the image\n' });
  });

  test('command only: it replaces ENTRYPOINT, and CMD is dropped', async () => {
    expect((await run({ command: ['echo', 'command only'] })).text).toBe('command only\n');
  });

  test('args only: they replace CMD, and ENTRYPOINT is kept', async () => {
    expect((await run({ args: ['x'] }, { args: ['echo "args only: $GREETING"'] })).text).toBe('args only: hello from the image\n');
  });

  test("env: the image's, then the container's over it; HOSTNAME and HOME", async () => {
    const { text } = await run(sh('echo "$PATH|$SHARED|$GREETING|$OWN|$HOSTNAME|$HOME"'), { env: { SHARED: 'container', OWN: 'own' } });
    expect(text).toMatch(/^\/bin\|container\|hello from the image\|own\|image-pod-\d+\|\/root\n$/);
  });

  test('WORKDIR (made when the image lacks it), unless workingDir is set', async () => {
    expect((await run(sh('pwd'))).text).toBe('/work\n');
    expect((await run({ ...sh('pwd'), workingDir: '/srv/app' })).text).toBe('/srv/app\n');
  });
});

describe('the root', () => {
  test("is the image's: a host file is absent, the image's marker present, links resolve inside it", async () => {
    const { text } = await run(sh('test -e /usr/bin/node && echo host-node; cat /image-marker; ls -d /srv-link/; cat /etc/hostname; cat /etc/hosts | tail -n 1'));
    expect(existsSync('/usr/bin/node')).toBe(true);
    expect(text).toMatch(/^from the image\n\/srv-link\/\nimage-pod-(\d+)\n127\.0\.0\.1\timage-pod-\1\n$/);
  });

  test('is private: a write is absent in the next container and in the image, and its dir is gone', async () => {
    const before = listTree(rootfs);
    const first = await run(sh('echo changed > /image-marker && touch /etc/new-file && rm /bin/ls && echo written'));
    expect(first.text).toBe('written\n');
    expect(readdirSync(first.scratch)).toEqual([]);
    const second = await run(sh('cat /image-marker; test -e /etc/new-file && echo leaked; test -e /bin/ls && echo has-ls'));
    expect(second.text).toBe('from the image\nhas-ls\n');
    expect(listTree(rootfs)).toEqual(before);
  });
});

describe("the image's user", () => {
  test('USER 1000 runs as uid 1000 with its groups and home, and cannot write a root-owned folder', async () => {
    // Its supplementary group (staff, 50) is real but unmapped in bubblewrap's user namespace: `id` shows 65534.
    const script = 'id -u; id -g; id -G; echo $HOME; cat /srv/staff-only; touch /etc/x 2>/dev/null || echo denied; touch /tmp/ok && echo tmp-ok';
    const { text } = await run(sh(script), {}, { ...IMAGE, user: '1000' });
    expect(text).toBe('1000\n1000\n1000 65534\n/home/app\nfor staff\ndenied\ntmp-ok\n');
  });

  test('names resolve against the image: app:staff', async () => {
    expect((await run(sh('id -u; id -g'), {}, { ...IMAGE, user: 'app:staff' })).text).toBe('1000\n50\n');
  });

  test('a volume the user cannot reach on the host is a start error (bubblewrap binds it as that user)', async () => {
    const locked = join(folder, 'locked');
    mkdirSync(join(locked, 'inside'), { recursive: true });
    chmodSync(locked, 0o700);
    const volumes = new Map([['data', { hostPath: join(locked, 'inside'), readOnly: false }]]);
    const exit = await run({ ...sh('true'), volumeMounts: [{ name: 'data', mountPath: '/data' }] }, { volumes }, { ...IMAGE, user: '1000' });
    expect(exit).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(exit.message).toBe(`the image's user (uid 1000) cannot reach ${locked}/inside on worker test-node: bubblewrap binds it as that user, and ${locked} does not let it in`);
  });

  test("a name the image's passwd lacks is a start error with containerd's message", async () => {
    const exit = await run(sh('true'), {}, { ...IMAGE, user: 'nobody-here' });
    expect(exit).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(exit.message).toBe(`failed to create containerd container: mount callback failed on ${rootfs}: no users found`);
  });
});

describe('volumes, termination, exits', () => {
  test('a volume is visible at its mountPath, read-only where asked, as the image user too', async () => {
    const host = join(folder, 'volume');
    mkdirSync(host);
    chmodSync(host, 0o777);
    writeFileSync(join(host, 'input'), 'from the host\n');
    const volumes = new Map([['data', { hostPath: host, readOnly: false }]]);
    const mounts = { volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/ro', readOnly: true }] };
    const script = 'cat /data/input; id -u > /data/out; touch /ro/x 2>/dev/null || echo ro';
    expect((await run({ ...sh(script), ...mounts }, { volumes }, { ...IMAGE, user: '1000' })).text).toBe('from the host\nro\n');
    expect(readFileSync(join(host, 'out'), 'utf8')).toBe('1000\n');
  });

  test('mount points and the working dir behind links are made inside the image, never on the host', async () => {
    const name = `kjob-image-escape-${process.pid}`;
    const volumes = new Map([['data', { hostPath: join(folder, 'volume'), readOnly: false }]]);
    const container = { ...sh(`pwd; cat /climb/${name}/data/input`), workingDir: `/climb/${name}-wd`, volumeMounts: [{ name: 'data', mountPath: `/climb/${name}/data` }] };
    const { text } = await run(container, { volumes });
    expect(text).toBe(`/climb/${name}-wd\nfrom the host\n`);
    expect(existsSync(`/tmp/${name}`) || existsSync(`/tmp/${name}-wd`)).toBe(false);
  });

  test('termination: SIGTERM reaches the process (as root and as USER 1000); one ignoring it is killed after the grace period', async () => {
    const stopWhenReady = async (script: string, gracePeriodMs: number, config: ImageConfig = IMAGE) => {
      const stop = new AbortController();
      const r = containerRun(sh(script), { stop: stop.signal, gracePeriodMs });
      const done = runInImage(sandbox, { rootfs, config }, r);
      while (!r.log.peek(100).includes('ready')) await new Promise((resolve) => setTimeout(resolve, 20));
      stop.abort();
      return { ...(await done), text: r.log.result().text };
    };
    const trapping = 'trap "echo got TERM; exit 3" TERM; echo ready; while true; do sleep 0.1; done';
    for (const config of [IMAGE, { ...IMAGE, user: '1000' }]) {
      const termed = await stopWhenReady(trapping, 30_000, config);
      expect(termed).toMatchObject({ exitCode: 3 });
      expect(termed.text).toContain('got TERM');
    }
    expect(await stopWhenReady('trap "" TERM; echo ready; while true; do sleep 0.1; done', 300)).toMatchObject({ exitCode: 137 });
  });

  test('every step execs: the process the worker started (and recorded) is bubblewrap, as the user too', async () => {
    for (const config of [IMAGE, { ...IMAGE, user: '1000' }]) {
      const processes = new ProcessRegistry(join(folder, `processes-${config.user ?? 'root'}`));
      const stop = new AbortController();
      const r = containerRun(sh('echo ready; while true; do sleep 0.1; done'), { stop: stop.signal });
      const done = runInImage({ ...sandbox, processes }, { rootfs, config }, r);
      while (!r.log.peek(100).includes('ready') || (await processes.recorded()).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const [pid] = await processes.recorded();
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(sandbox.tools.bwrap);
      stop.abort();
      await done;
    }
  });

  test('exit codes, and a memory limit (cgroups) OOMKills', async () => {
    expect(await run(sh('exit 7'))).toMatchObject({ exitCode: 7, reason: 'Error' });
    if (!sandbox.cgroups) return;
    const hog = { ...sh('head -c 200000000 /dev/zero | sort > /dev/null'), resources: { limits: { memory: '32Mi' } } };
    expect(await run(hog)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  test('a missing executable is a start error with the runtime’s message', async () => {
    expect(await run({ command: ['nope'] })).toMatchObject({ exitCode: 128, reason: 'StartError', message: 'exec: "nope": executable file not found in $PATH' });
    expect((await run({ command: ['/bin/nope'] })).message).toBe('exec: "/bin/nope": stat /bin/nope: no such file or directory');
    // `node` is on the host's PATH, not the image's.
    expect((await run({ command: ['node'] })).message).toBe('exec: "node": executable file not found in $PATH');
    expect((await run({}, {}, { env: ['PATH=/bin'] })).message).toBe('failed to generate container "main" spec: no command specified');
  });
});
