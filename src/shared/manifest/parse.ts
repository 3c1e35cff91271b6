/** Job manifests: the Job kind's validation (schema, then Kubernetes' rules), and `parseJobManifests`. */
import { JobValidationError } from '../errors.js';
import { readDocuments, type ManifestInput } from './documents.js';
import { JobManifestSchema, type JobManifest } from './schema.js';
import { schemaIssuesToFieldErrors, validateJobRules } from './validate.js';
import { validateAll, type KindValidation } from './validated.js';

export const JOB_VALIDATION: KindValidation<'Job', JobManifest> = {
  kind: 'Job',
  schema: JobManifestSchema,
  schemaErrors: schemaIssuesToFieldErrors,
  rules: validateJobRules,
  invalid: (documents) => new JobValidationError(documents),
};

/**
 * Reads Job manifests (YAML, JSON, objects; many documents) and validates all of them before returning any, or
 * throws one `JobValidationError` that lists every violation of every invalid document.
 */
export function parseJobManifests(input: ManifestInput): JobManifest[] {
  return validateAll(readDocuments(input), [JOB_VALIDATION]).map((validated) => validated.manifest);
}
