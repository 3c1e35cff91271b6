/**
 * Kubernetes' ConfigMap and Secret validation (pkg/apis/core/validation: ValidateConfigMap, ValidateSecret,
 * ValidateConfigMapUpdate, ValidateSecretUpdate) with its messages, run on the raw document (and on stored
 * objects, which have the same shape). A Secret's `stringData` is merged into `data` first, as the API's
 * conversion does, so its keys are reported under `data`. No message quotes a value of a Secret.
 */
import { fieldError, FieldErrorType, type FieldError } from '../manifest/field-errors.js';
import { validateObjectMeta } from '../manifest/validate.js';
import { isObj, isStr, type Obj } from '../guards.js';
import { base64Decode, base64DecodedLength, base64Error } from './base64.js';
import { utf8Decode, utf8Encode, utf8Length } from '../utf8.js';
import { configMapKeyErrors } from '../manifest/name-rules.js';
import type { ConfigMapObject, ConfigObject, SecretObject } from './types.js';

/** core.MaxSecretSize: what a ConfigMap's or Secret's values may total. */
export const MAX_CONFIG_OBJECT_SIZE = 1024 * 1024;
const IMMUTABLE_SET = 'field is immutable when `immutable` is set';
const REDACTED = '<secret contents redacted>';

/** Secret types whose keys Kubernetes requires (k8s.io/api/core/v1 SecretType*). */
export const SECRET_TYPES = {
  opaque: 'Opaque',
  serviceAccountToken: 'kubernetes.io/service-account-token',
  dockercfg: 'kubernetes.io/dockercfg',
  dockerConfigJson: 'kubernetes.io/dockerconfigjson',
  basicAuth: 'kubernetes.io/basic-auth',
  sshAuth: 'kubernetes.io/ssh-auth',
  tls: 'kubernetes.io/tls',
} as const;

const tooLong = (field: string): FieldError => ({ field, type: FieldErrorType.TooLong, detail: `must have at most ${MAX_CONFIG_OBJECT_SIZE} bytes` });
const entries = (value: unknown): [string, unknown][] => (isObj(value) ? Object.entries(value) : []);

function typeAndMetadataErrors(raw: Obj, kind: 'ConfigMap' | 'Secret'): FieldError[] {
  const errors: FieldError[] = [];
  if (raw.apiVersion !== undefined && raw.apiVersion !== 'v1') errors.push(fieldError.notSupported('apiVersion', raw.apiVersion, ['v1']));
  if (raw.kind !== undefined && raw.kind !== kind) errors.push(fieldError.notSupported('kind', raw.kind, [kind]));
  errors.push(...validateObjectMeta(isObj(raw.metadata) ? raw.metadata : {}));
  return errors;
}

function keyErrors(field: string, key: string): FieldError[] {
  return configMapKeyErrors(key).map((detail) => fieldError.invalid(`${field}[${key}]`, key, detail));
}

