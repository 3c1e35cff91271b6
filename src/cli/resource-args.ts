/**
 * kubectl's ways of naming objects on the command line, by the names in the kinds table: `TYPE NAME...`,
 * `TYPE/NAME...`, and for the verbs that take only Jobs, `NAME`, `job NAME` or `job/NAME`.
 */
import { JOBS, kindOfResource, type ObjectKind } from '../client/kinds.js';

/** Pods are no kind of their own in kjob (they are the Jobs' records), but `get` and `logs` name them. */
const POD_RESOURCES = ['pods', 'pod', 'po'];

export const isPodResource = (word: string) => POD_RESOURCES.includes(word.toLowerCase());

/** kubectl's words for a resource type it does not know. */
export class UnknownResourceError extends Error {
  constructor(word: string) {
    super(`the server doesn't have a resource type ${JSON.stringify(word)}`);
  }
}

export function kindOfResourceOrThrow(word: string): ObjectKind {
  const kind = kindOfResource(word);
  if (!kind) throw new UnknownResourceError(word);
  return kind;
}

/** `TYPE/NAME` split at its first slash; undefined without one. */
export function typedName(arg: string): { type: string; name: string } | undefined {
  const slash = arg.indexOf('/');
  return slash < 0 ? undefined : { type: arg.slice(0, slash), name: arg.slice(slash + 1) };
}

/** The Job a Job-only verb names: `NAME` given apart, or the argument with its Job type (`job/`, `jobs.batch/`) taken off. */
export function jobName(resource: string, name?: string): string {
  if (name !== undefined) return name;
  const typed = typedName(resource);
  return typed && kindOfResource(typed.type) === JOBS ? typed.name : resource;
}
