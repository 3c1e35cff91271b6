/**
 * The worker's image runtime, put together once at worker start: the image store under the worker's state
 * folder, its puller, and the sandbox for containers in images, or why this host cannot run images (said once
 * at start, and in each such pod's start error or events).
 */
import { join } from 'node:path';
import { commandPath } from '../../../src/host/host-commands.js';
import { ImageStore, type ImageStoreOptions } from '../../../src/images/index.js';
import type { ContainerRuntime } from '../../container-runtime.js';
import type { CgroupDriver } from '../process/cgroups.js';
import type { ProcessRegistry } from '../process/process-registry.js';
import { ImagePuller, KUBELET_PULL_BACKOFF } from './image-pulls.js';
import type { ImageMode } from '../../../src/shared/images/image-mode.js';
import { ImageRuntime } from './image-runtime.js';
import { detectImageSandbox, type ImageSandboxProbe } from './image-sandbox-probe.js';

export interface ImageRuntimeSetup {
  nodeName: string;
  stateDir: string;
  /** Where the containers' private roots are made (the worker's scratch root). */
  scratchRoot: string;
  network: 'none' | 'host';
  processes: ProcessRegistry;
  cgroups?: CgroupDriver;
  store?: Omit<ImageStoreOptions, 'root'> & { root?: string };
  backoffSeconds?: { initial: number; cap: number };
}

export async function imageRuntimeFor(mode: ImageMode, commandPods: boolean, host: ContainerRuntime, setup: ImageRuntimeSetup): Promise<ContainerRuntime> {
  const { nodeName } = setup;
  // Command pods off: the host runtime refuses every container, with the message it always gave.
  if (!commandPods) return host;
  if (mode === 'host') return new ImageRuntime({ mode, nodeName, images: { unavailable: 'host mode' }, host });
  const probe = await imagesOnThisHost(setup);
  if ('unavailable' in probe) {
    const then = mode === 'pull' ? 'their pods end with StartError' : 'their commands run on the host, as their events say';
    console.warn(`kjob: containers cannot run in their images on this host (${probe.unavailable}): ${then}`);
    return new ImageRuntime({ mode, nodeName, images: probe, host });
  }
  const store = new ImageStore({ ...setup.store, root: setup.store?.root ?? join(setup.stateDir, 'images') });
  const backoff = setup.backoffSeconds
    ? { initialMs: setup.backoffSeconds.initial * 1000, capMs: setup.backoffSeconds.cap * 1000 }
    : KUBELET_PULL_BACKOFF;
  return new ImageRuntime({ mode, nodeName, host, images: { store, puller: new ImagePuller(store, backoff), sandbox: probe.sandbox } });
}

/** The image sandbox, or what this host lacks for it (the pull and unpack tools, or the sandbox's own). */
async function imagesOnThisHost(setup: ImageRuntimeSetup): Promise<ImageSandboxProbe> {
  const missing: string[] = [];
  for (const tool of ['skopeo', 'umoci']) if (!(await commandPath(tool))) missing.push(tool);
  if (missing.length > 0) return { unavailable: `${missing.join(' and ')} not installed (on Debian: apt-get install ${missing.join(' ')})` };
  const { nodeName, network, processes, cgroups } = setup;
  return detectImageSandbox({ network, nodeName, processes, ...(cgroups ? { cgroups } : {}) }, setup.scratchRoot);
}
