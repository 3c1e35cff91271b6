/** The CronJob as kjob stores and returns it (Kubernetes' batch/v1 shape). Plain types: workflow code imports them. */
import type { JobManifest } from '../manifest/schema.js';
import type { ObjectMeta } from '../kubernetes-types.js';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface JobTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** The Job spec as written (defaults are applied to each Job created from it, as Kubernetes does). */
  spec: NonNullable<JobManifest['spec']>;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy: ConcurrencyPolicy;
  suspend: boolean;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  jobTemplate: JobTemplateSpec;
}

export interface ObjectReference {
  apiVersion: 'batch/v1';
  kind: 'Job';
  name: string;
  namespace: string;
  uid: string;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status?: CronJobStatus;
}
