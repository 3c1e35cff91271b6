/**
 * Documents are validated once. Each kind's validation is a value of one shape (schema, its issues as field errors,
 * then Kubernetes' rules on the raw document); one loop validates every document of an input, of one kind or
 * several, before returning any; and what it returns is marked validated, so the clients take it as it is.
 */
import type { z } from 'zod';
import { ManifestParseError, type InvalidJob, type JobValidationError } from '../errors.js';
import { isObj, isStr } from '../guards.js';
import type { FieldError } from './field-errors.js';
import { readDocuments, type ManifestInput } from './documents.js';

/** How one kind of object is validated (the Job's in parse.ts, the CronJob's in cronjob/validate.ts). */
export interface KindValidation<K extends string = string, M = unknown> {
  /** `kind` as manifests write it. */
  readonly kind: K;
  /** Shape and types. */
  readonly schema: z.ZodType<M>;
  /** The schema's issues as Kubernetes' field errors. */
  schemaErrors(issues: readonly z.core.$ZodIssue[], raw: unknown): FieldError[];
  /** Kubernetes' rules, on the raw document (silent where the schema has spoken). */
  rules(raw: unknown): FieldError[];
  /** The error that lists every invalid document of this kind. */
  invalid(documents: InvalidJob[]): JobValidationError;
}

const VALIDATED = Symbol.for('kjob.validated-manifest');

/** A manifest its kind's validation passed, as the schema typed it. Made only by `validateAll`. */
export interface Validated<K extends string = string, M = unknown> {
  readonly [VALIDATED]: true;
  readonly kind: K;
  readonly manifest: M;
}

/** What `validateAll` returns for a list of kinds: a union, one member per kind. */
export type ValidatedOf<V> = V extends KindValidation<infer K, infer M> ? Validated<K, M> : never;

/** Whether `value` is a validated manifest (of `kind`, when given); works across copies of kjob. */
export function isValidated(value: unknown, kind?: string): value is Validated {
  return isObj(value) && (value as Record<symbol, unknown>)[VALIDATED] === true && (kind === undefined || value.kind === kind);
}

const nameOf = (raw: unknown): string => {
  const name = isObj(raw) && isObj(raw.metadata) ? raw.metadata.name : undefined;
  return isStr(name) ? name : '';
};

/**
 * Validates every document, each by the kind it names (the first of `kinds` takes any other, and reports its kind
 * as unsupported), and returns them in order; or throws, for the first kind with invalid documents, one error that
 * lists every violation of each, so nothing is created from a half-valid input.
 */
export function validateAll<V extends KindValidation<string, unknown>>(docs: readonly unknown[], kinds: readonly [V, ...V[]]): ValidatedOf<V>[] {
  if (docs.length === 0) throw new ManifestParseError('no objects passed to create');
  const valid: ValidatedOf<V>[] = [];
  const invalid = new Map<V, InvalidJob[]>();
  docs.forEach((raw, documentIndex) => {
    const kind = kinds.find((k) => isObj(raw) && raw.kind === k.kind) ?? kinds[0];
    const parsed = kind.schema.safeParse(raw);
    const causes = [...(parsed.success ? [] : kind.schemaErrors(parsed.error.issues, raw)), ...kind.rules(raw)];
    if (causes.length > 0 || !parsed.success) {
      invalid.set(kind, [...(invalid.get(kind) ?? []), { jobName: nameOf(raw), documentIndex, causes }]);
    } else valid.push({ [VALIDATED]: true, kind: kind.kind, manifest: parsed.data } as ValidatedOf<V>);
  });
  for (const kind of kinds) {
    const documents = invalid.get(kind);
    if (documents) throw kind.invalid(documents);
  }
  return valid;
}

/**
 * The manifests of one kind a client is given: a validated one as it is, anything else read (through the front
 * door) and validated here.
 */
export function manifestsOf<K extends string, M>(input: ManifestInput | Validated<K, M>, kind: KindValidation<K, M>): M[] {
  if (isValidated(input)) {
    if (input.kind !== kind.kind) throw new TypeError(`expected a ${kind.kind} manifest, got a validated ${input.kind}`);
    return [input.manifest as M];
  }
  return validateAll(readDocuments(input), [kind]).map((validated) => validated.manifest as M);
}
