/**
 * Whether this host can run containers in their images' roots: unshare, setpriv and bubblewrap are installed,
 * and an overlay can be mounted in a private mount namespace in the worker's scratch folder (as root, or in a
 * user namespace for a worker that is not root; the upper dir must not be on overlayfs itself).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandPath } from '../../../src/host/host-commands.js';
import { removeTree } from '../../pod-directories.js';
import type { ProcessHost } from '../process/run-contained.js';
import { CONTAINER_DIR_ENTRIES, type ImageSandboxTools } from './image-sandbox-argv.js';

const execFileAsync = promisify(execFile);

export interface ImageSandboxSettings extends ProcessHost {
  /** `none`: the pod has only its own loopback; `host`: the worker's network. */
  network: 'none' | 'host';
  /** The worker host's name, for the start errors. */
  nodeName: string;
}

export interface ImageSandbox extends ImageSandboxSettings {
  tools: ImageSandboxTools;
  /** The worker is not root: overlays are mounted in a user namespace, and images can run as root only. */
  rootless: boolean;
}

export type ImageSandboxProbe = { sandbox: ImageSandbox } | { unavailable: string };

/** `trialDir`: where the containers' dirs will be (the worker's scratch root); a trial overlay is mounted there. */
export async function detectImageSandbox(settings: ImageSandboxSettings, trialDir: string): Promise<ImageSandboxProbe> {
  const tools: Partial<ImageSandboxTools> = {};
  for (const [name, pkg] of [['unshare', 'util-linux'], ['setpriv', 'util-linux'], ['bwrap', 'bubblewrap']] as const) {
    const path = await commandPath(name);
    if (!path) return { unavailable: `${name} is not installed; on Debian: apt-get install ${pkg}` };
    tools[name] = path;
  }
  const rootless = process.getuid?.() !== 0;
  await mkdir(trialDir, { recursive: true });
  const dir = await mkdtemp(join(trialDir, 'image-probe-'));
  try {
    for (const entry of Object.values(CONTAINER_DIR_ENTRIES)) await mkdir(join(dir, entry));
    const mount = `mount -t overlay overlay -o lowerdir=${CONTAINER_DIR_ENTRIES.lower},upperdir=${CONTAINER_DIR_ENTRIES.upper},workdir=${CONTAINER_DIR_ENTRIES.work} ${CONTAINER_DIR_ENTRIES.merged}`;
    await execFileAsync(tools.unshare!, [rootless ? '-Urm' : '-m', '--propagation', 'private', '/bin/sh', '-c', mount], { cwd: dir, timeout: 10_000 });
    return { sandbox: { ...settings, tools: tools as ImageSandboxTools, rootless } };
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const why = rootless ? ' (the worker is not root: this needs unprivileged user namespaces and kernel 5.11 or later)' : '';
    return { unavailable: `an overlay cannot be mounted in ${trialDir}${why}: ${stderr || String(error)}` };
  } finally {
    // The overlay leaves a work dir of mode 000, which a worker that is not root must open up first.
    await removeTree(dir).catch(() => undefined);
  }
}
