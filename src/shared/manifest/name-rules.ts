/** apimachinery's name and label rules (`k8s.io/apimachinery/pkg/util/validation`), with its messages. */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;

const full = (re: string) => new RegExp(`^${re}$`);

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;
export const TOTAL_ANNOTATION_SIZE_MAX = 256 * 1024;

const maxLen = (n: number) => `must be no more than ${n} characters`;

export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errors.push(maxLen(DNS1123_LABEL_MAX));
  if (!full(DNS1123_LABEL).test(value) && full(DNS1123_SUBDOMAIN).test(value)) {
    // apimachinery's IsDNS1123Label: a valid subdomain is only told about its dots.
    errors.push('must not contain dots');
  } else if (!full(DNS1123_LABEL).test(value)) {
    errors.push(
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`,
    );
  }
  return errors;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errors.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  if (!full(DNS1123_SUBDOMAIN).test(value)) {
    errors.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`,
    );
  }
  return errors;
}

/** A label or annotation key: `[prefix/]name`. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const errors: string[] = [];
  if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts;
    name = rest;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push(`name part ${maxLen(63)}`);
  if (!full(QUALIFIED_NAME).test(name)) {
    errors.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`,
    );
  }
  return errors;
}

export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errors.push(maxLen(LABEL_VALUE_MAX));
  if (!full(LABEL_VALUE).test(value)) {
    errors.push(
      `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`,
    );
  }
  return errors;
}

/** Kubernetes 1.34 (RelaxedEnvironmentVariableValidation): any printable ASCII but '='. */
export function envVarNameErrors(value: string): string[] {
  return /^[\x20-\x3c\x3e-\x7e]+$/.test(value)
    ? []
    : [`a valid environment variable name must consist only of printable ASCII characters other than '='`];
}

const CONFIG_MAP_KEY = '[-._a-zA-Z0-9]+';

/** IsConfigMapKey: a ConfigMap or Secret key, which becomes a file name (so never `.`, `..` or `..x`). */
export function configMapKeyErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errors.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  if (!full(CONFIG_MAP_KEY).test(value)) {
    errors.push(
      `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${CONFIG_MAP_KEY}')`,
    );
  }
  if (value === '.') errors.push(`must not be '.'`);
  else if (value === '..') errors.push(`must not be '..'`);
  else if (value.startsWith('..')) errors.push(`must not start with '..'`);
  return errors;
}

/** NameIsDNSSubdomain with prefix=true: a name that may end in '-' (apimachinery's maskTrailingDash). */
export function dns1123SubdomainPrefixErrors(value: string): string[] {
  const masked = value.length > 1 && value.endsWith('-') ? `${value.slice(0, -1)}a` : value;
  return dns1123SubdomainErrors(masked);
}
