/**
 * Every field Kubernetes (1.34) defines on the objects a Job manifest contains. A key that the schema does
 * not accept but that is listed here is a real Kubernetes field kjob does not act on yet; any other key is
 * unknown, as Kubernetes' strict decoding reports it.
 */
const objectMeta = [
  'annotations', 'creationTimestamp', 'deletionGracePeriodSeconds', 'deletionTimestamp', 'finalizers',
  'generateName', 'generation', 'labels', 'managedFields', 'name', 'namespace', 'ownerReferences',
  'resourceVersion', 'selfLink', 'uid',
];

export const KUBERNETES_FIELDS: Record<string, readonly string[]> = {
  Job: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  ObjectMeta: objectMeta,
  JobSpec: [
    'activeDeadlineSeconds', 'backoffLimit', 'backoffLimitPerIndex', 'completionMode', 'completions', 'managedBy',
    'manualSelector', 'maxFailedIndexes', 'parallelism', 'podFailurePolicy', 'podReplacementPolicy', 'selector',
    'successPolicy', 'suspend', 'template', 'ttlSecondsAfterFinished',
  ],
  PodTemplateSpec: ['metadata', 'spec'],
  PodSpec: [
    'activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy',
    'enableServiceLinks', 'ephemeralContainers', 'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'hostUsers',
    'hostname', 'hostnameOverride', 'imagePullSecrets', 'initContainers', 'nodeName', 'nodeSelector', 'os',
    'overhead', 'preemptionPolicy', 'priority', 'priorityClassName', 'readinessGates', 'resourceClaims',
    'resources', 'restartPolicy', 'runtimeClassName', 'schedulerName', 'schedulingGates', 'securityContext',
    'serviceAccount', 'serviceAccountName', 'setHostnameAsFQDN', 'shareProcessNamespace', 'subdomain',
    'terminationGracePeriodSeconds', 'tolerations', 'topologySpreadConstraints', 'volumes',
  ],
  Container: [
    'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name', 'ports',
    'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'restartPolicyRules', 'securityContext',
    'startupProbe', 'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty',
    'volumeDevices', 'volumeMounts', 'workingDir',
  ],
  EnvVar: ['name', 'value', 'valueFrom'],
  EnvVarSource: ['configMapKeyRef', 'fieldRef', 'fileKeyRef', 'resourceFieldRef', 'secretKeyRef'],
  ObjectFieldSelector: ['apiVersion', 'fieldPath'],
  ConfigMapKeySelector: ['key', 'name', 'optional'],
  SecretKeySelector: ['key', 'name', 'optional'],
  EnvFromSource: ['configMapRef', 'prefix', 'secretRef'],
  ConfigMapEnvSource: ['name', 'optional'],
  SecretEnvSource: ['name', 'optional'],
  LocalObjectReference: ['name'],
  Volume: [
    'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
    'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image',
    'iscsi', 'name', 'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte',
    'rbd', 'scaleIO', 'secret', 'storageos', 'vsphereVolume',
  ],
  VolumeMount: ['mountPath', 'mountPropagation', 'name', 'readOnly', 'recursiveReadOnly', 'subPath', 'subPathExpr'],
  EmptyDirVolumeSource: ['medium', 'sizeLimit'],
  HostPathVolumeSource: ['path', 'type'],
  DownwardAPIVolumeSource: ['defaultMode', 'items'],
  DownwardAPIVolumeFile: ['fieldRef', 'mode', 'path', 'resourceFieldRef'],
  SecretVolumeSource: ['defaultMode', 'items', 'optional', 'secretName'],
  ConfigMapVolumeSource: ['defaultMode', 'items', 'name', 'optional'],
  KeyToPath: ['key', 'mode', 'path'],
  ResourceRequirements: ['claims', 'limits', 'requests'],
};

/** Which Kubernetes object sits at a path inside a Job manifest (`['spec','template','spec','containers',0]` → Container). */
export function objectKindAt(path: readonly (string | number)[]): string | undefined {
  const names = path.filter((p): p is string => typeof p === 'string');
  const last = names[names.length - 1];
  const parent = names[names.length - 2];
  switch (last) {
    case undefined:
      return 'Job';
    case 'metadata':
      return 'ObjectMeta';
    case 'spec':
      return parent === 'template' ? 'PodSpec' : 'JobSpec';
    case 'template':
      return 'PodTemplateSpec';
    case 'containers':
    case 'initContainers':
      return 'Container';
    case 'env':
      return 'EnvVar';
    case 'valueFrom':
      return 'EnvVarSource';
    case 'fieldRef':
      return 'ObjectFieldSelector';
    case 'configMapKeyRef':
      return 'ConfigMapKeySelector';
    case 'secretKeyRef':
      return 'SecretKeySelector';
    case 'envFrom':
      return 'EnvFromSource';
    case 'configMapRef':
      return 'ConfigMapEnvSource';
    case 'secretRef':
      return 'SecretEnvSource';
    case 'imagePullSecrets':
      return 'LocalObjectReference';
    case 'secret':
      return 'SecretVolumeSource';
    case 'configMap':
      return 'ConfigMapVolumeSource';
    case 'volumes':
      return 'Volume';
    case 'volumeMounts':
      return 'VolumeMount';
    case 'emptyDir':
      return 'EmptyDirVolumeSource';
    case 'hostPath':
      return 'HostPathVolumeSource';
    case 'downwardAPI':
      return 'DownwardAPIVolumeSource';
    case 'items':
      return parent === 'downwardAPI' ? 'DownwardAPIVolumeFile' : 'KeyToPath';
    case 'resources':
      return 'ResourceRequirements';
    default:
      return undefined;
  }
}
