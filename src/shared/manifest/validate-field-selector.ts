/**
 * Kubernetes' validation of a downward-API field selector (pkg/apis/core/validation validateObjectFieldSelector,
 * pkg/api/pod ConvertDownwardAPIFieldLabel), which env `fieldRef`s and downwardAPI volume items share.
 */
import { fieldError, type FieldError } from './field-errors.js';
import { qualifiedNameErrors } from './name-rules.js';
import { isStr, type Obj } from '../guards.js';

/**
 * fieldpath.SplitMaybeSubscriptedPath: `path['subscript']`, split at the first `['`; undefined when the path has
 * no subscript (or nothing before it).
 */
function splitSubscriptedPath(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return undefined;
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/** The pod field labels ConvertDownwardAPIFieldLabel knows (env and volumes each allow only some of them). */
const POD_FIELD_LABELS = [
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs',
  'status.podIP', 'status.podIPs',
];

/**
 * pods.ConvertDownwardAPIFieldLabel: the internal field label, or the error Kubernetes wraps in "error converting
 * fieldPath". Only v1 exists; `spec.host` is the old name of spec.nodeName; only labels and annotations take a key.
 */
export function convertDownwardAPIFieldLabel(version: string, label: string): { label: string } | { error: string } {
  if (version !== 'v1') return { error: `unsupported pod version: ${version}` };
  const subscripted = splitSubscriptedPath(label);
  if (subscripted !== undefined) {
    const { path } = subscripted;
    const keyed = path === 'metadata.annotations' || path === 'metadata.labels';
    return keyed ? { label } : { error: `field label does not support subscript: ${label}` };
  }
  if (POD_FIELD_LABELS.includes(label)) return { label };
  if (label === 'spec.host') return { label: 'spec.nodeName' };
  return { error: `field label not supported: ${label}` };
}

/**
 * validateObjectFieldSelector, after SetDefaults_ObjectFieldSelector has made an empty apiVersion "v1": a
 * fieldPath, one ConvertDownwardAPIFieldLabel converts, and then either a valid label or annotation key (reported
 * on the fieldRef itself, annotation keys lower-cased) or one of `expressions` (validEnvDownwardAPIFieldPathExpressions
 * or validVolumeDownwardAPIFieldPathExpressions), judged by the converted path.
 */
export function objectFieldSelectorErrors(fieldRef: Obj, refField: string, expressions: readonly string[]): FieldError[] {
  const apiVersion = fieldRef.apiVersion === undefined || fieldRef.apiVersion === '' ? 'v1' : fieldRef.apiVersion;
  const fieldPath = fieldRef.fieldPath === undefined ? '' : fieldRef.fieldPath;
  // Other types are the schema's to report.
  if (!isStr(apiVersion) || !isStr(fieldPath)) return [];
  const pathField = `${refField}.fieldPath`;
  if (fieldPath === '') return [fieldError.required(pathField)];
  const converted = convertDownwardAPIFieldLabel(apiVersion, fieldPath);
  if ('error' in converted) return [fieldError.invalid(pathField, fieldPath, `error converting fieldPath: ${converted.error}`)];
  const subscripted = splitSubscriptedPath(converted.label);
  if (subscripted === undefined) {
    return expressions.includes(converted.label) ? [] : [fieldError.notSupported(pathField, converted.label, [...expressions].sort())];
  }
  const { path, subscript } = subscripted;
  const keyErrors = (key: string) => qualifiedNameErrors(key).map((detail) => fieldError.invalid(refField, key, detail));
  if (path === 'metadata.annotations') return keyErrors(subscript.toLowerCase());
  if (path === 'metadata.labels') return keyErrors(subscript);
  return [fieldError.invalid(refField, path, 'does not support subscript')];
}
