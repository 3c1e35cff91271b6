/**
 * Kubernetes' defaults for a Job (pkg/apis/batch/v1/defaults.go) and the metadata the API server and the Job
 * controller add on create (uid, creationTimestamp, the job-name and controller-uid template labels).
 */
import { defaultPullPolicy } from '../images/image-reference.js';
import { JOB_CONTROLLER_NAME, type Job, type JobSpec, type PodFailurePolicyAction } from '../kubernetes-types.js';
import type { JobManifest } from './schema.js';

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_BACKOFF_LIMIT = 6;
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const MAX_INT32 = 2_147_483_647;

export const LABEL_JOB_NAME = 'batch.kubernetes.io/job-name';
export const LABEL_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const LEGACY_LABEL_JOB_NAME = 'job-name';
export const LEGACY_LABEL_CONTROLLER_UID = 'controller-uid';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** Letters Kubernetes uses for generated name suffixes (apimachinery `util/rand`): no vowels, no look-alikes. */
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomNameSuffix(random: () => number, length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_SUFFIX_ALPHABET[Math.floor(random() * NAME_SUFFIX_ALPHABET.length)];
  return out;
}

export function defaultJobSpec(spec: NonNullable<JobManifest['spec']>): JobSpec {
  const template = spec.template ?? {};
  const podSpec = template.spec ?? {};
  // Both unset: one pod, one completion. Only parallelism set: work queue (completions stays null).
  const bothUnset = spec.parallelism === undefined && (spec.completions === undefined || spec.completions === null);
  return {
    parallelism: spec.parallelism ?? 1,
    completions: bothUnset ? 1 : (spec.completions ?? null),
    completionMode: spec.completionMode === 'Indexed' ? 'Indexed' : 'NonIndexed',
    // With a per-index limit the global one defaults to "unlimited" (MaxInt32).
    backoffLimit: spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? MAX_INT32 : DEFAULT_BACKOFF_LIMIT),
    ...(spec.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: spec.activeDeadlineSeconds } : {}),
    suspend: spec.suspend ?? false,
    ...(spec.backoffLimitPerIndex !== undefined ? { backoffLimitPerIndex: spec.backoffLimitPerIndex } : {}),
    ...(spec.maxFailedIndexes !== undefined ? { maxFailedIndexes: spec.maxFailedIndexes } : {}),
    ...(spec.podFailurePolicy
      ? {
          podFailurePolicy: {
            rules: spec.podFailurePolicy.rules.map((rule) => ({
              action: rule.action as PodFailurePolicyAction,
              ...(rule.onExitCodes ? { onExitCodes: { ...rule.onExitCodes, operator: rule.onExitCodes.operator as 'In' | 'NotIn' } } : {}),
              ...(rule.onPodConditions
                ? { onPodConditions: rule.onPodConditions.map((c) => ({ type: c.type, status: (c.status ?? 'True') as 'True' | 'False' | 'Unknown' })) }
                : {}),
            })),
          },
        }
      : {}),
    ...(spec.successPolicy ? { successPolicy: spec.successPolicy } : {}),
    ...(spec.ttlSecondsAfterFinished !== undefined ? { ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished } : {}),
    ...(spec.managedBy === JOB_CONTROLLER_NAME ? { managedBy: JOB_CONTROLLER_NAME } : {}),
    podReplacementPolicy: (spec.podReplacementPolicy ?? (spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed')) as JobSpec['podReplacementPolicy'],
    template: {
      ...(template.metadata ? { metadata: { labels: template.metadata.labels, annotations: template.metadata.annotations } } : {}),
      spec: {
        restartPolicy: podSpec.restartPolicy === 'OnFailure' ? 'OnFailure' : 'Never',
        containers: (podSpec.containers ?? []).map(withPullPolicy),
        ...(podSpec.initContainers?.length ? { initContainers: podSpec.initContainers.map(withPullPolicy) } : {}),
        terminationGracePeriodSeconds: podSpec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
        ...(podSpec.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: podSpec.activeDeadlineSeconds } : {}),
        ...(podSpec.volumes?.length ? { volumes: podSpec.volumes } : {}),
        ...(podSpec.imagePullSecrets?.length ? { imagePullSecrets: podSpec.imagePullSecrets } : {}),
      },
    },
  };
}

/** pkg/apis/core/v1/defaults.go SetDefaults_Container: `Always` for `:latest` or no tag, else `IfNotPresent`. */
function withPullPolicy<C extends { image?: string; imagePullPolicy?: string }>(container: C): C {
  if (container.imagePullPolicy !== undefined || typeof container.image !== 'string') return container;
  return { ...container, imagePullPolicy: defaultPullPolicy(container.image) };
}

/** The Job as stored on create: defaults applied, identity assigned, selector labels added to the template. */
export function materializeJob(
  manifest: JobManifest,
  created: { uid: string; creationTimestamp: string; random: () => number; namespace?: string },
): Job {
  const metadata = manifest.metadata ?? {};
  const name = metadata.name || `${metadata.generateName ?? ''}${randomNameSuffix(created.random)}`;
  const spec = defaultJobSpec(manifest.spec ?? {});
  const selectorLabels = {
    [LABEL_CONTROLLER_UID]: created.uid,
    [LABEL_JOB_NAME]: name,
    [LEGACY_LABEL_CONTROLLER_UID]: created.uid,
    [LEGACY_LABEL_JOB_NAME]: name,
  };
  spec.template = {
    metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, ...selectorLabels } },
    spec: spec.template.spec,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: metadata.namespace || created.namespace || DEFAULT_NAMESPACE,
      uid: created.uid,
      creationTimestamp: created.creationTimestamp,
      // Kubernetes gives a Job without labels its pod template's labels (the selector labels among them).
      labels: metadata.labels && Object.keys(metadata.labels).length > 0 ? metadata.labels : spec.template.metadata?.labels ?? {},
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    spec,
  };
}
