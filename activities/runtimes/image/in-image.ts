/**
 * Runs one container in its image's unpacked root: works out its process from the container and the image's
 * config (container-process.ts, image-user.ts), checks what the CRI runtime would refuse before it starts
 * (a user or executable the image lacks: a start error with containerd's or runc's message), gives it a
 * private writable root over the store's read-only one, and runs it in the pod sandbox under the container's
 * limits (run-contained.ts). The container's dir (upper, work) goes when it ends; the store's root is never
 * written.
 */
import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '../../../src/images/image-config.js';
import { expandReferences } from '../../container-env.js';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { ContainerRun } from '../../container-runtime.js';
import { chmodTree, removeTree } from '../../pod-directories.js';
import { containerMounts, type ContainerMount } from '../../pod-volumes.js';
import { runContained } from '../process/run-contained.js';
import { imageArgv, imageEnv, imageWorkingDir } from './container-process.js';
import { writeEtcFiles } from './etc-files.js';
import { executableMissing } from './executable-lookup.js';
import { unreachableBind } from './host-reach.js';
import { CONTAINER_DIR_ENTRIES, imageSandboxArgv, type MountPoint } from './image-sandbox-argv.js';
import type { ImageSandbox } from './image-sandbox-probe.js';
import { ImageUserError, resolveImageUser, type AccountFiles, type ImageUser } from './image-user.js';
import { resolveInRoot, type ContainerRoot } from './rootfs-path.js';

/** What the image store hands over: the unpacked root (read-only, shared) and the image's config. */
export interface UnpackedImage {
  rootfs: string;
  config: ImageConfig;
}

/** The host programs before bubblewrap find theirs here; the container's own env is set by bubblewrap. */
const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export async function runInImage(sandbox: ImageSandbox, image: UnpackedImage, run: ContainerRun): Promise<ContainerExit> {
  const { pod, container, log } = run;
  const argv = imageArgv(container.command?.map((a) => expandReferences(a, run.env)), run.args, image.config);
  if (argv.length === 0) return startError(log, `failed to generate container ${JSON.stringify(container.name)} spec: no command specified`);
  const user = await imageUser(image);
  if (user instanceof ImageUserError) return startError(log, user.message);
  if (sandbox.rootless && user.uid !== 0) {
    return startError(log, `running containers as a non-root user (uid ${user.uid}) in their images needs root on worker ${sandbox.nodeName}: it runs as uid ${process.getuid?.()}, and its user namespace maps that uid alone`);
  }
  const volumes = await containerMounts(container.volumeMounts ?? [], pod.volumes).catch((error: unknown) => error as Error);
  if (volumes instanceof Error) return startError(log, volumes.message);
  const env = imageEnv(image.config, run.env, pod.input.hostname, user.home);
  const workingDir = imageWorkingDir(container.workingDir, image.config);
  const missing = executableMissing({ rootfs: image.rootfs, mounts: volumes }, argv[0]!, env.PATH ?? '', workingDir);
  if (missing) return startError(log, missing);
  const containerDir = await makeContainerDir(pod.scratch.ensure(), container.name, image.rootfs);
  try {
    const etcFiles = (await writeEtcFiles(containerDir, sandbox.network, pod.input.hostname)).filter(
      // A volume the container mounts at one of these paths is its own, as the kubelet then leaves the file alone.
      (file) => !volumes.some((v) => v.target === file.target),
    );
    const { mounts, mountPoints, resolvedWorkingDir } = placeMounts(image.rootfs, [...volumes, ...etcFiles], workingDir);
    const unreachable = user.uid === 0 ? undefined : unreachableBind(user, [containerDir, ...mounts.map((m) => m.source)]);
    if (unreachable) {
      const { source, folder } = unreachable;
      return startError(log, `the image's user (uid ${user.uid}) cannot reach ${source} on worker ${sandbox.nodeName}: bubblewrap binds it as that user, and ${folder} does not let it in`);
    }
    const command = imageSandboxArgv({ ...sandbox, hostname: pod.input.hostname, containerDir, user, mounts, mountPoints, workingDir, resolvedWorkingDir, env, argv });
    return await runContained(sandbox, run, { argv: command, cwd: containerDir, env: { PATH: HOST_PATH }, spareOnTerm: sandbox.tools.bwrap });
  } finally {
    // A worker that is not root cannot open the overlay's work dir (mode 000), nor what the container made
    // unreadable: opened up first, since removeTree's own retry races with its first, still running, removal.
    if (sandbox.rootless) await chmodTree(containerDir).catch(() => undefined);
    await removeTree(containerDir);
  }
}

/** The image's user, or containerd's error for one it cannot resolve (reported as it reports it). */
async function imageUser(image: UnpackedImage): Promise<ImageUser | ImageUserError> {
  const root: ContainerRoot = { rootfs: image.rootfs, mounts: [] };
  const read = (path: string) => readFile(resolveInRoot(root, path).hostPath, 'utf8').catch(() => undefined);
  const files: AccountFiles = { passwd: await read('/etc/passwd'), group: await read('/etc/group') };
  try {
    return resolveImageUser(image.config.user, files, image.rootfs);
  } catch (error) {
    if (!(error instanceof ImageUserError)) throw error;
    return new ImageUserError(`failed to create containerd container: mount callback failed on ${image.rootfs}: ${error.message}`);
  }
}

/** The container's own dir in the pod's scratch dir: the overlay's upper and work dirs, its mount point. */
async function makeContainerDir(scratch: string, containerName: string, rootfs: string): Promise<string> {
  const dir = await mkdtemp(join(scratch, `image-${containerName}-`));
  for (const entry of [CONTAINER_DIR_ENTRIES.upper, CONTAINER_DIR_ENTRIES.work, CONTAINER_DIR_ENTRIES.merged]) await mkdir(join(dir, entry));
  // The overlay's options name fixed relative paths (the shell runs in this dir): no path is spliced into them.
  await symlink(rootfs, join(dir, CONTAINER_DIR_ENTRIES.lower));
  // The image's user (setpriv) must reach its root through this dir.
  await chmod(dir, 0o755);
  return dir;
}

/**
 * Each bind's target resolved in the root as it stands when that bind is made (the earlier binds in place), and
 * the mount points in the image's own root to make beforehand, as root: bubblewrap running as the image's
 * user could not make them in a root-owned folder. The working dir is made too, as containerd makes a missing
 * one; one inside a volume is made there by bubblewrap.
 */
function placeMounts(rootfs: string, binds: readonly ContainerMount[], workingDir: string) {
  const mounts: ContainerMount[] = [];
  // bubblewrap mounts /proc and /dev first; an image need not have their folders.
  const mountPoints: MountPoint[] = ['/proc', '/dev'].map((path) => ({ path: resolveInRoot({ rootfs, mounts }, path).path, kind: 'dir' }));
  for (const bind of binds) {
    const target = resolveInRoot({ rootfs, mounts }, bind.target);
    if (!target.inVolume) mountPoints.push({ path: target.path, kind: isDirectory(bind.source) ? 'dir' : 'file' });
    mounts.push({ ...bind, target: target.path });
  }
  const workDir = resolveInRoot({ rootfs, mounts }, workingDir);
  if (!workDir.inVolume) mountPoints.push({ path: workDir.path, kind: 'dir' });
  return { mounts, mountPoints, resolvedWorkingDir: workDir.path };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true;
  }
}
