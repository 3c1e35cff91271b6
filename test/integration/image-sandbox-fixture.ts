/**
 * What the image sandbox tests run on: an image root built from busybox-static (as the image store would hand
 * it over, unpacked and read-only), and a minimal pod run context around one container, as the pod runner
 * (activities/run-pod.ts) makes it.
 */
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRun, PodRunContext } from '../../activities/container-runtime.js';
import { LogTail } from '../../activities/log-tail.js';
import { lazyDirectory } from '../../activities/pod-directories.js';
import type { PodVolume } from '../../activities/pod-volumes.js';
import type { Container } from '../../src/shared/kubernetes-types.js';
import type { PodRunInput } from '../../src/shared/protocol/pod-runs.js';
import { PodObjects } from '../../activities/pod-config/object-reads.js';
import { InMemoryConfigObjects } from '../config-objects.js';

const APPLETS = ['sh', 'id', 'ls', 'cat', 'touch', 'echo', 'true', 'sleep', 'pwd', 'env', 'mkdir', 'test', 'head', 'sort', 'hostname', 'stat', 'rm'];

/** A folder the tests own, reachable by the image's non-root user (mkdtemp makes it 0700). */
export function testFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** busybox and its applets in /bin, root and user 1000 in /etc/passwd, a group listing the user, a marker. */
export function buildRootfs(parent: string): string {
  const rootfs = join(parent, 'rootfs');
  for (const dir of ['bin', 'etc', 'root', 'home/app', 'srv']) mkdirSync(join(rootfs, dir), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { mode: 0o1777 });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of APPLETS) symlinkSync('/bin/busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n');
  writeFileSync(join(rootfs, 'image-marker'), 'from the image\n');
  writeFileSync(join(rootfs, 'srv/staff-only'), 'for staff\n', { mode: 0o640 });
  if (process.getuid?.() === 0) chownSync(join(rootfs, 'srv/staff-only'), 0, 50);
  // A link with an absolute target, which must resolve inside the image, never on the host.
  symlinkSync('/srv', join(rootfs, 'srv-link'));
  // One that climbs out of the image's root on the host; in the container it stays at `/`.
  symlinkSync('../../../../../../../../../tmp', join(rootfs, 'climb'));
  return rootfs;
}

/** Every entry below `dir` with its size and mtime, links not followed: a change in the image shows. */
export function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = join(prefix, name);
    const info = lstatSync(join(dir, path));
    return [`${path} ${info.mode} ${info.size} ${info.mtimeMs}`, ...(info.isDirectory() ? listTree(dir, path) : [])];
  });
}

export interface RunOptions {
  env?: Record<string, string>;
  args?: string[];
  volumes?: Map<string, PodVolume>;
  gracePeriodMs?: number;
  stop?: AbortSignal;
  scratch?: string;
}

let runs = 0;

/** One container's run, as the pod runner hands it to a runtime. */
export function containerRun(container: Partial<Container>, options: RunOptions = {}): ContainerRun & { log: LogTail } {
  const n = runs++;
  const pod: PodRunContext = {
    input: { podName: `image-pod-${process.pid}-${n}`, restartCount: 0, hostname: `image-pod-${n}` } as PodRunInput,
    stop: options.stop ?? new AbortController().signal,
    gracePeriodMs: options.gracePeriodMs ?? 30_000,
    scratch: lazyDirectory(options.scratch ?? join(tmpdir(), 'kjob-image-sandbox-test', `run-${process.pid}-${n}`)),
    volumes: options.volumes ?? new Map(),
    objects: new PodObjects(new InMemoryConfigObjects(), 'default'),
    heartbeat: { handlerProgress: () => undefined },
    status: { event: () => undefined, wait: () => undefined, ready: () => undefined },
  };
  return { pod, container: { name: 'main', image: 'test-image', ...container } as Container, env: options.env ?? {}, args: options.args ?? [], log: new LogTail(64 * 1024) };
}
