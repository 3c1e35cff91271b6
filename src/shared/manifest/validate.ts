/**
 * Kubernetes' Job validation (pkg/apis/batch/validation, pkg/apis/core/validation) for the fields kjob acts on,
 * run on the raw manifest so that every violation is reported at once, alongside the schema's type errors.
 * Each rule checks its value's type first and stays silent when the schema already reported it.
 */
import type { z } from 'zod';
import { podBatchingErrors } from '../controller/pod-batching.js';
import { fieldError, NON_NEGATIVE, type FieldError } from './field-errors.js';
import { JOB_CONTROLLER_NAME } from '../kubernetes-types.js';
import { containerRuntimeOf } from './container-runtime.js';
import { handlerNameOf } from './handler-image.js';
import { validateJobPolicies } from './validate-policies.js';
import { validateEnv, validateEnvFrom } from './validate-env.js';
import { validateResources } from './validate-resources.js';
import { validateVolumeMounts, validateVolumes } from './validate-volumes.js';
import { KUBERNETES_FIELDS, objectKindAt } from './known-fields.js';
import {
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  dns1123SubdomainPrefixErrors,
  labelValueErrors,
  qualifiedNameErrors,
  TOTAL_ANNOTATION_SIZE_MAX,
} from './name-rules.js';
import { isInt, isObj, isStr, type Obj } from '../guards.js';
import { utf8Length } from '../utf8.js';

type Path = readonly (string | number)[];

/** Kubernetes' caps for Indexed Jobs (pkg/apis/batch/validation). */
export const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_MANAGED_BY_LENGTH = 63;

export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  return cur;
}

/** Turns schema issues into field errors; unknown keys become "not supported yet" or "unknown field". */
export function schemaIssuesToFieldErrors(issues: readonly z.core.$ZodIssue[], raw: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = KUBERNETES_FIELDS[objectKindAt(path) ?? ''] ?? [];
      for (const key of issue.keys) {
        const field = formatPath([...path, key]);
        errors.push(known.includes(key) ? notSupportedYet(field) : fieldError.unknown(field));
      }
    } else if (issue.code === 'invalid_union') {
      errors.push(fieldError.invalid(formatPath(path), valueAt(raw, path), 'must be a 32-bit integer or null'));
    } else {
      errors.push(fieldError.invalid(formatPath(path), valueAt(raw, path), issue.message));
    }
  }
  return errors;
}

/** What kjob offers instead, by the object the refused field sits in, so a refusal says what does work. */
const ALTERNATIVES: Record<string, string> = {
  'spec.template.spec.volumes': 'kjob supports emptyDir, hostPath, downwardAPI, secret and configMap volumes',
};

function notSupportedYet(field: string): FieldError {
  const parent = field.replace(/\[\d+\]/g, '').split('.').slice(0, -1).join('.');
  return fieldError.notSupportedYet(field, ALTERNATIVES[parent] ?? '');
}

/** All Kubernetes rule violations in one Job manifest (types already checked by the schema are skipped). */
export function validateJobRules(raw: unknown): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObj(raw)) return [fieldError.invalid('<root>', raw, 'must be a Job object')];

  if (raw.apiVersion !== undefined && raw.apiVersion !== 'batch/v1') {
    errors.push(fieldError.notSupported('apiVersion', raw.apiVersion, ['batch/v1']));
  }
  if (raw.kind !== undefined && raw.kind !== 'Job') errors.push(fieldError.notSupported('kind', raw.kind, ['Job']));

  const metadata = isObj(raw.metadata) ? raw.metadata : {};
  const spec = isObj(raw.spec) ? raw.spec : {};
  errors.push(...validateObjectMeta(metadata));
  errors.push(...podBatchingErrors(metadata.annotations));
  errors.push(...validateJobSpec(spec, metadata));
  return errors;
}

