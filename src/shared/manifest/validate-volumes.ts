/**
 * Kubernetes' validation of pod volumes and volume mounts (pkg/apis/core/validation: ValidateVolumes,
 * ValidateVolumeMounts, validateSecretVolumeSource, validateConfigMapVolumeSource, validateKeyToPath) for the
 * parts kjob acts on.
 */
import { fieldError, type FieldError } from './field-errors.js';
import { dns1123LabelErrors } from './name-rules.js';
import { QUANTITY_FORMAT_ERROR, quantitySign, readQuantity } from './quantity.js';
import { objectFieldSelectorErrors } from './validate-field-selector.js';
import { isQuantityText } from './validate-resources.js';
import { isObj, isStr, type Obj } from '../guards.js';

/**
 * Every VolumeSource field, in the order validateVolumeSource looks at them: the first one given is validated, each
 * later one is refused unvalidated. kjob runs emptyDir, hostPath, downwardAPI, secret and configMap; the schema
 * refuses the others.
 */
const KUBERNETES_VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
] as const;

/** Where validateVolumeSource's "more than 1" error differs from the JSON name: its own spellings, typo included. */
const SECOND_SOURCE_FIELD: Partial<Record<string, string>> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

/** pkg/apis/core/validation supportedHostPathTypes. */
export const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** validVolumeDownwardAPIFieldPathExpressions. */
export const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const MAX_FILE_MODE = 0o777;

/** A Go pointer field is set when the JSON has the key with a non-null value. */
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * validatePathNoBacksteps: no `..` element. It splits filepath.ToSlash(path) on '/', and the API server runs on
 * Linux, where ToSlash changes nothing: a backslash is an ordinary character.
 */
