/**
 * The kubelet's retry of a pod whose config cannot be made yet (a missing ConfigMap, Secret or key): each failed
 * sync reports the error and the pod is synced again after the back-off period (pkg/kubelet: backOffPeriod,
 * 10 s), until it works or the pod is terminated (deletion, deadline).
 */
import { waitUnlessStopped } from '../abortable-wait.js';
import { PodConfigError } from './object-reads.js';

/** The kubelet's backOffPeriod between syncs of a pod that failed to start. */
export const KUBELET_CONFIG_RETRY_MS = 10_000;

/**
 * Runs `attempt` until it resolves; each PodConfigError is `reported` and tried again after `retryMs`. Undefined
 * when the pod is stopped first. Any other error is kjob's own and goes up.
 */
export async function untilConfigured<T>(attempt: () => Promise<T>, reported: (message: string) => void, retryMs: number, stop: AbortSignal): Promise<T | undefined> {
  for (;;) {
    if (stop.aborted) return undefined;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof PodConfigError)) throw error;
      reported(error.message);
    }
    if (!(await waitUnlessStopped(retryMs, stop))) return undefined;
  }
}
