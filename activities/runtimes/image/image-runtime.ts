/**
 * The image runtime: a container runs in its image, as the kubelet runs it (pkg/kubelet/kuberuntime: the image
 * is ensured first, pkg/kubelet/images, then the container starts in it). The image comes from the worker's
 * image store (src/images), pulled as its imagePullPolicy says; the container gets a private, writable root
 * over the unpacked image in the pod sandbox (in-image.ts).
 *
 * Host mode is the worker's choice, never a silent one: `images: host` runs every container's command on the
 * host as before (the process runtime), `pull-or-host` does so for images it cannot pull; either way the pod's
 * events say that its image was not used.
 */
import { defaultPullPolicy, parseImageReference } from '../../../src/shared/images/image-reference.js';
import type { ImageMode } from '../../../src/shared/images/image-mode.js';
import type { ImageStore } from '../../../src/images/index.js';
import { untilStopped } from '../../abortable-wait.js';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { ContainerRun, ContainerRuntime } from '../../container-runtime.js';
import type { ImagePuller, PullPolicy } from './image-pulls.js';
import type { ImageSandbox } from './image-sandbox-probe.js';
import { runInImage } from './in-image.js';
import { pullCredentialsFor } from '../../pod-config/pull-secrets.js';


export interface ImageRuntimeSettings {
  mode: ImageMode;
  nodeName: string;
  /** The store, its puller and the sandbox for containers in images; or why this worker cannot run images. */
  images: { store: ImageStore; puller: ImagePuller; sandbox: ImageSandbox } | { unavailable: string };
  /** Runs a container's command on the host (the process runtime): host mode, and its fallback. */
  host: ContainerRuntime;
}

/** How long pull-or-host remembers an image it could not pull, so that each pod does not try again. */
const UNPULLABLE_MEMORY_MS = 60_000;
/** Jobs and images remembered for their RunningOnHost event (images: host); beyond this the oldest go. */
const TOLD_ON_HOST_KEPT = 1_000;

export class ImageRuntime implements ContainerRuntime {
  /** pull-or-host: images whose pull failed lately, with the failure. */
  private readonly unpullable = new Map<string, { failure: string; at: number }>();
  /** images: host: the Jobs and images whose RunningOnHost event this worker has reported. */
  private readonly toldOnHost = new Set<string>();

  constructor(private readonly settings: ImageRuntimeSettings) {}

  async run(run: ContainerRun): Promise<ContainerExit> {
    const { mode, nodeName, images, host } = this.settings;
    const { container, pod, log } = run;
    const image = container.image ?? '';
    if (mode === 'host') {
      // The worker's own setting, the same for every pod: told with the first pod of each Job and image here,
      // not with every pod (a short pod's event would cost its history more than the pod itself).
      if (this.firstOnHost(pod.input.job.metadata.uid, image)) {
        pod.status.event('Normal', 'RunningOnHost', `Container image "${image}" is not used: worker ${nodeName} runs the container's command on the host (images: host)`);
      }
      return host.run(run);
    }
    if ('unavailable' in images) {
      if (mode === 'pull') return startError(log, `worker ${nodeName} cannot run containers in their images: ${images.unavailable}`);
      return this.onHost(run, `worker ${nodeName} cannot run containers in their images (${images.unavailable})`);
    }
    // Before the first await: the pod runner counts the pod as started once no container waits.
    pod.status.wait(container.name, 'ContainerCreating');
    const fallback = mode === 'pull-or-host';
    const invalid = invalidImageName(image);
    if (invalid) {
      // The kubelet cannot name the image to pull: the pod stays Pending (InvalidImageName) until it is deleted.
      pod.status.event('Warning', 'InspectFailed', invalid);
      if (fallback) return this.onHost(run, `its image name is invalid`);
      pod.status.event('Warning', 'Failed', 'Error: InvalidImageName');
      pod.status.wait(container.name, 'InvalidImageName', invalid);
      await untilStopped(pod.stop);
      return { exitCode: 128, reason: 'InvalidImageName', neverStarted: true };
    }
    const policy: PullPolicy = container.imagePullPolicy ?? defaultPullPolicy(image);
    const remembered = fallback ? this.unpullable.get(image) : undefined;
    if (remembered && Date.now() - remembered.at < UNPULLABLE_MEMORY_MS) {
      return this.onHost(run, `its image "${image}" could not be pulled a moment ago (${remembered.failure})`);
    }
    const pullSecrets = pod.input.job.spec.template.spec.imagePullSecrets ?? [];
    const wanted = {
      image,
      policy,
      container: container.name,
      status: pod.status,
      stop: pod.stop,
      ...(pullSecrets.length > 0 ? { credentials: () => pullCredentialsFor(image, pullSecrets, pod.objects.fresh(), pod.status) } : {}),
    };
    // An image removed between its pull and its lease (garbage collection, `kjob image rm`) is ensured again.
    for (let attempt = 0; ; attempt++) {
      const ensured = await images.puller.ensure(wanted, { once: fallback });
      if ('stopped' in ensured) return { exitCode: 128, reason: 'ContainerCreating', neverStarted: true };
      if ('failed' in ensured) {
        this.rememberUnpullable(image, ensured.failed);
        return this.onHost(run, `its image "${image}" could not be pulled`);
      }
      this.unpullable.delete(image);
      const lease = await images.store.use(ensured.image).catch((error: unknown) => (attempt < 2 ? undefined : Promise.reject(error)));
      if (!lease) continue;
      try {
        pod.status.ready(container.name);
        return await runInImage(images.sandbox, ensured.image, run);
      } finally {
        await lease.release();
      }
    }
  }

  /** Whether this is the first container of the Job with this image to run on the host here (images: host). */
  private firstOnHost(jobUid: string, image: string): boolean {
    const key = `${jobUid}\n${image}`;
    if (this.toldOnHost.has(key)) return false;
    this.toldOnHost.add(key);
    if (this.toldOnHost.size > TOLD_ON_HOST_KEPT) this.toldOnHost.delete(this.toldOnHost.values().next().value as string);
    return true;
  }

  private rememberUnpullable(image: string, failure: string): void {
    const now = Date.now();
    for (const [name, { at }] of this.unpullable) if (now - at >= UNPULLABLE_MEMORY_MS) this.unpullable.delete(name);
    this.unpullable.set(image, { failure, at: now });
  }

  /** pull-or-host: the container's command runs on the host, and its events say why. */
  private onHost(run: ContainerRun, why: string): Promise<ContainerExit> {
    const { container, pod } = run;
    pod.status.event(
      'Warning',
      'RunningOnHost',
      `Container image "${container.image ?? ''}" is not used: ${why}; worker ${this.settings.nodeName} runs the container's command on the host instead (images: pull-or-host)`,
    );
    pod.status.ready(container.name);
    return this.settings.host.run(run);
  }
}

/** The kubelet's message for an image name it cannot parse (kuberuntime_image.go, applyDefaultImageTag). */
function invalidImageName(image: string): string | undefined {
  try {
    parseImageReference(image);
    return undefined;
  } catch (error) {
    return `Failed to apply default image tag "${image}": couldn't parse image name "${image}": ${error instanceof Error ? error.message : String(error)}`;
  }
}
