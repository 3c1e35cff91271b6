/**
 * Kubernetes' CronJob validation (pkg/apis/batch/validation: ValidateCronJobCreate, validateCronJobSpec) with its
 * messages. The job template goes through the Job schema and rules; its errors are moved under
 * `spec.jobTemplate`, as Kubernetes reports them (`spec.jobTemplate.spec.template.spec.containers[0].image`).
 */
import { fieldError, NON_NEGATIVE, type FieldError } from '../manifest/field-errors.js';
import { readDocuments, type ManifestInput } from '../manifest/documents.js';
import { JobManifestSchema } from '../manifest/schema.js';
import { schemaIssuesToFieldErrors, validateJobRules } from '../manifest/validate.js';
import { ownFieldSchemaErrors } from '../manifest/own-field-errors.js';
import { validateAll, type KindValidation } from '../manifest/validated.js';
import { CronJobValidationError } from './errors.js';
import { parseSchedule } from './schedule-syntax.js';
import { CronJobManifestSchema, type CronJobManifest } from './schema.js';
import { timeZoneErrors, unknownTimeZoneError } from './time-zone.js';
import { isInt, isObj, isStr, type Obj } from '../guards.js';

/** The controller appends `-<minutes>` (11 characters) to the name, and a Job name is at most 63 long. */
export const MAX_CRONJOB_NAME_LENGTH = 52;
export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;

function validateSchedule(schedule: unknown): FieldError[] {
  const field = 'spec.schedule';
  if (schedule === undefined || schedule === '') return [fieldError.required(field)];
  if (!isStr(schedule)) return [];
  const errors: FieldError[] = [];
  const parsed = parseSchedule(schedule, unknownTimeZoneError);
  if ('error' in parsed) errors.push(fieldError.invalid(field, schedule, parsed.error));
  // Kubernetes only lets a CronJob that already had one keep a TZ in its schedule; kjob never had any.
  if (schedule.includes('TZ')) errors.push(fieldError.invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else if ('kind' in parsed && parsed.kind === 'every') {
    errors.push(fieldError.notSupportedYet(field, 'kjob runs five-field schedules and @yearly, @monthly, @weekly, @daily, @hourly; not @every'));
  }
  return errors;
}

function validateCronJobSpec(spec: Obj): FieldError[] {
  const errors: FieldError[] = [...validateSchedule(spec.schedule)];
  for (const key of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    const value = spec[key];
    if (isInt(value) && value < 0) errors.push(fieldError.invalid(`spec.${key}`, value, NON_NEGATIVE));
  }
  if (isStr(spec.timeZone)) for (const detail of timeZoneErrors(spec.timeZone)) errors.push(fieldError.invalid('spec.timeZone', spec.timeZone, detail));
  const policy = spec.concurrencyPolicy;
  if (policy === '') errors.push(fieldError.required('spec.concurrencyPolicy'));
  else if (isStr(policy) && !(CONCURRENCY_POLICIES as readonly string[]).includes(policy)) {
    errors.push(fieldError.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  }
  errors.push(...validateJobTemplate(spec.jobTemplate));
  return errors;
}

/**
 * The template as a Job named like a scheduled one would be, through the Job schema and rules. Errors about the
 * stand-in's own metadata are dropped (Kubernetes validates only the template's spec); the rest move under
 * `spec.jobTemplate`.
 */
function validateJobTemplate(template: unknown): FieldError[] {
  if (template !== undefined && !isObj(template)) return [];
  const metadata = isObj(template) && isObj(template.metadata) ? template.metadata : {};
  const standIn = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'cronjob', ...(metadata.labels !== undefined ? { labels: metadata.labels } : {}), ...(metadata.annotations !== undefined ? { annotations: metadata.annotations } : {}) },
    spec: isObj(template) ? template.spec : undefined,
  };
  const parsed = JobManifestSchema.safeParse(standIn);
  const errors = [...(parsed.success ? [] : schemaIssuesToFieldErrors(parsed.error.issues, standIn)), ...validateJobRules(standIn)];
  return errors
    .filter((e) => e.field.startsWith('spec') || e.field.startsWith('metadata.labels') || e.field.startsWith('metadata.annotations'))
    .map((e) => ({ ...e, field: `spec.jobTemplate.${e.field}` }));
}

function validateMetadata(metadata: Obj): FieldError[] {
  const errors: FieldError[] = [];
  // The Job rules check name, generateName, namespace, labels and annotations of ObjectMeta the same way.
  for (const error of validateJobRules({ metadata, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kjob.dev/handler/x' }] } } } })) {
    if (error.field.startsWith('metadata')) errors.push(error);
  }
  const name = metadata.name;
  if (isStr(name) && name.length > MAX_CRONJOB_NAME_LENGTH) errors.push(fieldError.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  return errors;
}

/** Every violation of one CronJob manifest on create. */
export function validateCronJobRules(raw: unknown): FieldError[] {
  if (!isObj(raw)) return [fieldError.invalid('<root>', raw, 'must be a CronJob object')];
  const errors: FieldError[] = [];
  if (raw.apiVersion !== undefined && raw.apiVersion !== 'batch/v1') errors.push(fieldError.notSupported('apiVersion', raw.apiVersion, ['batch/v1']));
  if (raw.kind !== undefined && raw.kind !== 'CronJob') errors.push(fieldError.notSupported('kind', raw.kind, ['CronJob']));
  errors.push(...validateMetadata(isObj(raw.metadata) ? raw.metadata : {}));
  errors.push(...validateCronJobSpec(isObj(raw.spec) ? raw.spec : {}));
  return errors;
}

export const CRONJOB_VALIDATION: KindValidation<'CronJob', CronJobManifest> = {
  kind: 'CronJob',
  schema: CronJobManifestSchema,
  schemaErrors: (issues, raw) => ownFieldSchemaErrors(issues, raw),
  rules: validateCronJobRules,
  invalid: (documents) => new CronJobValidationError(documents),
};

/** Reads CronJob manifests (YAML, JSON, objects; many documents) and validates all before returning any. */
export function parseCronJobManifests(input: ManifestInput): CronJobManifest[] {
  return validateAll(readDocuments(input), [CRONJOB_VALIDATION]).map((validated) => validated.manifest);
}
