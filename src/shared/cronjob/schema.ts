/**
 * zod schema for `batch/v1` CronJob: shape and types of the CronJob's own fields. `spec.jobTemplate` is checked
 * by the Job schema and rules (see validate.ts), so its errors read as the Job ones under `spec.jobTemplate`.
 */
import { z } from 'zod';
import { ObjectMetaSchema } from '../manifest/schema.js';

const int32 = () => z.int32({ error: 'must be a 32-bit integer' });
const int64 = () => z.int({ error: 'must be an integer' });
const str = () => z.string({ error: 'must be a string' });
const stringMap = () => z.record(z.string(), str(), { error: 'must be a map of strings' });

export const JobTemplateMetadataSchema = z.strictObject({
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  /** Accepted and ignored as Kubernetes does: each Job gets its own name. */
  name: str().optional(),
  creationTimestamp: z.union([str(), z.null()]).optional(),
});

export const CronJobSpecSchema = z.strictObject({
  schedule: str().optional(),
  timeZone: str().optional(),
  startingDeadlineSeconds: int64().optional(),
  concurrencyPolicy: str().optional(),
  suspend: z.boolean({ error: 'must be a boolean' }).optional(),
  successfulJobsHistoryLimit: int32().optional(),
  failedJobsHistoryLimit: int32().optional(),
  jobTemplate: z
    .strictObject({
      metadata: JobTemplateMetadataSchema.optional(),
      // Shape checked by the Job schema.
      spec: z.unknown().optional(),
    })
    .optional(),
});

export const CronJobManifestSchema = z.strictObject({
  apiVersion: str().optional(),
  kind: str().optional(),
  metadata: ObjectMetaSchema.optional(),
  spec: CronJobSpecSchema.optional(),
  /** Ignored, as the API server ignores a submitted status. */
  status: z.unknown().optional(),
});
export type CronJobManifest = z.infer<typeof CronJobManifestSchema>;
