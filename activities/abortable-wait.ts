/** Waiting in a pod run: a delay that the pod's termination or deadline cuts short. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits `ms`, unless the pod is stopped first: false then. */
export async function waitUnlessStopped(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  try {
    await sleep(ms, undefined, { signal: stop });
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the pod is stopped. */
export function untilStopped(stop: AbortSignal): Promise<void> {
  return stop.aborted ? Promise.resolve() : new Promise((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
}
