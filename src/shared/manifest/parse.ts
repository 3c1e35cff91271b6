/** Reads Job manifests from YAML (one or many documents), JSON or objects, and validates all of them. */
import { parseAllDocuments } from 'yaml';
import { JobValidationError, ManifestParseError, type InvalidJob } from '../errors.js';
import { JobManifestSchema, type JobManifest } from './schema.js';
import { schemaIssuesToFieldErrors, validateJobRules } from './validate.js';

export type ManifestInput = string | object | readonly object[];

/** Splits the input into raw documents; `kind: List` objects are expanded as kubectl does. */
export function readDocuments(input: ManifestInput): unknown[] {
  let docs: unknown[];
  if (typeof input === 'string') {
    const parsed = parseAllDocuments(input, { prettyErrors: true });
    const list = Array.isArray(parsed) ? parsed : [parsed];
    docs = [];
    for (const doc of list) {
      if (doc.errors.length > 0) {
        throw new ManifestParseError(`error parsing manifest: ${doc.errors.map((e) => e.message).join('; ')}`);
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        // yaml refuses alias bombs ("billion laughs") and the like while building the value.
        throw new ManifestParseError(`error parsing manifest: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (value !== null && value !== undefined) docs.push(value);
    }
  } else {
    docs = Array.isArray(input) ? [...input] : [input];
  }
  return docs.flatMap((doc) => {
    if (typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'List') {
      const items = (doc as { items?: unknown }).items;
      return Array.isArray(items) ? items : [];
    }
    return [doc];
  });
}

/**
 * Validates every document and returns the manifests, or throws one `JobValidationError` that lists every
 * violation of every invalid document, so nothing is created from a half-valid input.
 */
export function parseJobManifests(input: ManifestInput): JobManifest[] {
  const docs = readDocuments(input);
  if (docs.length === 0) throw new ManifestParseError('no objects passed to create');
  const manifests: JobManifest[] = [];
  const invalid: InvalidJob[] = [];
  docs.forEach((raw, documentIndex) => {
    const parsed = JobManifestSchema.safeParse(raw);
    const causes = [...(parsed.success ? [] : schemaIssuesToFieldErrors(parsed.error.issues, raw)), ...validateJobRules(raw)];
    const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (causes.length > 0 || !parsed.success) invalid.push({ jobName: typeof name === 'string' ? name : '', documentIndex, causes });
    else manifests.push(parsed.data);
  });
  if (invalid.length > 0) throw new JobValidationError(invalid);
  return manifests;
}
