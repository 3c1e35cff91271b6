/**
 * Getting a container's image onto the host as the kubelet's image manager does (pkg/kubelet/images/
 * image_manager.go EnsureImageExists, with its per-image back-off): the pull policy decides whether the cache
 * will do, each pull and failure is an event with the kubelet's message, and a failed pull leaves the container
 * waiting (ErrImagePull, then ImagePullBackOff) and is retried after 10 s, doubling to 5 minutes. The pod stays
 * Pending meanwhile; only its deletion or its deadline ends the wait.
 */
import type { ImageStore, PullCredentials, StoredImage } from '../../../src/images/index.js';
import { waitUnlessStopped as wait } from '../../abortable-wait.js';
import type { PodStatus } from '../../pod-status.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface PullBackoff {
  /** The first retry's delay (the kubelet: 10 s). */
  initialMs: number;
  /** The longest delay (the kubelet's MaxContainerBackOff: 300 s). */
  capMs: number;
}

export const KUBELET_PULL_BACKOFF: PullBackoff = { initialMs: 10_000, capMs: 300_000 };

export interface ImageWanted {
  /** The image as the manifest names it: the kubelet's messages quote it so. */
  image: string;
  policy: PullPolicy;
  container: string;
  status: Pick<PodStatus, 'event' | 'wait'>;
  stop: AbortSignal;
  /** The pod's imagePullSecrets that match the image, read again at each pull (pod-config/pull-secrets.ts). */
  credentials?: () => Promise<readonly PullCredentials[]>;
}

/** The image is on the host; `stopped` when the pod was stopped first; `failed`: the first failure, with `once`. */
export type Ensured = { image: StoredImage } | { stopped: true } | { failed: string };

export class ImagePuller {
  constructor(
    private readonly store: ImageStore,
    private readonly backoff: PullBackoff = KUBELET_PULL_BACKOFF,
  ) {}

  /**
   * Pulls the image as its policy says, retrying with back-off until it is there. With `once`, the first failed
   * pull ends the attempt instead (the worker then runs the container on the host, and says so).
   */
  async ensure(wanted: ImageWanted, options: { once?: boolean } = {}): Promise<Ensured> {
    const { image, policy, container, status, stop } = wanted;
    let delayMs = this.backoff.initialMs;
    for (;;) {
      if (policy !== 'Always') {
        const present = await this.store.find(image).catch(() => undefined);
        if (present) {
          status.event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
          return { image: present };
        }
      }
      let failure: string;
      if (policy === 'Never') {
        failure = `Container image "${image}" is not present with pull policy of Never`;
        status.event('Warning', 'ErrImageNeverPull', failure);
        if (options.once) return { failed: failure };
        status.event('Warning', 'Failed', 'Error: ErrImageNeverPull');
        status.wait(container, 'ErrImageNeverPull', failure);
      } else {
        const pulled = await this.pull(wanted);
        if ('image' in pulled || 'stopped' in pulled) return pulled;
        failure = pulled.failed;
        status.event('Warning', 'Failed', `Failed to pull image "${image}": ${failure}`);
        if (options.once) return { failed: failure };
        status.event('Warning', 'Failed', 'Error: ErrImagePull');
        status.wait(container, 'ErrImagePull', failure);
      }
      // The kubelet's next sync finds the image backing off: ImagePullBackOff until the delay is over.
      if (!(await wait(Math.min(1000, delayMs), stop))) return { stopped: true };
      if (policy !== 'Never') {
        const backingOff = `Back-off pulling image "${image}"`;
        status.event('Normal', 'BackOff', backingOff);
        status.event('Warning', 'Failed', 'Error: ImagePullBackOff');
        status.wait(container, 'ImagePullBackOff', backingOff);
      }
      if (!(await wait(Math.max(0, delayMs - 1000), stop))) return { stopped: true };
      delayMs = nextPullDelay(delayMs, this.backoff);
    }
  }

  /**
   * One pull, as the kubelet's pullImage tries it: with each credential the pull secrets give for the image, then
   * with the worker's own (its auth file, as the node's keyring comes last); the first failure is the one shown.
   */
  private async pull({ image, container, status, stop, credentials }: ImageWanted): Promise<Ensured> {
    status.wait(container, 'ContainerCreating');
    const fromSecrets = credentials ? await credentials() : [];
    status.event('Normal', 'Pulling', `Pulling image "${image}"`);
    const started = Date.now();
    let failure: string | undefined;
    for (const given of [...fromSecrets, undefined]) {
      try {
        const { image: stored } = await this.store.pull(image, { signal: stop, ...(given ? { credentials: given } : {}) });
        const seconds = `${((Date.now() - started) / 1000).toFixed(3)}s`;
        status.event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${seconds} (${seconds} including waiting). Image size: ${stored.sizeBytes} bytes.`);
        return { image: stored };
      } catch (error) {
        if (stop.aborted) return { stopped: true };
        // Whatever failed (the registry, the disk while unpacking), the kubelet would show ErrImagePull and retry.
        failure ??= error instanceof Error ? error.message : String(error);
      }
    }
    return { failed: failure ?? 'pull failed' };
  }
}

/** The next retry's delay: doubled, up to the cap (client-go's flowcontrol.Backoff, as the kubelet uses it). */
export function nextPullDelay(delayMs: number, backoff: PullBackoff): number {
  return Math.min(delayMs * 2, backoff.capMs);
}
