import type { Job, Pod } from '../src/types.js';

/** A Job manifest with one container and the given spec fields. */
export function jobManifest(name: string, spec: Record<string, unknown>, container: Record<string, unknown>, podSpec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', ...podSpec, containers: [{ name: 'main', ...container }] } } },
  };
}

export const handlerContainer = (handler: string, extra: Record<string, unknown> = {}) => ({ image: `kjob.dev/handler/${handler}`, ...extra });

export const seconds = (iso: string | undefined) => Date.parse(iso ?? 'invalid') / 1000;

/** Seconds between the creations of consecutive pods: the replacement delays. */
export function creationGaps(pods: Pod[]): number[] {
  return pods.slice(1).map((pod, i) => seconds(pod.metadata.creationTimestamp) - seconds(pods[i]!.metadata.creationTimestamp));
}

export function conditions(job: Job): string[] {
  return (job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason}`);
}

export function terminated(pod: Pod) {
  const state = pod.status.containerStatuses?.[0]?.state;
  return state && 'terminated' in state ? state.terminated : undefined;
}
