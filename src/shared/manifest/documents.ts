/**
 * The pipeline's front door: an input (YAML with one or many documents, JSON, objects) becomes raw documents,
 * after the API server's request limits (request-limits.ts) have been checked, before any parsing or validation.
 */
import { parseAllDocuments } from 'yaml';
import { ManifestParseError } from '../errors.js';
import { isObj } from '../guards.js';
import { MAX_NESTING_DEPTH, refuseOversizedObject, refuseOversizedText, tooDeepError } from './request-limits.js';
import { lineNestedDeeperThan } from './yaml-nesting.js';

export type ManifestInput = string | object | readonly object[];

function parseText(text: string): unknown[] {
  refuseOversizedText(text);
  // The text's measure may count a scalar's line as one more level: only past that is the text too deep.
  const deepLine = lineNestedDeeperThan(text, MAX_NESTING_DEPTH + 1);
  if (deepLine !== undefined) throw tooDeepError(` at line ${deepLine}`);
  const parsed = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const docs: unknown[] = [];
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
  return docs;
}

/** Splits the input into raw documents; `kind: List` objects are expanded as kubectl does. */
export function readDocuments(input: ManifestInput): unknown[] {
  const docs = typeof input === 'string' ? parseText(input) : Array.isArray(input) ? [...input] : [input];
  // The same limits for every document, whether given as objects or parsed (aliases can make it bigger and deeper).
  for (const doc of docs) refuseOversizedObject(doc);
  return docs.flatMap((doc) => {
    if (isObj(doc) && doc.kind === 'List') {
      const items = doc.items;
      return Array.isArray(items) ? items : [];
    }
    return [doc];
  });
}
