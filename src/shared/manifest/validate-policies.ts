/**
 * Kubernetes' validation of podFailurePolicy, successPolicy, backoffLimitPerIndex, maxFailedIndexes and
 * podReplacementPolicy (pkg/apis/batch/validation), with its messages. Runs on the raw manifest, like
 * validate.ts, so these errors come together with all others.
 */
import { countIndexIntervals } from '../controller/intervals.js';
import { fieldError, NON_NEGATIVE, type FieldError } from './field-errors.js';
import { qualifiedNameErrors } from './name-rules.js';
import { isInt, isObj, isStr, type Obj } from '../guards.js';

export const MAX_POD_FAILURE_POLICY_RULES = 20;
export const MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES = 255;
export const MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS = 20;
export const MAX_SUCCESS_POLICY_RULES = 20;
export const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_FAILED_INDEXES_LIMIT = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
/** Go's %q of a string slice, as Kubernetes writes "valid values" lists. */
const goList = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;

export function validateJobPolicies(spec: Obj, podSpec: Obj): FieldError[] {
  return [...validatePerIndex(spec), ...validatePodFailurePolicy(spec, podSpec), ...validateSuccessPolicy(spec), ...validateReplacementPolicy(spec)];
}

function validatePerIndex(spec: Obj): FieldError[] {
  const errors: FieldError[] = [];
  const { backoffLimitPerIndex: perIndex, maxFailedIndexes: maxFailed, completions, parallelism } = spec;
  const indexed = spec.completionMode === 'Indexed';
  if (perIndex !== undefined && isInt(perIndex)) {
    if (perIndex < 0) errors.push(fieldError.invalid('spec.backoffLimitPerIndex', perIndex, NON_NEGATIVE));
    if (!indexed) errors.push(fieldError.invalid('spec.backoffLimitPerIndex', perIndex, 'requires indexed completion mode'));
  }
  if (maxFailed !== undefined && isInt(maxFailed)) {
    if (maxFailed < 0) errors.push(fieldError.invalid('spec.maxFailedIndexes', maxFailed, NON_NEGATIVE));
    if (perIndex === undefined) errors.push(fieldError.required('spec.backoffLimitPerIndex', 'when maxFailedIndexes is specified'));
    if (!indexed) errors.push(fieldError.invalid('spec.maxFailedIndexes', maxFailed, 'requires indexed completion mode'));
    if (indexed && isInt(completions) && maxFailed > completions) {
      errors.push(fieldError.invalid('spec.maxFailedIndexes', maxFailed, 'must be less than or equal to completions'));
    }
    if (indexed && maxFailed > MAX_FAILED_INDEXES_LIMIT) {
      errors.push(fieldError.invalid('spec.maxFailedIndexes', maxFailed, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT}`));
    }
  }
  if (perIndex !== undefined && indexed && isInt(completions) && completions > COMPLETIONS_SOFT_LIMIT) {
    if (maxFailed === undefined) {
      errors.push(fieldError.required('spec.maxFailedIndexes', `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
    } else if (isInt(maxFailed) && maxFailed > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
      errors.push(
        fieldError.invalid(
          'spec.maxFailedIndexes',
          maxFailed,
          `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT}`,
        ),
      );
    }
    if (isInt(parallelism) && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
      errors.push(
        fieldError.invalid(
          'spec.parallelism',
          parallelism,
          `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`,
        ),
      );
    }
  }
  return errors;
}

function containerNames(podSpec: Obj): string[] {
  const names = (list: unknown) => (Array.isArray(list) ? list.map((c) => (isObj(c) && isStr(c.name) ? c.name : '')) : []);
  return [...names(podSpec.containers), ...names(podSpec.initContainers)];
}

function validatePodFailurePolicy(spec: Obj, podSpec: Obj): FieldError[] {
  const policy = spec.podFailurePolicy;
  if (!isObj(policy)) return [];
  const errors: FieldError[] = [];
  if (podSpec.restartPolicy === 'OnFailure') {
    errors.push(fieldError.invalid('spec.template.spec.restartPolicy', 'OnFailure', 'only "Never" is supported when podFailurePolicy is specified'));
  }
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) {
    errors.push(fieldError.tooMany('spec.podFailurePolicy.rules', rules.length, MAX_POD_FAILURE_POLICY_RULES));
  }
  const names = containerNames(podSpec);
  rules.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const path = `spec.podFailurePolicy.rules[${i}]`;
    const { action, onExitCodes, onPodConditions } = rule;
    if (action === undefined || action === '') errors.push(fieldError.required(`${path}.action`, `valid values: ${goList(ACTIONS)}`));
    else if (isStr(action) && !ACTIONS.includes(action)) errors.push(fieldError.notSupported(`${path}.action`, action, ACTIONS));
    else if (action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
      errors.push(fieldError.invalid(`${path}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    }
    const hasConditions = Array.isArray(onPodConditions) && onPodConditions.length > 0;
    if (isObj(onExitCodes)) errors.push(...validateOnExitCodes(onExitCodes, `${path}.onExitCodes`, names));
    if (Array.isArray(onPodConditions)) {
      if (onPodConditions.length > MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS) {
        errors.push(fieldError.tooMany(`${path}.onPodConditions`, onPodConditions.length, MAX_POD_FAILURE_POLICY_ON_POD_CONDITIONS_PATTERNS));
      }
      onPodConditions.forEach((pattern, j) => {
        if (!isObj(pattern)) return;
        const patternPath = `${path}.onPodConditions[${j}]`;
        if (isStr(pattern.type)) {
          for (const detail of qualifiedNameErrors(pattern.type)) errors.push(fieldError.invalid(`${patternPath}.type`, pattern.type, detail));
        }
        const status = pattern.status ?? 'True';
        if (status === '') errors.push(fieldError.required(`${patternPath}.status`, `valid values: ${goList(CONDITION_STATUSES)}`));
        else if (isStr(status) && !CONDITION_STATUSES.includes(status)) {
          errors.push(fieldError.notSupported(`${patternPath}.status`, status, CONDITION_STATUSES));
        }
      });
    }
    if (onExitCodes !== undefined && hasConditions) {
      errors.push(fieldError.invalidOmitValue(path, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    }
    if (onExitCodes === undefined && !hasConditions) {
      errors.push(fieldError.invalidOmitValue(path, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
  });
  return errors;
}

function validateOnExitCodes(onExitCodes: Obj, path: string, containerNames: string[]): FieldError[] {
  const errors: FieldError[] = [];
  const { operator, values, containerName } = onExitCodes;
  if (operator === '') errors.push(fieldError.required(`${path}.operator`, `valid values: ${goList(OPERATORS)}`));
  else if (isStr(operator) && !OPERATORS.includes(operator)) errors.push(fieldError.notSupported(`${path}.operator`, operator, OPERATORS));
  if (isStr(containerName) && !containerNames.includes(containerName)) {
    errors.push(fieldError.invalid(`${path}.containerName`, containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  if (!Array.isArray(values)) return errors;
  if (values.length === 0) errors.push(fieldError.invalid(`${path}.values`, values, 'at least one value is required'));
  else if (values.length > MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES) {
    errors.push(fieldError.tooMany(`${path}.values`, values.length, MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES));
  }
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((value, i) => {
    if (!isInt(value)) return;
    if (operator === 'In' && value === 0) errors.push(fieldError.invalid(`${path}.values[${i}]`, value, 'must not be 0 for the In operator'));
    if (seen.has(value)) errors.push(fieldError.duplicate(`${path}.values[${i}]`, value));
    seen.add(value);
    if (i > 0 && (values[i - 1] as number) > value) ordered = false;
  });
  if (!ordered) errors.push(fieldError.invalid(`${path}.values`, values, 'must be ordered'));
  return errors;
}

function validateSuccessPolicy(spec: Obj): FieldError[] {
  const policy = spec.successPolicy;
  if (!isObj(policy)) return [];
  if (spec.completionMode !== 'Indexed') return [fieldError.invalid('spec.successPolicy', policy, 'requires indexed completion mode')];
  const errors: FieldError[] = [];
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  if (rules.length === 0) errors.push(fieldError.required('spec.successPolicy.rules', 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errors.push(fieldError.tooMany('spec.successPolicy.rules', rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = isInt(spec.completions) ? spec.completions : 0;
  rules.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const path = `spec.successPolicy.rules[${i}]`;
    const { succeededIndexes, succeededCount } = rule;
    if (succeededIndexes === undefined && succeededCount === undefined) {
      errors.push(fieldError.required(path, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let indexCount: number | undefined;
    if (isStr(succeededIndexes)) {
      if (succeededIndexes.length > MAX_SUCCEEDED_INDEXES_LENGTH) {
        errors.push(fieldError.tooLong(`${path}.succeededIndexes`, succeededIndexes, MAX_SUCCEEDED_INDEXES_LENGTH));
      }
      const counted = countIndexIntervals(succeededIndexes, completions);
      if ('error' in counted) {
        errors.push(fieldError.invalid(`${path}.succeededIndexes`, succeededIndexes, `error parsing succeededIndexes: ${counted.error}`));
      } else indexCount = counted.total;
    }
    if (isInt(succeededCount)) {
      if (succeededCount < 0) errors.push(fieldError.invalid(`${path}.succeededCount`, succeededCount, NON_NEGATIVE));
      if (succeededCount > completions) {
        errors.push(
          fieldError.invalid(`${path}.succeededCount`, succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`),
        );
      }
      if (indexCount !== undefined && succeededCount > indexCount) {
        errors.push(
          fieldError.invalid(
            `${path}.succeededCount`,
            succeededCount,
            `must be less than or equal to ${indexCount} (the number of indexes in the specified succeededIndexes field)`,
          ),
        );
      }
    }
  });
  return errors;
}

function validateReplacementPolicy(spec: Obj): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (policy === undefined) return [];
  const allowed = spec.podFailurePolicy !== undefined ? ['Failed'] : ['Failed', 'TerminatingOrFailed'];
  return isStr(policy) && allowed.includes(policy) ? [] : [fieldError.notSupported('spec.podReplacementPolicy', policy, allowed)];
}
