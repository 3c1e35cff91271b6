/**
 * The command line that runs a container in its image's root (the choice measured in bench/image-rootfs/README.md):
 * a private mount namespace (`unshare -m`, or `-Urm` for a worker that is not root) in which a shell mounts an
 * overlay of the image's root (read-only lower) with the container's own upper and work dirs, makes the mount
 * points, then execs, through `setpriv` when the image's user is not root, bubblewrap with the pod sandbox's
 * namespaces and `--bind merged /`. Every step execs the next, so the process the worker started ends up as
 * bubblewrap: `--die-with-parent` still refers to the worker's helper, and the SIGTERM that spares bubblewrap
 * reaches the container. The mount lives only as long as that namespace: a killed worker leaves no mount.
 */
import type { ContainerMount } from '../../pod-volumes.js';
import { commandArgs, namespaceArgs, volumeArgs } from '../process/sandbox.js';
import type { ImageUser } from './image-user.js';

/** The host programs, resolved once per worker. */
export interface ImageSandboxTools {
  unshare: string;
  setpriv: string;
  bwrap: string;
}

/** The container's dir holds `lower` (a link to the image's root), `upper`, `work` and `merged`; it is the cwd. */
export const CONTAINER_DIR_ENTRIES = { lower: 'lower', upper: 'upper', work: 'work', merged: 'merged' } as const;

/** A place in the image's root made before bubblewrap starts, as root: a directory, or a file to bind over. */
export interface MountPoint {
  path: string;
  kind: 'dir' | 'file';
}

export interface ImageSandboxCommand {
  tools: ImageSandboxTools;
  /** The worker is not root: the mount namespace comes with a user namespace mapping it to root. */
  rootless: boolean;
  network: 'none' | 'host';
  hostname: string;
  /** The container's dir, absolute (bubblewrap's bind source). */
  containerDir: string;
  user: ImageUser;
  /** Volumes and the managed /etc files, with their targets resolved in the root (no links left). */
  mounts: ContainerMount[];
  /** Made in the image's root (in the upper dir) before bubblewrap: the working dir, the mount points. */
  mountPoints: MountPoint[];
  workingDir: string;
  /** The working dir with its links resolved in the root. */
  resolvedWorkingDir: string;
  env: Record<string, string>;
  argv: string[];
}

/**
 * The shell between unshare and bubblewrap. Its arguments are the mount points (`d/path`, `f/path`) up to a
 * `--`, then the command to exec; nothing is spliced into the script. The paths have no links left in them
 * (resolved in the image's root beforehand), so the mkdir cannot leave the merged root.
 */
const MOUNT_AND_EXEC = [
  'set -e',
  'umask 022',
  `mount -t overlay overlay -o lowerdir=${CONTAINER_DIR_ENTRIES.lower},upperdir=${CONTAINER_DIR_ENTRIES.upper},workdir=${CONTAINER_DIR_ENTRIES.work} ${CONTAINER_DIR_ENTRIES.merged}`,
  'while [ "$1" != -- ]; do',
  `  p="${CONTAINER_DIR_ENTRIES.merged}\${1#?}"`,
  '  case $1 in d*) mkdir -p "$p" ;; f*) mkdir -p "${p%/*}"; [ -e "$p" ] || : > "$p" ;; esac',
  '  shift',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

export function imageSandboxArgv(c: ImageSandboxCommand): string[] {
  const { tools, user } = c;
  const namespaces = c.rootless ? ['-Urm'] : ['-m'];
  const points = c.mountPoints.map((p) => `${p.kind === 'dir' ? 'd' : 'f'}${p.path}`);
  // bubblewrap 0.8 sets a uid only in a user namespace that maps that uid alone; run as the user, it makes one.
  const asUser =
    user.uid === 0
      ? []
      : [tools.setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, user.groups.length > 0 ? `--groups=${user.groups.join(',')}` : '--clear-groups'];
  const bwrap = [
    tools.bwrap,
    ...namespaceArgs(c.network, c.hostname),
    '--bind',
    `${c.containerDir}/${CONTAINER_DIR_ENTRIES.merged}`,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...volumeArgs(c.mounts),
    // The host programs before bubblewrap run with the worker's PATH only; the container gets its own env.
    '--clearenv',
    ...Object.entries(c.env).flatMap(([name, value]) => ['--setenv', name, value]),
    ...commandArgs(c.workingDir, c.argv, c.resolvedWorkingDir),
  ];
  return [tools.unshare, ...namespaces, '--propagation', 'private', '/bin/sh', '-c', MOUNT_AND_EXEC, 'kjob-image', ...points, '--', ...asUser, ...bwrap];
}
