/**
 * Kubernetes' CronJob defaults (pkg/apis/batch/v1/defaults.go) and the Jobs the CronJob controller and
 * `kubectl create job --from=cronjob/X` make from a CronJob. Pure and workflow-safe.
 */
import { materializeJob } from '../manifest/defaults.js';
import type { Job } from '../kubernetes-types.js';
import type { CronJobManifest } from './schema.js';
import { rfc3339InZone } from './time-zone.js';
import type { ConcurrencyPolicy, CronJob } from './types.js';

export const DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_JOBS_HISTORY_LIMIT = 1;
/** Kubernetes' annotation on a scheduled Job: its scheduled time, RFC 3339 in the CronJob's time zone. */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** kubectl's annotation on a Job created with `kubectl create job --from=cronjob/X`. */
export const CRONJOB_INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';

/** The CronJob as stored on create: defaults applied, identity assigned. */
export function materializeCronJob(
  manifest: CronJobManifest,
  created: { uid: string; creationTimestamp: string; namespace: string },
): CronJob {
  const metadata = manifest.metadata ?? {};
  const spec = manifest.spec ?? {};
  const template = spec.jobTemplate ?? {};
  const templateMetadata = template.metadata;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: metadata.name ?? '',
      namespace: metadata.namespace || created.namespace,
      uid: created.uid,
      creationTimestamp: created.creationTimestamp,
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    spec: {
      schedule: spec.schedule ?? '',
      ...(spec.timeZone !== undefined ? { timeZone: spec.timeZone } : {}),
      ...(spec.startingDeadlineSeconds !== undefined ? { startingDeadlineSeconds: spec.startingDeadlineSeconds } : {}),
      concurrencyPolicy: (spec.concurrencyPolicy ?? 'Allow') as ConcurrencyPolicy,
      suspend: spec.suspend ?? false,
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? DEFAULT_SUCCESSFUL_JOBS_HISTORY_LIMIT,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? DEFAULT_FAILED_JOBS_HISTORY_LIMIT,
      jobTemplate: {
        ...(templateMetadata?.labels || templateMetadata?.annotations
          ? {
              metadata: {
                ...(templateMetadata.labels ? { labels: templateMetadata.labels } : {}),
                ...(templateMetadata.annotations ? { annotations: templateMetadata.annotations } : {}),
              },
            }
          : {}),
        spec: (template.spec ?? {}) as CronJob['spec']['jobTemplate']['spec'],
      },
    },
  };
}

/** The controller's Job name: `<cronjob>-<scheduled time in unix minutes>`, the same for the same schedule slot. */
export function scheduledJobName(cronJobName: string, scheduledAtMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledAtMs / 60_000)}`;
}

export type JobOrigin = { kind: 'scheduled'; scheduledAtMs: number } | { kind: 'manual'; name: string };

/**
 * The Job for one run: the template's labels and annotations, plus the scheduled-timestamp annotation
 * (getJobFromTemplate2) or kubectl's `instantiate: manual` (createJobFromCronJob), then Job defaults.
 */
export function jobFromCronJob(
  cronJob: CronJob,
  origin: JobOrigin,
  created: { uid: string; creationTimestamp: string; random: () => number },
): Job {
  const template = cronJob.spec.jobTemplate;
  const annotations =
    origin.kind === 'scheduled'
      ? { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(origin.scheduledAtMs, cronJob.spec.timeZone) }
      : { [CRONJOB_INSTANTIATE_ANNOTATION]: 'manual', ...template.metadata?.annotations };
  const name = origin.kind === 'scheduled' ? scheduledJobName(cronJob.metadata.name, origin.scheduledAtMs) : origin.name;
  return materializeJob(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: cronJob.metadata.namespace, ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}), annotations },
      spec: template.spec,
    },
    { ...created, namespace: cronJob.metadata.namespace },
  );
}
