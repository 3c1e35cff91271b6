/**
 * Kubernetes' validation of pod volumes, volume mounts and container resources (pkg/apis/core/validation:
 * ValidateVolumes, ValidateVolumeMounts, ValidateResourceRequirements) for the parts kjob acts on.
 */
import { fieldError, type FieldError } from './field-errors.js';
import { SUBSCRIPTED_FIELD_PATH } from './field-refs.js';
import { dns1123LabelErrors, qualifiedNameErrors } from './name-rules.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from './quantity.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** The volume sources kjob provides; any other Kubernetes source is refused by the schema as not supported yet. */
const VOLUME_SOURCES = ['emptyDir', 'hostPath', 'downwardAPI'] as const;

/** pkg/apis/core/validation supportedHostPathTypes. */
export const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** validVolumeDownwardAPIFieldPathExpressions. */
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const MAX_FILE_MODE = 0o777;

/** validateLocalDescendingPath: relative, with no `..` element. */
function descendingPathErrors(path: string, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (path.startsWith('/')) errors.push(fieldError.invalid(field, path, 'must be a relative path'));
  if (path.split(/[/\\]/).includes('..')) errors.push(fieldError.invalid(field, path, "must not contain '..'"));
  return errors;
}

/** The volumes' errors, and the names a volume mount may refer to (only volumes without errors, as Kubernetes). */
export function validateVolumes(volumes: unknown, base: string): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  if (!Array.isArray(volumes)) return { errors, names };
  volumes.forEach((volume, i) => {
    if (!isObj(volume)) return;
    const field = `${base}[${i}]`;
    const own: FieldError[] = validateVolumeSource(volume, field);
    const { name } = volume;
    if (name === undefined || name === '') own.push(fieldError.required(`${field}.name`));
    else if (isStr(name)) for (const detail of dns1123LabelErrors(name)) own.push(fieldError.invalid(`${field}.name`, name, detail));
    if (isStr(name) && names.has(name)) own.push(fieldError.duplicate(`${field}.name`, name));
    if (own.length === 0 && isStr(name)) names.add(name);
    errors.push(...own);
  });
  return { errors, names };
}

