/**
 * Kubernetes' validation of pod volumes, volume mounts and container resources (pkg/apis/core/validation:
 * ValidateVolumes, ValidateVolumeMounts, ValidateResourceRequirements) for the parts kjob acts on.
 */
import { fieldError, NON_NEGATIVE, type FieldError } from './field-errors.js';
import { dns1123LabelErrors, qualifiedNameErrors } from './name-rules.js';
import {
  compareQuantities,
  parseQuantityExact,
  QUANTITY_FORMAT_ERROR,
  quantityMilliValue,
  quantitySign,
  quantityString,
  quantityValue,
  readQuantity,
  roundUpToMilli,
  type Quantity,
} from './quantity.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Every VolumeSource field, in the order validateVolumeSource looks at them: the first one given is validated, each
 * later one is refused unvalidated. kjob runs emptyDir, hostPath and downwardAPI; the schema refuses the others.
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

/** helper.standardResources: the names IsStandardResourceName knows besides the huge page prefixes. */
const STANDARD_RESOURCES = [
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
];
const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const HUGE_PAGES_PREFIX = 'hugepages-';

/** helper.IsStandardResourceName (IsQuotaHugePageResourceName takes both huge page prefixes). */
const isStandardResourceName = (name: string) =>
  STANDARD_RESOURCES.includes(name) || name.startsWith(HUGE_PAGES_PREFIX) || name.startsWith(`requests.${HUGE_PAGES_PREFIX}`);

/** helper.IsStandardContainerResourceName. */
const isStandardContainerResourceName = (name: string) => STANDARD_CONTAINER_RESOURCES.includes(name) || name.startsWith(HUGE_PAGES_PREFIX);

/** helper.IsNativeResource: unprefixed, or anywhere in the kubernetes.io/ namespace (a substring test, as Kubernetes). */
const isNativeResource = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

/** helper.IsExtendedResourceName: not native, no `requests.` prefix, and a qualified name once that prefix is added. */
const isExtendedResourceName = (name: string) =>
  !isNativeResource(name) && !name.startsWith('requests.') && qualifiedNameErrors(`requests.${name}`).length === 0;

