/**
 * The values a container's env takes from ConfigMaps and Secrets, read as the kubelet's makeEnvironmentVariables
 * reads them (pkg/kubelet/kubelet_pods.go): envFrom first, in order, each key under its prefix (a later source
 * overrides an earlier one); then each env var's configMapKeyRef or secretKeyRef. Secret values are decoded from
 * base64. An optional object or key that is missing leaves its variables out; a missing one that is not optional
 * is the container's CreateContainerConfigError, in the kubelet's words.
 */
import type { Container } from '../../src/shared/kubernetes-types.js';
import { envVarNameErrors } from '../../src/shared/manifest/name-rules.js';
import type { PodStatus } from '../pod-status.js';
import { notFoundMessage, PodConfigError, secretBytes, type PodObjects } from './object-reads.js';

export interface EnvSources {
  /** The variables envFrom gives, before the container's own env. */
  fromObjects: Record<string, string>;
  /** By env index: the value of that variable's key ref, or undefined when it is optional and missing. */
  keyRefs: Map<number, string | undefined>;
}

/** Whether the container's env reads any ConfigMap or Secret (most do not, and skip the reads). */
export function readsConfigObjects(container: Container): boolean {
  return (container.envFrom?.length ?? 0) > 0 || (container.env ?? []).some((v) => v.valueFrom?.configMapKeyRef || v.valueFrom?.secretKeyRef);
}

export async function readEnvSources(container: Container, objects: PodObjects, status: Pick<PodStatus, 'event'>): Promise<EnvSources> {
  const { namespace } = objects;
  const fromObjects: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const kind = source.configMapRef ? 'configMap' : 'secret';
    const values = await objectValues(objects, kind, ref.name);
    if (!values) {
      if (ref.optional === true) continue;
      throw new PodConfigError(notFoundMessage(kind === 'configMap' ? 'configmap' : 'secret', ref.name));
    }
    const invalid: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      const name = `${source.prefix ?? ''}${key}`;
      // The names Kubernetes 1.34 accepts for variables (RelaxedEnvironmentVariableValidation); a stored key
      // always is one, so this guards objects from elsewhere (a key with '=' would corrupt the environment).
      if (envVarNameErrors(name).length > 0) invalid.push(name);
      else fromObjects[name] = value;
    }
    if (invalid.length > 0) {
      status.event(
        'Warning',
        'InvalidEnvironmentVariableNames',
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${kind} ${namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }
  const keyRefs = new Map<number, string | undefined>();
  for (const [i, variable] of (container.env ?? []).entries()) {
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    // A non-empty value wins over valueFrom in the kubelet (validation refuses both together anyway).
    if (!ref || variable.value) continue;
    const isConfigMap = variable.valueFrom?.configMapKeyRef !== undefined;
    const values = await objectValues(objects, isConfigMap ? 'configMap' : 'secret', ref.name);
    const optional = ref.optional === true;
    if (!values) {
      if (optional) keyRefs.set(i, undefined);
      else throw new PodConfigError(notFoundMessage(isConfigMap ? 'configmap' : 'secret', ref.name));
      continue;
    }
    if (Object.hasOwn(values, ref.key)) keyRefs.set(i, values[ref.key]);
    else if (optional) keyRefs.set(i, undefined);
    else throw new PodConfigError(`couldn't find key ${ref.key} in ${isConfigMap ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`);
  }
  return { fromObjects, keyRefs };
}

/** A ConfigMap's data (the kubelet's env reads no binaryData), or a Secret's data decoded; undefined when missing. */
async function objectValues(objects: PodObjects, kind: 'configMap' | 'secret', name: string): Promise<Record<string, string> | undefined> {
  if (kind === 'configMap') {
    const configMap = await objects.configMap(name);
    return configMap ? { ...configMap.data } : undefined;
  }
  const secret = await objects.secret(name);
  if (!secret) return undefined;
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, secretBytes(value).toString('utf8')]));
}
