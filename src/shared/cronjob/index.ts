/** CronJobs (batch/v1) on Temporal Schedules: the rules and names shared by the client and the workflows. */
export { parseCronJobManifests, validateCronJobRules, MAX_CRONJOB_NAME_LENGTH } from './validate.js';
export { CronJobAlreadyExistsError, CronJobNotFoundError, CronJobValidationError } from './errors.js';
export { scheduledJobName, CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CRONJOB_INSTANTIATE_ANNOTATION } from './defaults.js';
export { cronJobScheduleId } from './protocol.js';
export type { CronJobManifest } from './schema.js';
export type { CronJob, CronJobSpec, CronJobStatus, ConcurrencyPolicy, JobTemplateSpec, ObjectReference } from './types.js';