/** ObjectMeta's rules on create (ValidateObjectMeta): name or generateName, namespace, labels, annotations. */
export function validateObjectMeta(metadata: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const { name, generateName, namespace } = metadata;
  if (name === undefined || name === '') {
    if (generateName === undefined || generateName === '') {
      errors.push(fieldError.required('metadata.name', 'name or generateName is required'));
    }
  } else if (isStr(name)) {
    for (const detail of dns1123SubdomainErrors(name)) errors.push(fieldError.invalid('metadata.name', name, detail));
  }
  if (isStr(generateName) && generateName !== '') {
    // generateName is a prefix: Kubernetes validates it with a trailing '-' tolerated.
    for (const detail of dns1123SubdomainPrefixErrors(generateName)) errors.push(fieldError.invalid('metadata.generateName', generateName, detail));
  }
  if (isStr(namespace) && namespace !== '') {
    for (const detail of dns1123LabelErrors(namespace)) errors.push(fieldError.invalid('metadata.namespace', namespace, detail));
  }
  errors.push(...validateLabels(metadata.labels, 'metadata.labels'));
  errors.push(...validateAnnotations(metadata.annotations, 'metadata.annotations'));
  return errors;
}

function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!isObj(labels)) return [];
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const detail of qualifiedNameErrors(key)) errors.push(fieldError.invalid(field, key, detail));
    if (isStr(value)) for (const detail of labelValueErrors(value)) errors.push(fieldError.invalid(field, value, detail));
  }
  return errors;
}

function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (!isObj(annotations)) return [];
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const detail of qualifiedNameErrors(key.toLowerCase())) errors.push(fieldError.invalid(field, key, detail));
    size += utf8Length(key) + (isStr(value) ? utf8Length(value) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_MAX) errors.push(fieldError.tooLong(field, size, TOTAL_ANNOTATION_SIZE_MAX));
  return errors;
}

