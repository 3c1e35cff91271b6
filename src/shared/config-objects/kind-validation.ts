/** The ConfigMap and Secret kinds' validation (schema, then Kubernetes' rules), as the kinds table takes them. */
import type { KindValidation } from '../manifest/validated.js';
import { ownFieldSchemaErrors } from '../manifest/own-field-errors.js';
import { ConfigObjectValidationError } from './errors.js';
import { ConfigMapManifestSchema, SecretManifestSchema, type ConfigMapManifest, type SecretManifest } from './schema.js';
import { validateConfigMapRules, validateSecretRules } from './validate.js';

export const CONFIGMAP_VALIDATION: KindValidation<'ConfigMap', ConfigMapManifest> = {
  kind: 'ConfigMap',
  schema: ConfigMapManifestSchema,
  schemaErrors: (issues, raw) => ownFieldSchemaErrors(issues, raw),
  rules: validateConfigMapRules,
  invalid: (documents) => new ConfigObjectValidationError('ConfigMap', documents),
};

/** A Secret's values are never quoted, also when their type is wrong. */
const secretValue = (path: (string | number)[]) => path[0] === 'data' || path[0] === 'stringData';

export const SECRET_VALIDATION: KindValidation<'Secret', SecretManifest> = {
  kind: 'Secret',
  schema: SecretManifestSchema,
  schemaErrors: (issues, raw) => ownFieldSchemaErrors(issues, raw, secretValue),
  rules: validateSecretRules,
  invalid: (documents) => new ConfigObjectValidationError('Secret', documents),
};
