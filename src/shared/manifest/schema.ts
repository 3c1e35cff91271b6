/**
 * zod schemas for the part of `batch/v1` Job that kjob acts on. They check shape and types; the Kubernetes
 * rules (ranges, names, cross-field checks) live in `validate.ts` so every violation is reported at once.
 * Objects are strict: a key outside these schemas is either a Kubernetes field kjob does not act on yet
 * (refused as "not supported yet") or not a Kubernetes field at all (refused as unknown).
 */
import { z } from 'zod';

const int32 = () => z.int32({ error: 'must be a 32-bit integer' });
const int64 = () => z.int({ error: 'must be an integer' });
const str = () => z.string({ error: 'must be a string' });
const stringMap = () => z.record(z.string(), str(), { error: 'must be a map of strings' });

export const CompletionMode = { NonIndexed: 'NonIndexed', Indexed: 'Indexed' } as const;
export type CompletionMode = (typeof CompletionMode)[keyof typeof CompletionMode];

export const RestartPolicy = { Never: 'Never', OnFailure: 'OnFailure', Always: 'Always' } as const;
export type RestartPolicy = (typeof RestartPolicy)[keyof typeof RestartPolicy];

/** Server-set metadata that `kubectl get -o yaml` prints; accepted and replaced on create, as Kubernetes does. */
const serverSetMetadata = {
  uid: str().optional(),
  creationTimestamp: z.union([str(), z.null()]).optional(),
  resourceVersion: str().optional(),
  generation: int64().optional(),
  selfLink: str().optional(),
  managedFields: z.array(z.unknown()).optional(),
};

export const ObjectMetaSchema = z.strictObject({
  name: str().optional(),
  generateName: str().optional(),
  namespace: str().optional(),
  labels: stringMap().optional(),
  annotations: stringMap().optional(),
  ...serverSetMetadata,
});

/**
 * A missing fieldPath is validateObjectFieldSelector's "Required value" (validate-field-selector.ts), not a type error;
 * the default only keeps the parsed type a string. A missing apiVersion is "v1" (SetDefaults_ObjectFieldSelector).
 */
export const ObjectFieldSelectorSchema = z.strictObject({
  apiVersion: str().optional(),
  fieldPath: str().default(''),
});

const optionalFlag = () => z.boolean({ error: 'must be a boolean' }).optional();

/**
 * ConfigMapKeySelector and SecretKeySelector. A missing name or key is Go's empty string, which validation reports
 * (`Required value`, a name error); the defaults only keep the parsed types strings.
 */
export const KeySelectorSchema = z.strictObject({
  name: str().default(''),
  key: str().default(''),
  optional: optionalFlag(),
});
export type KeySelector = z.infer<typeof KeySelectorSchema>;

export const EnvVarSourceSchema = z.strictObject({
  fieldRef: ObjectFieldSelectorSchema.optional(),
  configMapKeyRef: KeySelectorSchema.optional(),
  secretKeyRef: KeySelectorSchema.optional(),
});

/** ConfigMapEnvSource and SecretEnvSource: a whole object's keys as variables. */
export const ObjectEnvSourceSchema = z.strictObject({ name: str().default(''), optional: optionalFlag() });

export const EnvFromSourceSchema = z.strictObject({
  prefix: str().optional(),
  configMapRef: ObjectEnvSourceSchema.optional(),
  secretRef: ObjectEnvSourceSchema.optional(),
});
export type EnvFromSource = z.infer<typeof EnvFromSourceSchema>;

export const EnvVarSchema = z.strictObject({
  name: str(),
  value: str().optional(),
  valueFrom: EnvVarSourceSchema.optional(),
});
export type EnvVar = z.infer<typeof EnvVarSchema>;

export const VolumeMountSchema = z.strictObject({
  name: str(),
  mountPath: str(),
  readOnly: z.boolean({ error: 'must be a boolean' }).optional(),
  subPath: str().optional(),
});
export type VolumeMount = z.infer<typeof VolumeMountSchema>;

const quantity = () => z.union([str(), z.number()], { error: 'must be a quantity' });
export const ResourceRequirementsSchema = z.strictObject({
  /** memory and cpu limits are enforced for command pods where the host has cgroups; the rest is informational. */
  limits: z.record(z.string(), quantity(), { error: 'must be a map of quantities' }).optional(),
  requests: z.record(z.string(), quantity(), { error: 'must be a map of quantities' }).optional(),
});
export type ResourceRequirements = z.infer<typeof ResourceRequirementsSchema>;

export const DownwardAPIVolumeFileSchema = z.strictObject({
  path: str(),
  fieldRef: ObjectFieldSelectorSchema.optional(),
  mode: int32().optional(),
});

/** KeyToPath: one key of a ConfigMap or Secret as a file of the volume. */
export const KeyToPathSchema = z.strictObject({ key: str().default(''), path: str().default(''), mode: int32().optional() });
export type KeyToPath = z.infer<typeof KeyToPathSchema>;