function backstepErrors(path: string, field: string): FieldError[] {
  return path.split('/').includes('..') ? [fieldError.invalid(field, path, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative (path.IsAbs is a leading '/'), with no `..` element. */
function descendingPathErrors(path: string, field: string): FieldError[] {
  const errors = path.startsWith('/') ? [fieldError.invalid(field, path, 'must be a relative path')] : [];
  return [...errors, ...backstepErrors(path, field)];
}

/** ValidateLocalNonReservedPath: also no leading `..`, unless the element check has said it already (`../x`). */
function nonReservedPathErrors(path: string, field: string): FieldError[] {
  const errors = descendingPathErrors(path, field);
  if (path.startsWith('..') && !path.startsWith('../')) errors.push(fieldError.invalid(field, path, "must not start with '..'"));
  return errors;
}

function fileModeErrors(mode: unknown, field: string): FieldError[] {
  return typeof mode === 'number' && (mode < 0 || mode > MAX_FILE_MODE) ? [fieldError.invalid(field, mode, FILE_MODE_ERROR)] : [];
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

/** validateVolumeSource: the first source given is validated; every later one is refused and not validated. */
function validateVolumeSource(volume: Obj, field: string): FieldError[] {
  const [first, ...others] = KUBERNETES_VOLUME_SOURCES.filter((source) => isSet(volume[source]));
  if (first === undefined) {
    // Keys other than `name` are the schema's to report (unknown or misspelt); the volume type is not missing then.
    const onlyName = Object.keys(volume).every((key) => key === 'name');
    return onlyName ? [fieldError.required(field, 'must specify a volume type')] : [];
  }
  const errors = validateSourceOfType(first, volume[first], `${field}.${first}`);
  for (const source of others) {
    errors.push(fieldError.forbidden(`${field}.${SECOND_SOURCE_FIELD[source] ?? source}`, 'may not specify more than 1 volume type'));
  }
  return errors;
}

function validateSourceOfType(source: string, value: unknown, field: string): FieldError[] {
  if (!isObj(value)) return [];
  if (source === 'emptyDir') return validateEmptyDir(value, field);
  if (source === 'hostPath') return validateHostPath(value, field);
  if (source === 'downwardAPI') return validateDownwardAPI(value, field);
  if (source === 'secret') return validateObjectVolume(value, 'secretName', field);
  if (source === 'configMap') return validateObjectVolume(value, 'name', field);
  return [];
}

/** validateVolumeSource's emptyDir rule: a sizeLimit below zero (Cmp with the zero Quantity). */
function validateEmptyDir(emptyDir: Obj, field: string): FieldError[] {
  const { sizeLimit } = emptyDir;
  if (!isQuantityText(sizeLimit)) return [];
  const size = readQuantity(sizeLimit);
  if (size === undefined) return [fieldError.invalid(`${field}.sizeLimit`, sizeLimit, QUANTITY_FORMAT_ERROR)];
  return quantitySign(size) < 0 ? [fieldError.forbidden(`${field}.sizeLimit`, 'SizeLimit field must be a valid resource quantity')] : [];
}

/** validateHostPathVolumeSource: a missing path is the only error; the type is checked once there is a path. */
function validateHostPath(hostPath: Obj, field: string): FieldError[] {
  const { path, type } = hostPath;
  if (path === undefined || path === '') return [fieldError.required(`${field}.path`)];
  const errors = isStr(path) ? backstepErrors(path, `${field}.path`) : [];
  if (isStr(type) && !HOST_PATH_TYPES.includes(type)) errors.push(fieldError.notSupported(`${field}.type`, type, HOST_PATH_TYPES));
  return errors;
}

/** validateSecretVolumeSource and validateConfigMapVolumeSource: the object's name, the default mode, the items. */
function validateObjectVolume(source: Obj, nameKey: 'secretName' | 'name', field: string): FieldError[] {
  const errors: FieldError[] = [];
  const name = source[nameKey];
  if (name === undefined || name === '') errors.push(fieldError.required(`${field}.${nameKey}`));
  errors.push(...fileModeErrors(source.defaultMode, `${field}.defaultMode`));
  const items = Array.isArray(source.items) ? source.items : [];
  items.forEach((item, i) => {
    if (isObj(item)) errors.push(...keyToPathErrors(item, `${field}.items[${i}]`));
  });
  return errors;
}

/** validateKeyToPath: a key, a relative path without `..`, a file mode. */
function keyToPathErrors(item: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const { key, path } = item;
  if (key === undefined || key === '') errors.push(fieldError.required(`${field}.key`));
  if (path === undefined || path === '') errors.push(fieldError.required(`${field}.path`));
  else if (isStr(path)) errors.push(...nonReservedPathErrors(path, `${field}.path`));
  errors.push(...fileModeErrors(item.mode, `${field}.mode`));
  return errors;
}

/**
 * validateDownwardAPIVolumeSource passes each item the source's own path, not items[i]: every item's errors read
 * `downwardAPI.path`, `downwardAPI.fieldRef`, `downwardAPI.mode` or `downwardAPI`.
 */
function validateDownwardAPI(source: Obj, field: string): FieldError[] {
  const errors = fileModeErrors(source.defaultMode, `${field}.defaultMode`);
  const items = Array.isArray(source.items) ? source.items : [];
  for (const item of items) if (isObj(item)) errors.push(...validateDownwardAPIFile(item, field));
  return errors;
}

/** validateDownwardAPIVolumeFile, in its order: path, fieldRef (or resourceFieldRef), mode. */
function validateDownwardAPIFile(file: Obj, field: string): FieldError[] {
  const errors: FieldError[] = [];
  const { path, fieldRef, resourceFieldRef } = file;
  if (path === undefined || path === '') errors.push(fieldError.required(`${field}.path`));
  else if (isStr(path)) errors.push(...nonReservedPathErrors(path, `${field}.path`));
  if (isObj(fieldRef)) {
    errors.push(...objectFieldSelectorErrors(fieldRef, `${field}.fieldRef`, VOLUME_FIELD_PATHS));
    if (isSet(resourceFieldRef)) {
      errors.push(fieldError.invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (!isSet(fieldRef) && !isSet(resourceFieldRef)) {
    errors.push(fieldError.required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errors.push(...fileModeErrors(file.mode, `${field}.mode`));
  return errors;
}

/**
 * ValidateVolumeMounts: each mount names a valid volume, has a unique mountPath, and a relative subPath. A field
 * left out is Go's empty string, and the checks do not stop at it: an empty name is also "Not found", a second
 * empty mountPath also "must be unique".
 */
export function validateVolumeMounts(mounts: unknown, field: string, volumeNames: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  if (!Array.isArray(mounts)) return errors;
  const mountPoints = new Set<string>();
  mounts.forEach((mount, i) => {
    if (!isObj(mount)) return;
    const mountField = `${field}[${i}]`;
    const name = mount.name ?? '';
    const mountPath = mount.mountPath ?? '';
    if (name === '') errors.push(fieldError.required(`${mountField}.name`));
    if (isStr(name) && !volumeNames.has(name)) errors.push(fieldError.notFound(`${mountField}.name`, name));
    if (mountPath === '') errors.push(fieldError.required(`${mountField}.mountPath`));
    if (isStr(mountPath)) {
      if (mountPoints.has(mountPath)) errors.push(fieldError.invalid(`${mountField}.mountPath`, mountPath, 'must be unique'));
      mountPoints.add(mountPath);
    }
    // Kubernetes names the list, not the mount: fldPath.Child("subPath") gives `volumeMounts.subPath`.
    const { subPath } = mount;
    if (isStr(subPath) && subPath !== '') errors.push(...descendingPathErrors(subPath, `${field}.subPath`));
  });
  return errors;
}
