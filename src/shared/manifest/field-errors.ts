/**
 * Field errors in the form Kubernetes' apimachinery prints them
 * (`spec.parallelism: Invalid value: -1: must be greater than or equal to 0`).
 */
export const FieldErrorType = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Duplicate: 'FieldValueDuplicate',
  Unknown: 'FieldValueUnknown',
  NotFound: 'FieldValueNotFound',
  NotSupportedYet: 'FieldValueNotSupportedYet',
} as const;
export type FieldErrorType = (typeof FieldErrorType)[keyof typeof FieldErrorType];

export interface FieldError {
  /** Dotted path as Kubernetes writes it: `spec.template.spec.containers[0].name`. */
  field: string;
  type: FieldErrorType;
  value?: unknown;
  /** apimachinery's OmitValueType: the message leaves the value out. */
  omitValue?: boolean;
  detail: string;
}

const MAX_QUOTED_LENGTH = 256;

/** Renders a value the way apimachinery's field errors quote it: strings quoted, numbers bare. */
function renderValue(value: unknown): string {
  // A huge value is quoted in part: the message must stay readable (and small) whatever the input.
  if (typeof value === 'string') return value.length > MAX_QUOTED_LENGTH ? `${JSON.stringify(value.slice(0, MAX_QUOTED_LENGTH))}... (truncated)` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return 'null';
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}

export function formatFieldError(error: FieldError): string {
  const { field } = error;
  // Details may embed the value (a pod hostname made from the name); keep them as bounded as the value.
  const detail = error.detail.length > MAX_QUOTED_LENGTH * 2 ? `${error.detail.slice(0, MAX_QUOTED_LENGTH * 2)}... (truncated)` : error.detail;
  switch (error.type) {
    case FieldErrorType.Invalid:
      return error.omitValue ? `${field}: Invalid value: ${detail}` : `${field}: Invalid value: ${renderValue(error.value)}: ${detail}`;
    case FieldErrorType.Required:
      return detail ? `${field}: Required value: ${detail}` : `${field}: Required value`;
    case FieldErrorType.NotSupported:
      return `${field}: Unsupported value: ${renderValue(error.value)}: ${detail}`;
    case FieldErrorType.Forbidden:
      return `${field}: Forbidden: ${detail}`;
    case FieldErrorType.TooLong:
      return `${field}: Too long: ${detail}`;
    case FieldErrorType.TooMany:
      return `${field}: Too many: ${renderValue(error.value)}: ${detail}`;
    case FieldErrorType.Duplicate:
      return `${field}: Duplicate value: ${renderValue(error.value)}`;
    case FieldErrorType.NotFound:
      return `${field}: Not found: ${renderValue(error.value)}`;
    case FieldErrorType.Unknown:
      return `unknown field ${JSON.stringify(field)}`;
    case FieldErrorType.NotSupportedYet:
      return `${field}: Forbidden: not supported yet by kjob${detail ? ` (${detail})` : ''}`;
  }
}

/** Constructors named after apimachinery's `field.Invalid`, `field.Required`, ... */
export const fieldError = {
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ field, type: FieldErrorType.Invalid, value, detail }),
  invalidOmitValue: (field: string, detail: string): FieldError => ({ field, type: FieldErrorType.Invalid, omitValue: true, detail }),
  required: (field: string, detail = ''): FieldError => ({ field, type: FieldErrorType.Required, detail }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    field,
    type: FieldErrorType.NotSupported,
    value,
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ field, type: FieldErrorType.Forbidden, detail }),
  tooLong: (field: string, value: unknown, max: number): FieldError => ({
    field,
    type: FieldErrorType.TooLong,
    value,
    detail: `may not be more than ${max} bytes`,
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    field,
    type: FieldErrorType.TooMany,
    value: actual,
    detail: `must have at most ${max} items`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ field, type: FieldErrorType.Duplicate, value, detail: '' }),
  notFound: (field: string, value: unknown): FieldError => ({ field, type: FieldErrorType.NotFound, value, detail: '' }),
  unknown: (field: string): FieldError => ({ field, type: FieldErrorType.Unknown, detail: '' }),
  notSupportedYet: (field: string, detail = ''): FieldError => ({ field, type: FieldErrorType.NotSupportedYet, detail }),
};

export const NON_NEGATIVE = 'must be greater than or equal to 0';