export const VolumeSchema = z.strictObject({
  name: str(),
  /** A folder of the pod run, shared by its containers and removed with it. */
  emptyDir: z.strictObject({ medium: str().optional(), sizeLimit: quantity().optional() }).optional(),
  /** A folder of the worker host, bound into the sandbox. */
  hostPath: z.strictObject({ path: str(), type: str().optional() }).optional(),
  /** Files holding the pod's own metadata. */
  downwardAPI: z
    .strictObject({
      items: z.array(DownwardAPIVolumeFileSchema, { error: 'must be a list' }).optional(),
      defaultMode: int32().optional(),
    })
    .optional(),
  /** A Secret's keys as files, on a memory-backed folder, read-only. */
  secret: z
    .strictObject({
      secretName: str().default(''),
      items: z.array(KeyToPathSchema, { error: 'must be a list' }).optional(),
      defaultMode: int32().optional(),
      optional: optionalFlag(),
    })
    .optional(),
  /** A ConfigMap's keys (data and binaryData) as files, read-only. */
  configMap: z
    .strictObject({
      name: str().default(''),
      items: z.array(KeyToPathSchema, { error: 'must be a list' }).optional(),
      defaultMode: int32().optional(),
      optional: optionalFlag(),
    })
    .optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const ContainerSchema = z.strictObject({
  name: str(),
  /** Informational for command pods; `kjob.dev/handler/<name>` selects a TypeScript handler (see README). */
  image: str().optional(),
  /** Informational: kjob pulls no images. */
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never'], { error: 'must be one of "Always", "IfNotPresent", "Never"' }).optional(),
  command: z.array(str(), { error: 'must be a list of strings' }).optional(),
  args: z.array(str(), { error: 'must be a list of strings' }).optional(),
  env: z.array(EnvVarSchema, { error: 'must be a list' }).optional(),
  envFrom: z.array(EnvFromSourceSchema, { error: 'must be a list' }).optional(),
  workingDir: str().optional(),
  volumeMounts: z.array(VolumeMountSchema, { error: 'must be a list' }).optional(),
  resources: ResourceRequirementsSchema.optional(),
});
export type Container = z.infer<typeof ContainerSchema>;

export const PodSpecSchema = z.strictObject({
  restartPolicy: str().optional(),
  containers: z.array(ContainerSchema, { error: 'must be a list' }).optional(),
  initContainers: z.array(ContainerSchema, { error: 'must be a list' }).optional(),
  /** Seconds between SIGTERM and SIGKILL when a pod is terminated; Kubernetes' default is 30. */
  terminationGracePeriodSeconds: int64().optional(),
  /** Pod-level deadline: the pod fails with reason DeadlineExceeded after this long on its node. */
  activeDeadlineSeconds: int64().optional(),
  volumes: z.array(VolumeSchema, { error: 'must be a list' }).optional(),
  /** Secrets of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg that authenticate image pulls. */
  imagePullSecrets: z.array(z.strictObject({ name: str().default('') }), { error: 'must be a list' }).optional(),
});
export type PodSpec = z.infer<typeof PodSpecSchema>;

export const PodTemplateSpecSchema = z.strictObject({
  metadata: z
    .strictObject({
      name: str().optional(),
      labels: stringMap().optional(),
      annotations: stringMap().optional(),
      creationTimestamp: z.union([str(), z.null()]).optional(),
    })
    .optional(),
  spec: PodSpecSchema.optional(),
});

export const PodFailurePolicyOnExitCodesSchema = z.strictObject({
  containerName: str().optional(),
  operator: str(),
  values: z.array(int32(), { error: 'must be a list of 32-bit integers' }),
});

export const PodFailurePolicyOnPodConditionsPatternSchema = z.strictObject({
  type: str(),
  /** Defaults to "True". */
  status: str().optional(),
});

export const PodFailurePolicyRuleSchema = z.strictObject({
  action: str(),
  onExitCodes: PodFailurePolicyOnExitCodesSchema.optional(),
  onPodConditions: z.array(PodFailurePolicyOnPodConditionsPatternSchema, { error: 'must be a list' }).optional(),
});

export const PodFailurePolicySchema = z.strictObject({
  rules: z.array(PodFailurePolicyRuleSchema, { error: 'must be a list' }),
});

export const SuccessPolicyRuleSchema = z.strictObject({
  succeededIndexes: str().optional(),
  succeededCount: int32().optional(),
});

export const SuccessPolicySchema = z.strictObject({
  rules: z.array(SuccessPolicyRuleSchema, { error: 'must be a list' }),
});

export const JobSpecSchema = z.strictObject({
  parallelism: int32().optional(),
  completions: z.union([int32(), z.null()]).optional(),
  completionMode: str().optional(),
  backoffLimit: int32().optional(),
  activeDeadlineSeconds: int64().optional(),
  suspend: z.boolean({ error: 'must be a boolean' }).optional(),
  podFailurePolicy: PodFailurePolicySchema.optional(),
  successPolicy: SuccessPolicySchema.optional(),
  backoffLimitPerIndex: int32().optional(),
  maxFailedIndexes: int32().optional(),
  podReplacementPolicy: str().optional(),
  managedBy: str().optional(),
  ttlSecondsAfterFinished: int32().optional(),
  template: PodTemplateSpecSchema.optional(),
});

export const JobManifestSchema = z.strictObject({
  apiVersion: str().optional(),
  kind: str().optional(),
  metadata: ObjectMetaSchema.optional(),
  spec: JobSpecSchema.optional(),
  /** Ignored on create, as the Kubernetes API server ignores a submitted status. */
  status: z.unknown().optional(),
});
/** A manifest as a user writes it: everything optional, before defaults. */
export type JobManifest = z.infer<typeof JobManifestSchema>;