function validateJobSpec(spec: Obj, metadata: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const nonNegative = (key: string) => {
    const value = spec[key];
    if (isInt(value) && value < 0) errors.push(fieldError.invalid(`spec.${key}`, value, NON_NEGATIVE));
  };
  nonNegative('parallelism');
  nonNegative('completions');
  nonNegative('backoffLimit');
  nonNegative('activeDeadlineSeconds');
  nonNegative('ttlSecondsAfterFinished');

  errors.push(...validateManagedBy(spec.managedBy));

  const mode = spec.completionMode;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    errors.push(fieldError.notSupported('spec.completionMode', mode, ['NonIndexed', 'Indexed']));
  }
  if (mode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) {
      errors.push(fieldError.required('spec.completions', 'when completion mode is Indexed'));
    }
    const parallelism = spec.parallelism;
    if (isInt(parallelism) && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
      errors.push(
        fieldError.invalid(
          'spec.parallelism',
          parallelism,
          `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`,
        ),
      );
    }
    const name = metadata.name;
    const completions = spec.completions;
    if (isStr(name) && name !== '' && isInt(completions) && completions > 0) {
      const lastPodHostname = `${name}-${completions - 1}`;
      if (dns1123LabelErrors(lastPodHostname).length > 0) {
        errors.push(
          fieldError.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${lastPodHostname}`),
        );
      }
    }
  }

  // The Job controller labels every pod `batch.kubernetes.io/job-name=<name>`, so the name must be a label value.
  if (isStr(metadata.name) && metadata.name.length > 63) {
    errors.push(fieldError.invalid('spec.template.labels', metadata.name, 'must be no more than 63 characters'));
  }

  const template = isObj(spec.template) ? spec.template : undefined;
  if (template === undefined) {
    if (spec.template === undefined) errors.push(fieldError.required('spec.template.spec.containers'));
    errors.push(...validateJobPolicies(spec, {}));
    return errors;
  }
  const templateMeta = isObj(template.metadata) ? template.metadata : {};
  errors.push(...validateLabels(templateMeta.labels, 'spec.template.metadata.labels'));
  errors.push(...validateAnnotations(templateMeta.annotations, 'spec.template.metadata.annotations'));
  const podSpec = isObj(template.spec) ? template.spec : {};
  errors.push(...validatePodSpec(podSpec));
  errors.push(...validateJobPolicies(spec, podSpec));
  return errors;
}

/** Kubernetes' managedBy rules (a domain-prefixed path of at most 63 characters); kjob runs only its own Jobs. */
function validateManagedBy(managedBy: unknown): FieldError[] {
  if (!isStr(managedBy)) return [];
  const field = 'spec.managedBy';
  const errors: FieldError[] = [];
  const slash = managedBy.indexOf('/');
  if (slash <= 0 || slash === managedBy.length - 1) {
    errors.push(fieldError.invalid(field, managedBy, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  } else {
    for (const detail of dns1123SubdomainErrors(managedBy.slice(0, slash))) errors.push(fieldError.invalid(field, managedBy, detail));
  }
  if (managedBy.length > MAX_MANAGED_BY_LENGTH) errors.push(fieldError.tooLong(field, managedBy, MAX_MANAGED_BY_LENGTH));
  if (errors.length === 0 && managedBy !== JOB_CONTROLLER_NAME) {
    errors.push(
      fieldError.notSupportedYet(
        field,
        `kjob is the Job controller and runs only Jobs managed by ${JOB_CONTROLLER_NAME}; a Job for another controller would never run`,
      ),
    );
  }
  return errors;
}

function validatePodSpec(podSpec: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const base = 'spec.template.spec';
  const restartPolicy = podSpec.restartPolicy;
  if (restartPolicy === undefined || restartPolicy === '' || restartPolicy === 'Always') {
    errors.push(fieldError.required(`${base}.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  } else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') {
    errors.push(fieldError.notSupported(`${base}.restartPolicy`, restartPolicy, ['OnFailure', 'Never']));
  }
  const grace = podSpec.terminationGracePeriodSeconds;
  if (isInt(grace) && grace < 0) errors.push(fieldError.invalid(`${base}.terminationGracePeriodSeconds`, grace, NON_NEGATIVE));
  const podDeadline = podSpec.activeDeadlineSeconds;
  if (isInt(podDeadline) && (podDeadline < 1 || podDeadline > 2147483647)) {
    errors.push(fieldError.invalid(`${base}.activeDeadlineSeconds`, podDeadline, 'must be between 1 and 2147483647, inclusive'));
  }

  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  const initContainers = Array.isArray(podSpec.initContainers) ? podSpec.initContainers : [];
  if (containers.length === 0 && (podSpec.containers === undefined || Array.isArray(podSpec.containers))) {
    errors.push(fieldError.required(`${base}.containers`));
  }
  const volumes = validateVolumes(podSpec.volumes, `${base}.volumes`);
  errors.push(...volumes.errors);
  const seen = new Set<string>();
  const checkList = (list: unknown[], key: 'containers' | 'initContainers') =>
    list.forEach((container, i) => {
      if (!isObj(container)) return;
      const field = `${base}.${key}[${i}]`;
      errors.push(...validateContainer(container, field, seen));
      errors.push(...validateVolumeMounts(container.volumeMounts, `${field}.volumeMounts`, volumes.names));
      errors.push(...validateResources(container.resources, `${field}.resources`));
    });
  checkList(initContainers, 'initContainers');
  checkList(containers, 'containers');
  return errors;
}

function validateContainer(container: Obj, field: string, seenNames: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const { name, image } = container;
  if (name === undefined || name === '') errors.push(fieldError.required(`${field}.name`));
  else if (isStr(name)) {
    for (const detail of dns1123LabelErrors(name)) errors.push(fieldError.invalid(`${field}.name`, name, detail));
    if (seenNames.has(name)) errors.push(fieldError.duplicate(`${field}.name`, name));
    seenNames.add(name);
  }
  if (image === undefined || image === '') errors.push(fieldError.required(`${field}.image`));
  else if (isStr(image)) {
    // A container without `command` is valid: whether its runtime can start it is that runtime's start error.
    if (containerRuntimeOf(container) === 'handler' && handlerNameOf(image) === '') {
      errors.push(fieldError.invalid(`${field}.image`, image, 'a handler image needs a name: kjob.dev/handler/<name>'));
    }
  }
  errors.push(...validateEnv(container.env, `${field}.env`));
  errors.push(...validateEnvFrom(container.envFrom, `${field}.envFrom`));
  return errors;
}
