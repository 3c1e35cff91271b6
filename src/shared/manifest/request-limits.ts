/**
 * What the API server refuses before it decodes a request, refused here before any work is done on it:
 * - A document over 3 MiB. kube-apiserver reads at most MaxRequestBodyBytes (3 * 1024 * 1024,
 *   k8s.io/apiserver/pkg/server/config.go) of a request body and answers more with 413 RequestEntityTooLarge
 *   (endpoints/handlers/rest.go limitedReadBody). kubectl sends each object as a request of its own, so the limit
 *   is per document: its text is measured before it is parsed, then the JSON it becomes (what kubectl sends).
 * - A document nested too deep. Kubernetes' decoders stop at 10,000 levels (sigs.k8s.io/json's scanner:
 *   "exceeded max depth"; go-yaml and apimachinery's util/json: "exceeded max depth of 10000"). kjob stops at 256
 *   and says so in go-yaml's words: yaml's composer recurses once per level, at about 1 KB of stack a level, in
 *   whatever stack its caller has left, and 700 to 900 levels exhaust Node's default stack. No field of a Job or a
 *   CronJob nests deeper than about 15 levels, so what lies between 256 and 10,000 levels Kubernetes refuses too,
 *   as an unknown field or a wrong type.
 */
import { ManifestParseError, RequestEntityTooLargeError } from '../errors.js';
import { isObj } from '../guards.js';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_NESTING_DEPTH = 256;

export function tooDeepError(where = ''): ManifestParseError {
  return new ManifestParseError(`error parsing manifest: exceeded max depth of ${MAX_NESTING_DEPTH}${where}`);
}

/** UTF-8 bytes of text[start, end), counted until they pass `stopAbove`. Lone surrogates count 3 (U+FFFD). */
function utf8Bytes(text: string, start: number, end: number, stopAbove: number): number {
  let bytes = 0;
  for (let i = start; i < end && bytes <= stopAbove; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A line starting with a document marker, `---` or `...`: in YAML it always ends the document before it. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/** Refuses a YAML or JSON text one of whose documents is over the limit; reads no further than it must. */
export function refuseOversizedText(text: string): void {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: a short text needs no counting.
  if (text.length * 3 <= MAX_REQUEST_BODY_BYTES) return;
  const markers = new RegExp(DOCUMENT_MARKER);
  let start = 0;
  for (;;) {
    const marker = markers.exec(text);
    const end = marker ? marker.index : text.length;
    // A document has at least a byte per unit: one longer than the limit is over it without counting.
    if (end - start > MAX_REQUEST_BODY_BYTES || utf8Bytes(text, start, end, MAX_REQUEST_BODY_BYTES) > MAX_REQUEST_BODY_BYTES) {
      throw new RequestEntityTooLargeError(MAX_REQUEST_BODY_BYTES);
    }
    if (!marker) return;
    start = end;
  }
}

/** JSON's length of a string: quotes, two-character and \u escapes, UTF-8 (lone surrogates are \u escaped). */
function jsonStringBytes(text: string, stopAbove: number): number {
  if (text.length > stopAbove) return text.length;
  let bytes = 2;
  for (let i = 0; i < text.length && bytes <= stopAbove; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22 || unit === 0x5c || unit === 0x08 || unit === 0x0c || unit === 0x0a || unit === 0x0d || unit === 0x09) bytes += 2;
    else if (unit < 0x20) bytes += 6;
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else if (unit >= 0xd800 && unit < 0xe000) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

/** JSON leaves out object members whose value is one of these (and writes null for them in arrays). */
const isOmitted = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** A value as JSON.stringify sees it: what its toJSON (a Date's) returns. */
function asJson(value: unknown): unknown {
  const toJSON = isObj(value) ? value.toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
}

function scalarBytes(value: unknown, stopAbove: number): number {
  if (typeof value === 'string') return jsonStringBytes(value, stopAbove);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (typeof value === 'bigint') return String(value).length;
  return 4;
}

interface Frame {
  readonly container: Record<string | number, unknown>;
  /** An object's members (JSON's), or undefined for an array. */
  readonly keys: readonly string[] | undefined;
  readonly length: number;
  readonly depth: number;
  next: number;
}

/**
 * The UTF-8 length of the JSON a document becomes (what kubectl would send), counted without recursion and no
 * further than just past `stopAbove`; a document nested deeper than the limit (a cyclic object too) throws.
 */
export function jsonBytes(document: unknown, stopAbove = MAX_REQUEST_BODY_BYTES): number {
  let bytes = 0;
  const frames: Frame[] = [];
  const open = (raw: unknown, depth: number) => {
    const value = asJson(raw);
    if (value === null || typeof value !== 'object') {
      bytes += scalarBytes(value, stopAbove - bytes);
      return;
    }
    if (depth >= MAX_NESTING_DEPTH) throw tooDeepError();
    const container = value as Record<string | number, unknown>;
    if (Array.isArray(value)) {
      bytes += 2 + Math.max(0, value.length - 1);
      frames.push({ container, keys: undefined, length: value.length, depth: depth + 1, next: 0 });
      return;
    }
    const keys = Object.keys(value).filter((key) => !isOmitted(asJson(container[key])));
    bytes += 2 + Math.max(0, keys.length - 1);
    for (const key of keys) if (bytes <= stopAbove) bytes += jsonStringBytes(key, stopAbove - bytes) + 1;
    frames.push({ container, keys, length: keys.length, depth: depth + 1, next: 0 });
  };
  open(document, 0);
  while (frames.length > 0 && bytes <= stopAbove) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.next >= frame.length) {
      frames.pop();
      continue;
    }
    const index = frame.next++;
    open(frame.container[frame.keys ? (frame.keys[index] as string) : index], frame.depth);
  }
  return bytes;
}

/** Refuses a document whose JSON would be over the limit, or that is nested too deep. */
export function refuseOversizedObject(document: unknown): void {
  if (jsonBytes(document) > MAX_REQUEST_BODY_BYTES) throw new RequestEntityTooLargeError(MAX_REQUEST_BODY_BYTES);
}
