/**
 * What a Job's state keeps, so that it grows with the running pods and not with the completions: the latest
 * finished pods (Kubernetes keeps all; a 100,000-pod Job cannot), and their logs within a byte budget.
 */
import type { ContainerLog } from '../kubernetes-types.js';
import { isTerminal, type JobControllerState, type PodRecord } from './state.js';

/** Finished pods a Job keeps records of, the latest ones with their logs. */
export const FINISHED_PODS_KEPT = 200;

/**
 * Forgets the oldest finished pods beyond the latest `keep`, and their logs: they are counted already and no
 * decision reads them, so the workflow's memory and its result grow with the running pods, not with completions.
 * Done once the excess reaches `slack`, so it costs nothing per pod.
 */
export function forgetOldFinishedPods(state: JobControllerState, keep = FINISHED_PODS_KEPT, slack = keep): void {
  if (state.pods.length <= keep + slack) return;
  let finished = 0;
  for (const pod of state.pods) if (isTerminal(pod)) finished++;
  if (finished <= keep + slack) return;
  let excess = finished - keep;
  const kept: PodRecord[] = [];
  for (const pod of state.pods) {
    if (excess > 0 && isTerminal(pod)) {
      excess--;
      const logs = state.logs.get(pod.name);
      if (logs) state.logBytes -= logSize(logs);
      state.logs.delete(pod.name);
    } else kept.push(pod);
  }
  state.pods = kept;
}

/** Characters of log text held, as the Job's log budget counts them. */
export const logSize = (entries: ContainerLog[]) => entries.reduce((sum, l) => sum + l.text.length, 0);

/** Keeps a pod's logs within the Job's log budget (settings.jobLogBudgetBytes). */
export function storeLogs(state: JobControllerState, podName: string, logs: ContainerLog[]): void {
  const size = logSize;
  const previous = state.logs.get(podName);
  if (previous) state.logBytes -= size(previous);
  state.logs.set(podName, logs);
  state.logBytes += size(logs);
  // Over budget: drop the oldest pods' logs, keeping how much was dropped.
  for (const [name, entries] of state.logs) {
    if (state.logBytes <= state.settings.jobLogBudgetBytes) break;
    if (name === podName) continue;
    state.logBytes -= size(entries);
    state.logs.set(
      name,
      entries.map((l) => ({ container: l.container, text: '', truncatedBytes: l.truncatedBytes + l.text.length })),
    );
  }
}
