/**
 * zod schemas for core/v1 ConfigMap and Secret manifests (k8s.io/api/core/v1/types.go): shape and types. The
 * rules (key names, size, base64, Secret types) are in validate.ts, so every violation is reported at once.
 */
import { z } from 'zod';
import { ObjectMetaSchema } from '../manifest/schema.js';

const str = () => z.string({ error: 'must be a string' });
const stringMap = () => z.record(z.string(), str(), { error: 'must be a map of strings' });
const bool = () => z.boolean({ error: 'must be a boolean' });

export const ConfigMapManifestSchema = z.strictObject({
  apiVersion: str().optional(),
  kind: str().optional(),
  metadata: ObjectMetaSchema.optional(),
  data: stringMap().optional(),
  /** base64, as the API takes []byte in JSON and YAML. */
  binaryData: stringMap().optional(),
  immutable: bool().optional(),
});
export type ConfigMapManifest = z.infer<typeof ConfigMapManifestSchema>;

export const SecretManifestSchema = z.strictObject({
  apiVersion: str().optional(),
  kind: str().optional(),
  metadata: ObjectMetaSchema.optional(),
  /** base64. */
  data: stringMap().optional(),
  /** Plain text, merged into `data` on write (and never stored). */
  stringData: stringMap().optional(),
  type: str().optional(),
  immutable: bool().optional(),
});
export type SecretManifest = z.infer<typeof SecretManifestSchema>;
