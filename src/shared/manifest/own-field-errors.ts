/**
 * Schema issues of a kind whose own fields are all known to kjob (CronJob, ConfigMap, Secret): an unknown key is
 * an unknown field, a wrong type an invalid value; top-level metadata follows the Job's rules (fields Kubernetes
 * has but kjob ignores are "not supported yet").
 */
import type { z } from 'zod';
import { fieldError, type FieldError } from './field-errors.js';
import { formatPath, schemaIssuesToFieldErrors } from './validate.js';
import { isObj } from '../guards.js';

type Path = (string | number)[];

export function ownFieldSchemaErrors(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  /** Paths whose values a message must not quote (a Secret's data). */
  omitValueAt: (path: Path) => boolean = () => false,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      if (path.length === 1 && path[0] === 'metadata') errors.push(...schemaIssuesToFieldErrors([issue], raw));
      else for (const key of issue.keys) errors.push(fieldError.unknown(formatPath([...path, key])));
    } else if (omitValueAt(path)) {
      errors.push(fieldError.invalidOmitValue(formatPath(path), issue.message));
    } else {
      let value: unknown = raw;
      for (const part of path) value = isObj(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[part] : undefined;
      errors.push(fieldError.invalid(formatPath(path), value, issue.message));
    }
  }
  return errors;
}
