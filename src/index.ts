/**
 * kjob: Kubernetes batch/v1 Jobs as durable Temporal workflows. This entry is the client side: importing it loads
 * no worker code (`createJobWorker` loads the worker when called). The worker side is `kjob/worker`, tests of
 * your own Jobs `kjob/testing`.
 */
import type { Worker } from '@temporalio/worker';
import type { JobWorkerOptions } from './worker/create-worker.js';

export { isFinished } from './shared/controller/job-phase.js';
export { JobClient, type JobClientOptions, type JobRef, type ApplyResult } from './client/job-client.js';
export type { PodLog } from './client/job-reads.js';
export { CronJobClient, type CronJobClientOptions, type CronJobRef, type CronJobApplyResult } from './client/cronjob-client.js';
export {
  ConfigMapClient,
  SecretClient,
  ConfigObjectClient,
  type ConfigObjectRef,
  type ConfigObjectApplyResult,
} from './client/config-object-client.js';
export { TemporalConfigObjectSource } from './client/config-object-source.js';
export type { ConfigMapObject, SecretObject, ConfigObject, ConfigObjectKind, ConfigObjectSource, StoredObjectMeta } from './shared/config-objects/types.js';
export type { ConfigMapManifest, SecretManifest } from './shared/config-objects/schema.js';
export * from './shared/config-objects/errors.js';
export { temporalTargetFromEnv, type TemporalTarget } from './client/connection.js';
export { DEFAULT_TASK_QUEUE, jobWorkflowId } from './shared/protocol/names.js';
export type { JobWorkerOptions } from './worker/create-worker.js';
export type { PodContext, PodHandler, PodHandlers, PodLogger } from './worker/handlers.js';
export type { OncePodRun, OnceStore } from './worker/once-store.js';
export { parseJobManifests } from './shared/manifest/parse.js';
export type { ManifestInput } from './shared/manifest/documents.js';
export type { Validated } from './shared/manifest/validated.js';
export { handlerImage, HANDLER_IMAGE_PREFIX } from './shared/manifest/handler-image.js';
export { formatFieldError, type FieldError } from './shared/manifest/field-errors.js';
export type { JobSpecPatch } from './shared/controller/spec-patch.js';
export type { JobManifest } from './shared/manifest/schema.js';
export * from './shared/errors.js';
export type {
  Job,
  JobSpec,
  JobStatus,
  JobCondition,
  JobEvent,
  JobConditionType,
  ObjectMeta,
  PodTemplateSpec,
  Pod,
  PodPhase,
  ContainerStatus,
  ContainerLog,
  Container,
  EnvVar,
  CompletionMode,
} from './shared/kubernetes-types.js';
export * from './shared/cronjob/index.js';
export * from './codec/index.js';

/** A worker for Jobs and their pods; the same as `kjob/worker`'s, loaded on first call. */
export async function createJobWorker(options: JobWorkerOptions = {}): Promise<Worker> {
  const worker = await import('./worker/create-worker.js');
  return worker.createJobWorker(options);
}
