/**
 * The command pods' sandbox: bubblewrap with private mount, pid, IPC, UTS and (by default) network namespaces,
 * a tmpfs root holding the host's system folders read-only, and the pod's volumes bound at their mountPaths.
 * It stands in for a container: a pod sees the host's programs but not its files, processes or network.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { commandPath } from '../../../src/host/host-commands.js';
import type { ContainerMount } from '../../pod-volumes.js';

const execFileAsync = promisify(execFile);

/** The host folders a pod sees read-only: the programs and libraries that stand in for its image. */
const SYSTEM_FOLDERS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/** The PATH of a typical Linux image, since the pod sees the host's system folders as its image. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SandboxSettings {
  /** `none`: the pod has only its own loopback, as the isolation asks; `host`: the worker's network. */
  network: 'none' | 'host';
  /** More host folders the pods see read-only (a language runtime installed outside the system folders). */
  readOnlyPaths: string[];
}

export interface Sandbox extends SandboxSettings {
  /** The bubblewrap executable, resolved (its processes are spared SIGTERM). */
  bwrap: string;
  /** bubblewrap's arguments for the host folders every pod sees, worked out once per worker. */
  folderArgs: string[];
}

export interface SandboxedCommand {
  argv: string[];
  hostname: string;
  mounts: ContainerMount[];
  workingDir?: string;
}

export type SandboxProbe = { sandbox: Sandbox } | { unavailable: string };

/** Whether this host can sandbox pods: bubblewrap is installed and may create the namespaces. */
export async function detectSandbox(settings: SandboxSettings): Promise<SandboxProbe> {
  const bwrap = await commandPath('bwrap');
  if (!bwrap) return { unavailable: 'bubblewrap (bwrap) is not installed; on Debian: apt-get install bubblewrap' };
  const sandbox: Sandbox = { ...settings, bwrap, folderArgs: hostFolderArgs(settings.readOnlyPaths) };
  try {
    await execFileAsync(bwrap, sandboxArgs(sandbox, { argv: ['true'], hostname: 'kjob-probe', mounts: [] }), { timeout: 10_000 });
    return { sandbox };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { unavailable: `bubblewrap cannot create the sandbox here: ${stderr || String(error)}` };
  }
}

/** The host's system folders (and any extra ones) as the pod sees them: read-only binds, and the same links. */
function hostFolderArgs(readOnlyPaths: readonly string[]): string[] {
  const args: string[] = [];
  for (const folder of [...SYSTEM_FOLDERS, ...readOnlyPaths]) {
    if (!existsSync(folder)) continue;
    // A merged-/usr host has /bin -> usr/bin: the pod gets the same link, not a second copy of the folder.
    if (lstatSync(folder).isSymbolicLink() && SYSTEM_FOLDERS.includes(folder)) args.push('--symlink', readlinkSync(folder), folder);
    else args.push('--ro-bind', folder, folder);
  }
  return args;
}

/** bubblewrap's arguments to run a container's command in the sandbox. */
export function sandboxArgs(sandbox: Sandbox, command: SandboxedCommand): string[] {
  const args = namespaceArgs(sandbox.network, command.hostname);
  args.push('--tmpfs', '/', ...sandbox.folderArgs);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--dir', '/root');
  args.push(...volumeArgs(command.mounts), ...commandArgs(command.workingDir, command.argv));
  return args;
}

/**
 * The namespaces every sandboxed container gets, whatever its root: its own pids, IPC, hostname and (network
 * `none`) network, and it dies with the worker.
 */
export function namespaceArgs(network: SandboxSettings['network'], hostname: string): string[] {
  const args = ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', hostname];
  if (network === 'none') args.push('--unshare-net');
  return args;
}

/** The pod's volumes bound at their mountPaths, after the root is set up. */
export function volumeArgs(mounts: readonly ContainerMount[]): string[] {
  return mounts.flatMap((mount) => [mount.readOnly ? '--ro-bind' : '--bind', mount.source, absolute(mount.target)]);
}

/**
 * The working directory (made if missing) and the command: bubblewrap's last arguments. bubblewrap makes the
 * directory before it enters the new root, where a link in the path would not resolve as in the container:
 * `madeDir` is the same directory with its links resolved, where there may be any.
 */
export function commandArgs(workingDir: string | undefined, argv: readonly string[], madeDir?: string): string[] {
  const dir = absolute(workingDir ?? '/');
  const made = absolute(madeDir ?? dir);
  return [...(made === '/' ? [] : ['--dir', made]), '--chdir', dir, '--', ...argv];
}

/**
 * Whether the sandbox will find the command, checked on the host beforehand: bubblewrap reports a failed exec
 * only as exit code 1, and a container runtime reports it as a start error (exit code 128).
 */
export function commandExistsInSandbox(sandbox: Sandbox, command: string, mounts: readonly ContainerMount[], pathVar: string): boolean {
  const visible = [...SYSTEM_FOLDERS, ...sandbox.readOnlyPaths].map(absolute);
  const under = (path: string, root: string) => path === root || path.startsWith(`${root.replace(/\/$/, '')}/`);
  if (command.includes('/') && !command.startsWith('/')) return true; // relative to the working directory: let it run
  const candidates = command.startsWith('/') ? [command] : pathVar.split(':').filter(Boolean).map((dir) => `${absolute(dir)}/${command}`);
  return candidates.some((path) => {
    // The innermost mount holding the path decides where it is on the host.
    const mount = [...mounts].reverse().find((m) => under(path, absolute(m.target)));
    if (!mount && !visible.some((root) => under(path, root))) return false;
    const hostPath = mount ? `${mount.source}${path.slice(absolute(mount.target).replace(/\/$/, '').length)}` : path;
    try {
      // Most candidates are missing: without the throw (an Error with its stack per PATH entry) the lookup is cheap.
      return statSync(hostPath, { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false;
    }
  });
}

/** The runtime treats a relative mountPath or workingDir as relative to the container's root. */
export function absolute(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
