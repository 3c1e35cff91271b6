/** kjob: Kubernetes batch/v1 Jobs as durable Temporal workflows. */
export { JobClient, jobWorkflowId, isFinished, type JobClientOptions, type JobRef, type ApplyResult, type PodLog } from './client.js';
export { createJobWorker, DEFAULT_TASK_QUEUE, type JobWorkerOptions } from './worker.js';
export { quietTemporalRuntime } from './runtime-logging.js';
export { temporalTargetFromEnv, type TemporalTarget } from './connection.js';
export type { PodContext, PodHandler, PodHandlers, PodLogger } from './handlers.js';
export { FileOnceStore, type OnceStore } from './once-store.js';
export { parseJobManifests, type ManifestInput } from './manifest/parse.js';
export { handlerImage, HANDLER_IMAGE_PREFIX } from './manifest/handler-image.js';
export { formatFieldError, type FieldError } from './manifest/field-errors.js';
export type { JobSpecPatch } from './controller/job-controller.js';
export type { JobManifest } from './manifest/schema.js';
export * from './errors.js';
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
} from './types.js';
export { provisionTemporalCli, provisionTestServer, startDevServer, type DevServer, type DevServerOptions } from './provision/index.js';
export * from './cronjob/index.js';