function validateVolumeSource(volume: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const given = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
  if (given.length === 0 && Object.keys(volume).every((key) => key === 'name')) {
    errors.push(fieldError.required(field, 'must specify a volume type'));
  }
  given.slice(1).forEach((source) => errors.push(fieldError.forbidden(`${field}.${source}`, 'may not specify more than 1 volume type')));
  const { emptyDir, hostPath, downwardAPI } = volume;
  if (isObj(emptyDir) && emptyDir.sizeLimit !== undefined) {
    const size = quantityValue(emptyDir.sizeLimit);
    if (size === undefined) errors.push(fieldError.invalid(`${field}.emptyDir.sizeLimit`, emptyDir.sizeLimit, QUANTITY_FORMAT_ERROR));
    else if (size < 0) errors.push(fieldError.forbidden(`${field}.emptyDir.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
  }
  if (isObj(hostPath)) {
    const { path, type } = hostPath;
    if (path === undefined || path === '') errors.push(fieldError.required(`${field}.hostPath.path`));
    else if (isStr(path) && path.split('/').includes('..')) errors.push(fieldError.invalid(`${field}.hostPath.path`, path, "must not contain '..'"));
    if (isStr(type) && !HOST_PATH_TYPES.includes(type)) errors.push(fieldError.notSupported(`${field}.hostPath.type`, type, HOST_PATH_TYPES));
  }
  if (isObj(downwardAPI)) errors.push(...validateDownwardAPI(downwardAPI, `${field}.downwardAPI`));
  return errors;
}

function validateDownwardAPI(source: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const checkMode = (mode: unknown, modeField: string) => {
    if (typeof mode === 'number' && (mode < 0 || mode > MAX_FILE_MODE)) errors.push(fieldError.invalid(modeField, mode, FILE_MODE_ERROR));
  };
  checkMode(source.defaultMode, `${field}.defaultMode`);
  const items = Array.isArray(source.items) ? source.items : [];
  items.forEach((item, i) => {
    if (!isObj(item)) return;
    const itemField = `${field}.items[${i}]`;
    const { path, fieldRef } = item;
    if (path === undefined || path === '') errors.push(fieldError.required(`${itemField}.path`));
    else if (isStr(path)) {
      errors.push(...descendingPathErrors(path, `${itemField}.path`));
      if (path.replace(/^(\.\/)+/, '').startsWith('..')) errors.push(fieldError.invalid(`${itemField}.path`, path, "must not start with '..'"));
    }
    checkMode(item.mode, `${itemField}.mode`);
    if (fieldRef === undefined) errors.push(fieldError.required(itemField, 'one of fieldRef and resourceFieldRef is required'));
    else if (isObj(fieldRef)) {
      errors.push(
        ...objectFieldSelectorErrors(fieldRef, `${itemField}.fieldRef`, (path, pathField) =>
          VOLUME_FIELD_PATHS.includes(path) ? [] : [fieldError.notSupported(pathField, path, VOLUME_FIELD_PATHS)],
        ),
      );
    }
  });
  return errors;
}

/**
 * validateObjectFieldSelector: apiVersion v1, a fieldPath, and for `metadata.labels['k']` a valid key (annotation
 * keys lower-cased), reported on the fieldRef itself; `checkPath` judges the other paths for its context.
 */
export function objectFieldSelectorErrors(
  fieldRef: Obj,
  refField: string,
  checkPath: (path: string, pathField: string) => FieldError[],
): FieldError[] {
  const errors: FieldError[] = [];
  if (fieldRef.apiVersion !== undefined && fieldRef.apiVersion !== 'v1') {
    errors.push(fieldError.notSupported(`${refField}.apiVersion`, fieldRef.apiVersion, ['v1']));
  }
  const path = fieldRef.fieldPath;
  if (path === '') errors.push(fieldError.required(`${refField}.fieldPath`));
  else if (isStr(path)) {
    const subscripted = SUBSCRIPTED_FIELD_PATH.exec(path);
    if (subscripted) {
      const key = subscripted[1] === 'annotations' ? (subscripted[2] ?? '').toLowerCase() : (subscripted[2] ?? '');
      for (const detail of qualifiedNameErrors(key)) errors.push(fieldError.invalid(refField, key, detail));
    } else errors.push(...checkPath(path, `${refField}.fieldPath`));
  }
  return errors;
}

/** A container's volume mounts: each names a valid volume, has a unique mountPath, and a relative subPath. */
export function validateVolumeMounts(mounts: unknown, field: string, volumeNames: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  if (!Array.isArray(mounts)) return errors;
  const mountPoints = new Set<string>();
  mounts.forEach((mount, i) => {
    if (!isObj(mount)) return;
    const mountField = `${field}[${i}]`;
    const { name, mountPath, subPath } = mount;
    if (name === undefined || name === '') errors.push(fieldError.required(`${mountField}.name`));
    else if (isStr(name) && !volumeNames.has(name)) errors.push(fieldError.notFound(`${mountField}.name`, name));
    if (mountPath === undefined || mountPath === '') errors.push(fieldError.required(`${mountField}.mountPath`));
    else if (isStr(mountPath)) {
      if (mountPoints.has(mountPath)) errors.push(fieldError.invalid(`${mountField}.mountPath`, mountPath, 'must be unique'));
      mountPoints.add(mountPath);
    }
    if (isStr(subPath) && subPath !== '') errors.push(...descendingPathErrors(subPath, `${mountField}.subPath`));
  });
  return errors;
}

/** helper.IsStandardContainerResourceName. */
function isStandardContainerResource(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
}

function quantityValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  return isStr(value) ? parseQuantity(value) : undefined;
}

/** Resource names and quantities, and requests no larger than limits. */
export function validateResources(resources: unknown, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObj(resources)) return errors;
  const values = (kind: 'limits' | 'requests') => {
    const map = resources[kind];
    const parsed = new Map<string, number>();
    if (!isObj(map)) return parsed;
    for (const [name, raw] of Object.entries(map)) {
      const keyField = `${field}.${kind}[${name}]`;
      for (const detail of qualifiedNameErrors(name)) errors.push(fieldError.invalid(keyField, name, detail));
      if (!name.includes('/') && !isStandardContainerResource(name)) {
        errors.push(fieldError.invalid(keyField, name, 'must be a standard resource type or fully qualified'));
      }
      const value = quantityValue(raw);
      if (value === undefined) errors.push(fieldError.invalid(keyField, raw, QUANTITY_FORMAT_ERROR));
      else if (value < 0) errors.push(fieldError.invalid(keyField, String(raw), 'must be greater than or equal to 0'));
      else parsed.set(name, value);
    }
    return parsed;
  };
  const limits = values('limits');
  const requests = values('requests');
  const limitsMap = isObj(resources.limits) ? resources.limits : {};
  const requestsMap = isObj(resources.requests) ? resources.requests : {};
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit !== undefined && request > limit) {
      errors.push(
        fieldError.invalid(`${field}.requests`, String(requestsMap[name]), `must be less than or equal to ${name} limit of ${String(limitsMap[name])}`),
      );
    }
  }
  return errors;
}