/** ValidateConfigMap. */
export function validateConfigMapRules(raw: unknown): FieldError[] {
  if (!isObj(raw)) return [fieldError.invalid('<root>', raw, 'must be a ConfigMap object')];
  const errors = typeAndMetadataErrors(raw, 'ConfigMap');
  const binaryData = isObj(raw.binaryData) ? raw.binaryData : {};
  let size = 0;
  for (const [key, value] of entries(raw.data)) {
    errors.push(...keyErrors('data', key));
    if (Object.hasOwn(binaryData, key)) errors.push(fieldError.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    if (isStr(value)) size += utf8Length(value);
  }
  for (const [key, value] of entries(binaryData)) {
    errors.push(...keyErrors('binaryData', key));
    if (!isStr(value)) continue;
    const undecodable = base64Error(value);
    if (undecodable) errors.push(fieldError.invalidOmitValue(`binaryData[${key}]`, undecodable));
    else size += base64DecodedLength(value);
  }
  // Kubernetes reports the total against the whole object, whose path prints as [].
  if (size > MAX_CONFIG_OBJECT_SIZE) errors.push(tooLong('[]'));
  return errors;
}

/** A Secret's values as the API server keeps them: `data` decoded, `stringData` over it (the undecodable left out). */
export function secretBytes(raw: Obj): Map<string, Uint8Array> {
  const bytes = new Map<string, Uint8Array>();
  for (const [key, value] of entries(raw.data)) if (isStr(value) && base64Error(value) === undefined) bytes.set(key, base64Decode(value));
  for (const [key, value] of entries(raw.stringData)) if (isStr(value)) bytes.set(key, utf8Encode(value));
  return bytes;
}

/** Go's json.Unmarshal into a map, worded without quoting the input (Go's syntax errors quote a character). */
function jsonObjectError(bytes: Uint8Array): string | undefined {
  const text = utf8Decode(bytes);
  if (text === undefined) return 'invalid character in JSON input: not valid UTF-8';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.trim() === '' ? 'unexpected end of JSON input' : 'invalid JSON input';
  }
  if (value === null || isObj(value)) return undefined;
  const type = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${type} into Go value of type map[string]interface {}`;
}

function secretTypeErrors(raw: Obj, bytes: Map<string, Uint8Array>): FieldError[] {
  const data = (key: string) => `data[${key}]`;
  const required = (key: string) => (bytes.has(key) ? [] : [fieldError.required(data(key))]);
  const jsonAt = (key: string) => {
    const value = bytes.get(key);
    if (value === undefined) return [fieldError.required(data(key))];
    const error = jsonObjectError(value);
    return error ? [fieldError.invalid(data(key), REDACTED, error)] : [];
  };
  switch (raw.type) {
    case SECRET_TYPES.serviceAccountToken: {
      const annotations = isObj(raw.metadata) && isObj(raw.metadata.annotations) ? raw.metadata.annotations : {};
      const account = annotations['kubernetes.io/service-account.name'];
      return isStr(account) && account !== '' ? [] : [fieldError.required('metadata.annotations[kubernetes.io/service-account.name]')];
    }
    case SECRET_TYPES.dockercfg:
      return jsonAt('.dockercfg');
    case SECRET_TYPES.dockerConfigJson:
      return jsonAt('.dockerconfigjson');
    case SECRET_TYPES.basicAuth:
      // Either may be empty, but one must be there.
      return bytes.has('username') || bytes.has('password') ? [] : [...required('username'), ...required('password')];
    case SECRET_TYPES.sshAuth:
      return bytes.get('ssh-privatekey')?.length ? [] : [fieldError.required(data('ssh-privatekey'))];
    case SECRET_TYPES.tls:
      return [...required('tls.crt'), ...required('tls.key')];
    default:
      return [];
  }
}

/** ValidateSecret, on the Secret as stored (`stringData` merged into `data`). */
export function validateSecretRules(raw: unknown): FieldError[] {
  if (!isObj(raw)) return [fieldError.invalid('<root>', raw, 'must be a Secret object')];
  const errors = typeAndMetadataErrors(raw, 'Secret');
  for (const [key, value] of entries(raw.data)) {
    const undecodable = isStr(value) ? base64Error(value) : undefined;
    if (undecodable) errors.push(fieldError.invalidOmitValue(`data[${key}]`, undecodable));
  }
  const bytes = secretBytes(raw);
  let size = 0;
  for (const [key, value] of bytes) {
    errors.push(...keyErrors('data', key));
    size += value.length;
  }
  if (size > MAX_CONFIG_OBJECT_SIZE) errors.push(tooLong('data'));
  errors.push(...secretTypeErrors(raw, bytes));
  return errors;
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
  const left = Object.entries(a ?? {});
  return left.length === Object.keys(b ?? {}).length && left.every(([key, value]) => b?.[key] === value);
};

/** `immutable: true` keeps the object's values and itself (both Update rules). */
function immutableErrors(next: ConfigObject, old: ConfigObject, fields: readonly ('data' | 'binaryData')[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errors: FieldError[] = [];
  if (next.immutable !== true) errors.push(fieldError.forbidden('immutable', IMMUTABLE_SET));
  const values = (object: ConfigObject, field: 'data' | 'binaryData') => (field === 'data' ? object.data : object.kind === 'ConfigMap' ? object.binaryData : undefined);
  for (const field of fields) if (!sameMap(values(next, field), values(old, field))) errors.push(fieldError.forbidden(field, IMMUTABLE_SET));
  return errors;
}

/** ValidateObjectMetaUpdate, for what a replace could change: the object's identity. */
function metadataUpdateErrors(next: ConfigObject, old: ConfigObject): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (next.metadata[field] !== old.metadata[field]) errors.push(fieldError.invalid(`metadata.${field}`, next.metadata[field], 'field is immutable'));
  }
  return errors;
}

/** ValidateConfigMapUpdate: the update rules, then ValidateConfigMap on the new object. */
export function validateConfigMapUpdate(next: ConfigMapObject, old: ConfigMapObject): FieldError[] {
  return [...metadataUpdateErrors(next, old), ...immutableErrors(next, old, ['data', 'binaryData']), ...validateConfigMapRules(next)];
}

/** ValidateSecretUpdate: `type` stays, the update rules, then ValidateSecret on the new object. */
export function validateSecretUpdate(next: SecretObject, old: SecretObject): FieldError[] {
  const errors = metadataUpdateErrors(next, old);
  if (next.type !== old.type) errors.push(fieldError.invalid('type', next.type, 'field is immutable'));
  return [...errors, ...immutableErrors(next, old, ['data']), ...validateSecretRules(next)];
}

/** The update rules of the object's kind (both objects of one kind, as the workflow holds them). */
export function validateConfigObjectUpdate(next: ConfigObject, old: ConfigObject): FieldError[] {
  if (next.kind !== old.kind) return [fieldError.invalid('kind', next.kind, 'field is immutable')];
  return next.kind === 'Secret' ? validateSecretUpdate(next, old as SecretObject) : validateConfigMapUpdate(next, old as ConfigMapObject);
}