/** validateResourceName: a qualified name (when it is not, nothing else is said), and standard unless it has a '/'. */
function resourceNameErrors(name: string, field: string): FieldError[] {
  const qualified = qualifiedNameErrors(name).map((detail) => fieldError.invalid(field, name, detail));
  if (qualified.length > 0) return qualified;
  if (!name.includes('/') && !isStandardResourceName(name)) {
    return [fieldError.invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** validateContainerResourceName: validateResourceName's errors, then the container's own rule, whatever they were. */
function containerResourceNameErrors(name: string, field: string): FieldError[] {
  const errors = resourceNameErrors(name, field);
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) errors.push(fieldError.invalid(field, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errors.push(fieldError.invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errors;
}

/** Strings and numbers are quantities to read; other types are the schema's to report. */
const isQuantityText = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

/** helper.integerResources: the quota names counted in whole units. */
const INTEGER_RESOURCES = [
  'pods', 'resourcequotas', 'services', 'replicationcontrollers', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
];

/** helper.IsIntegerResourceName: those, and every extended resource (example.com/gpu). */
const isIntegerResourceName = (name: string) => INTEGER_RESOURCES.includes(name) || isExtendedResourceName(name);

/** helper.IsHugePageResourceName. */
const isHugePageResourceName = (name: string) => name.startsWith(HUGE_PAGES_PREFIX);

/** helper.IsOvercommitAllowed: native and not huge pages; the others must request exactly their limit. */
const isOvercommitAllowed = (name: string) => isNativeResource(name) && !isHugePageResourceName(name);

/** validateResourceRequirements' supportedQoSComputeResources. */
const isCpuOrMemory = (name: string) => name === 'cpu' || name === 'memory';

interface ResourceEntry {
  name: string;
  raw: unknown;
  /** As validated: read, then rounded up to milli by SetDefaults_ResourceList; undefined when it is no quantity. */
  quantity?: Quantity;
}

function readResourceList(list: unknown): ResourceEntry[] {
  if (!isObj(list)) return [];
  return Object.entries(list).map(([name, raw]) => {
    const quantity = isQuantityText(raw) ? readQuantity(raw) : undefined;
    return quantity === undefined ? { name, raw } : { name, raw, quantity: roundUpToMilli(quantity) };
  });
}

/** ValidateResourceQuantityValue: ValidateNonnegativeQuantity, then whole units (MilliValue) for integer resources. */
function resourceQuantityValueErrors(name: string, quantity: Quantity, field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (quantitySign(quantity) < 0) errors.push(fieldError.invalid(field, quantityString(quantity), NON_NEGATIVE));
  if (isIntegerResourceName(name) && quantityMilliValue(quantity) % 1000n !== 0n) {
    errors.push(fieldError.invalid(field, quantityString(quantity), 'must be an integer'));
  }
  return errors;
}

/**
 * helper.IsHugePageResourceValueDivisible: the page size is the name's suffix (hugepages-2Mi), parsed as it is;
 * a positive whole number of bytes must divide the value (both by Quantity.Value).
 */
function isHugePageValueDivisible(name: string, quantity: Quantity): boolean {
  const pageSize = parseQuantityExact(name.slice(HUGE_PAGES_PREFIX.length));
  if (pageSize === undefined || quantitySign(pageSize) <= 0 || quantityMilliValue(pageSize) % 1000n !== 0n) return false;
  const pageBytes = quantityValue(pageSize);
  // A page size past int64 has Value 0 and Go divides by zero; kjob calls it not divisible instead.
  return pageBytes !== 0n && quantityValue(quantity) % pageBytes === 0n;
}

/** validateResourceQuantityHugePageValue as on create, where AllowIndivisibleHugePagesValues is off. */
function hugePageValueErrors(name: string, quantity: Quantity, field: string): FieldError[] {
  if (!isHugePageResourceName(name) || isHugePageValueDivisible(name, quantity)) return [];
  const text = quantityString(quantity);
  return [fieldError.invalid(field, text, `${text} is not positive integer multiple of ${name}`)];
}

/**
 * The name, then the value. A string that is not a quantity fails JSON decoding in Kubernetes, before any
 * validation; kjob reports it here, with apimachinery's parse message.
 */
function resourceEntryErrors(entry: ResourceEntry, field: string): FieldError[] {
  const errors = containerResourceNameErrors(entry.name, field);
  if (entry.quantity !== undefined) errors.push(...resourceQuantityValueErrors(entry.name, entry.quantity, field));
  else if (isQuantityText(entry.raw)) errors.push(fieldError.invalid(field, entry.raw, QUANTITY_FORMAT_ERROR));
  return errors;
}

/**
 * validateResourceRequirements' request-against-limit rule, reported on `requests` itself: at most the limit,
 * exactly the limit for a resource that cannot be overcommitted, which must then have a limit.
 */
function requestLimitErrors(request: ResourceEntry, limits: readonly ResourceEntry[], field: string): FieldError[] {
  const { name, quantity } = request;
  const limit = limits.find((entry) => entry.name === name);
  if (limit === undefined) {
    return isOvercommitAllowed(name) ? [] : [fieldError.required(`${field}.limits`, 'Limit must be set for non overcommitable resources')];
  }
  // A limit that is no quantity never reaches Kubernetes' validation (see resourceEntryErrors).
  if (quantity === undefined || limit.quantity === undefined) return [];
  const order = compareQuantities(quantity, limit.quantity);
  const requested = quantityString(quantity);
  const limited = quantityString(limit.quantity);
  if (order !== 0 && !isOvercommitAllowed(name)) {
    return [fieldError.invalid(`${field}.requests`, requested, `must be equal to ${name} limit of ${limited}`)];
  }
  if (order > 0) return [fieldError.invalid(`${field}.requests`, requested, `must be less than or equal to ${name} limit of ${limited}`)];
  return [];
}

/**
 * validateResourceRequirements (ValidateContainerResourceRequirements) on create: each limit, then each request
 * against its limit, then huge pages without cpu or memory. Quantities are printed as Quantity.String() prints
 * them once SetDefaults_ResourceList has rounded them up to milli.
 */
export function validateResources(resources: unknown, field: string): FieldError[] {
  if (!isObj(resources)) return [];
  const limits = readResourceList(resources.limits);
  const requests = readResourceList(resources.requests);
  const errors: FieldError[] = [];
  for (const limit of limits) {
    const limitField = `${field}.limits[${limit.name}]`;
    errors.push(...resourceEntryErrors(limit, limitField));
    if (limit.quantity !== undefined) errors.push(...hugePageValueErrors(limit.name, limit.quantity, limitField));
  }
  for (const request of requests) {
    const requestField = `${field}.requests[${request.name}]`;
    errors.push(...resourceEntryErrors(request, requestField));
    if (request.quantity === undefined) continue;
    errors.push(...requestLimitErrors(request, limits, field));
    errors.push(...hugePageValueErrors(request.name, request.quantity, requestField));
  }
  const all = [...limits, ...requests];
  if (!all.some((entry) => isCpuOrMemory(entry.name)) && all.some((entry) => isHugePageResourceName(entry.name))) {
    errors.push(fieldError.forbidden(field, 'HugePages require cpu or memory'));
  }
  return errors;
}
