/**
 * Kubernetes' validation of a container's environment (pkg/apis/core/validation: ValidateEnv,
 * validateEnvVarValueFrom, validateConfigMapKeySelector, validateSecretKeySelector, ValidateEnvFrom), with its
 * messages and its field paths (the envFrom source-count errors name the list, as Kubernetes does).
 */
import { fieldError, type FieldError } from './field-errors.js';
import { KJOB_ENV_FIELD_PATHS, KUBERNETES_ENV_FIELD_PATHS, SUBSCRIPTED_FIELD_PATH } from './field-refs.js';
import { configMapKeyErrors, dns1123SubdomainErrors, dns1123SubdomainPrefixErrors, envVarNameErrors } from './name-rules.js';
import { objectFieldSelectorErrors } from './validate-field-selector.js';
import { isObj, isStr, type Obj } from '../guards.js';

/** A Go pointer field is set when the JSON has the key with a non-null value. */
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

export function validateEnv(env: unknown, field: string): FieldError[] {
  if (!Array.isArray(env)) return [];
  return env.flatMap((envVar, i) => (isObj(envVar) ? validateEnvVar(envVar, `${field}[${i}]`) : []));
}

function validateEnvVar(envVar: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const { name, value, valueFrom } = envVar;
  if (name === undefined || name === '') errors.push(fieldError.required(`${field}.name`));
  else if (isStr(name)) for (const detail of envVarNameErrors(name)) errors.push(fieldError.invalid(`${field}.name`, name, detail));
  if (isObj(valueFrom)) errors.push(...validateValueFrom(valueFrom, isStr(value) ? value : '', `${field}.valueFrom`));
  return errors;
}

/** validateEnvVarValueFrom: each source's own errors, then how many sources there are. */
function validateValueFrom(valueFrom: Obj, value: string, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const { fieldRef, configMapKeyRef, secretKeyRef } = valueFrom;
  if (isObj(fieldRef)) errors.push(...envFieldRefErrors(fieldRef, `${field}.fieldRef`));
  if (isObj(configMapKeyRef)) errors.push(...keySelectorErrors(configMapKeyRef, `${field}.configMapKeyRef`));
  if (isObj(secretKeyRef)) errors.push(...keySelectorErrors(secretKeyRef, `${field}.secretKeyRef`));
  // Sources kjob does not take yet (resourceFieldRef, fileKeyRef) still count, as the schema refuses them anyway.
  const sources = Object.keys(valueFrom).filter((key) => isSet(valueFrom[key])).length;
  if (sources === 0) {
    errors.push(fieldError.invalid(field, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (value !== '') {
    errors.push(fieldError.invalid(field, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errors.push(fieldError.invalid(field, '', 'may not have more than one field specified at a time'));
  }
  return errors;
}

/** validateConfigMapKeySelector and validateSecretKeySelector (the same rules): a DNS subdomain name, a config key. */
function keySelectorErrors(selector: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const { name = '', key = '' } = selector;
  if (isStr(name)) for (const detail of dns1123SubdomainErrors(name)) errors.push(fieldError.invalid(`${field}.name`, name, detail));
  if (key === '') errors.push(fieldError.required(`${field}.key`));
  else if (isStr(key)) for (const detail of configMapKeyErrors(key)) errors.push(fieldError.invalid(`${field}.key`, key, detail));
  return errors;
}

/**
 * validateObjectFieldSelector with validEnvDownwardAPIFieldPathExpressions; then, for a path Kubernetes accepts,
 * kjob's own refusal of what it cannot resolve (spec.host too: Kubernetes reads it as spec.nodeName, kjob does not).
 */
function envFieldRefErrors(fieldRef: Obj, refField: string): FieldError[] {
  const errors = objectFieldSelectorErrors(fieldRef, refField, KUBERNETES_ENV_FIELD_PATHS);
  const path = fieldRef.fieldPath;
  if (errors.length > 0 || !isStr(path) || SUBSCRIPTED_FIELD_PATH.test(path) || KJOB_ENV_FIELD_PATHS.includes(path)) return errors;
  const resolved = `kjob resolves ${KJOB_ENV_FIELD_PATHS.join(', ')} and metadata labels and annotations`;
  return [fieldError.notSupportedYet(`${refField}.fieldPath`, resolved)];
}

/** ValidateEnvFrom: a valid prefix, and exactly one of configMapRef and secretRef, each with a name. */
export function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  if (!Array.isArray(envFrom)) return [];
  const errors: FieldError[] = [];
  envFrom.forEach((source, i) => {
    if (!isObj(source)) return;
    const own = `${field}[${i}]`;
    const { prefix, configMapRef, secretRef } = source;
    if (isStr(prefix) && prefix !== '') for (const detail of envVarNameErrors(prefix)) errors.push(fieldError.invalid(`${own}.prefix`, prefix, detail));
    if (isObj(configMapRef)) errors.push(...objectRefErrors(configMapRef, `${own}.configMapRef`));
    if (isObj(secretRef)) errors.push(...objectRefErrors(secretRef, `${own}.secretRef`));
    const sources = [configMapRef, secretRef].filter(isSet).length;
    if (sources === 0) errors.push(fieldError.invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errors.push(fieldError.invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errors;
}

/** validateConfigMapEnvSource and validateSecretEnvSource: ValidateConfigMapName / ValidateSecretName with prefix=true. */
function objectRefErrors(ref: Obj, field: string): FieldError[] {
  const { name } = ref;
  if (name === undefined || name === '') return [fieldError.required(`${field}.name`)];
  return isStr(name) ? dns1123SubdomainPrefixErrors(name).map((detail) => fieldError.invalid(`${field}.name`, name, detail)) : [];
}
