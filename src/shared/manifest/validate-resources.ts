/**
 * Kubernetes' validation of container resources (pkg/apis/core/validation: ValidateResourceRequirements and its
 * helpers' resource names) for the parts kjob acts on.
 */
import { fieldError, NON_NEGATIVE, type FieldError } from './field-errors.js';
import { qualifiedNameErrors } from './name-rules.js';
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
import { isObj } from '../guards.js';

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
export const isQuantityText = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

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
