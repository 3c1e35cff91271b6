/** apimachinery's IsConfigMapKey (k8s.io/apimachinery/pkg/util/validation), the rule for ConfigMap and Secret keys, with its messages. */
import { DNS1123_SUBDOMAIN_MAX } from '../manifest/name-rules.js';

const CONFIG_MAP_KEY = '[-._a-zA-Z0-9]+';

export function configMapKeyErrors(key: string): string[] {
  const errors: string[] = [];
  if (key.length > DNS1123_SUBDOMAIN_MAX) errors.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
  if (!new RegExp(`^${CONFIG_MAP_KEY}$`).test(key)) {
    errors.push(
      `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${CONFIG_MAP_KEY}')`,
    );
  }
  // hasChDirPrefix: a key is a file name in a volume.
  if (key === '.') errors.push(`must not be '.'`);
  else if (key === '..') errors.push(`must not be '..'`);
  else if (key.startsWith('..')) errors.push(`must not start with '..'`);
  return errors;
}
