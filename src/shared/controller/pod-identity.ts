/**
 * Who a Job's pod is: its generated name (the API server's generateName), the labels and annotations the Job
 * controller gives it (pkg/controller/job, addCompletionIndexEnvVariables and the per-index annotations), its
 * hostname, and kjob's idempotency keys for its runs.
 */
import { JOB_COMPLETION_INDEX, JOB_INDEX_FAILURE_COUNT, JOB_INDEX_IGNORED_FAILURE_COUNT, randomNameSuffix } from '../manifest/defaults.js';
import type { Job, ObjectMeta } from '../kubernetes-types.js';
import type { PodRecord } from './state.js';

/** What a pod's hostname and keys are made of: the Job's name and uid. */
type JobIdentity = { metadata: Pick<ObjectMeta, 'name' | 'uid'> };

/** Kubernetes truncates generated pod-name prefixes to 58 characters (names.MaxGeneratedNameLength). */
const MAX_GENERATED_NAME_PREFIX = 58;

function podNamePrefix(job: Job, index: number | null): string {
  const tail = index === null ? '-' : `-${index}-`;
  const room = MAX_GENERATED_NAME_PREFIX - tail.length;
  return `${job.metadata.name.slice(0, Math.max(room, 0))}${tail}`;
}

/** A new pod's name: the Job's name (and index), then a random suffix; never the name of a pod in `pods`. */
export function generatePodName(job: Job, index: number | null, random: () => number, pods: readonly PodRecord[]): string {
  const prefix = podNamePrefix(job, index);
  let name = `${prefix}${randomNameSuffix(random)}`;
  // The API server refuses a generated name that is taken, and the controller tries again: a name the Job still
  // holds a record of would send one pod's events to the other (a NonIndexed Job of 100,000 pods meets ~17).
  while (pods.some((p) => p.name === name)) name = `${prefix}${randomNameSuffix(random)}`;
  return name;
}

export function podLabels(job: Job, index: number | null): Record<string, string> {
  return {
    ...job.spec.template.metadata?.labels,
    ...(index === null ? {} : { [JOB_COMPLETION_INDEX]: String(index) }),
  };
}

export function podAnnotations(job: Job, pod: Pick<PodRecord, 'index' | 'indexFailureCount' | 'indexIgnoredCount'>): Record<string, string> {
  const perIndex = job.spec.backoffLimitPerIndex !== undefined && pod.index !== null;
  return {
    ...job.spec.template.metadata?.annotations,
    ...(pod.index === null ? {} : { [JOB_COMPLETION_INDEX]: String(pod.index) }),
    ...(perIndex ? { [JOB_INDEX_FAILURE_COUNT]: String(pod.indexFailureCount) } : {}),
    ...(perIndex && pod.indexIgnoredCount > 0 ? { [JOB_INDEX_IGNORED_FAILURE_COUNT]: String(pod.indexIgnoredCount) } : {}),
  };
}

/** Kubernetes gives Indexed pods the hostname `$(job-name)-$(index)`, other pods their own name. */
export function podHostname(job: JobIdentity, pod: Pick<PodRecord, 'name' | 'index'>): string {
  return pod.index === null ? pod.name : `${job.metadata.name}-${pod.index}`;
}

/** Idempotency keys: one per (job uid, slot), stable across replacements; one per pod run. */
export function podKeys(job: JobIdentity, pod: Pick<PodRecord, 'slot' | 'name' | 'restartCount'>): { podKey: string; attemptKey: string } {
  const podKey = `kjob:${job.metadata.uid}:${pod.slot}`;
  return { podKey, attemptKey: `${podKey}:${pod.name}:${pod.restartCount}` };
}
