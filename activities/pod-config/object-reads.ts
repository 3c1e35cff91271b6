/**
 * A pod's reads of the ConfigMaps and Secrets its spec names, in its own namespace, as the kubelet's
 * configMapManager and secretManager serve them (pkg/kubelet/configmap, pkg/kubelet/secret): the object, or
 * nothing when there is none. A read that fails is a PodConfigError, retried with the pod's other config errors.
 * Messages name objects and keys only, never a value.
 */
import type { ConfigMapObject, ConfigObjectSource, SecretObject } from '../../src/shared/config-objects/types.js';

/** What keeps a container (or the pod's volumes) from starting until it is fixed: the kubelet retries it. */
export class PodConfigError extends Error {}

/** apierrors.NewNotFound for the kubelet's managers (`corev1.Resource("secret")`, `"configmap"`). */
export const notFoundMessage = (kind: 'secret' | 'configmap', name: string): string => `${kind} "${name}" not found`;

export class PodObjects {
  /** One read per object for one resolution (a container's env, a pod's volumes), as the kubelet's map does. */
  private readonly read = new Map<string, Promise<ConfigMapObject | SecretObject | undefined>>();

  constructor(
    private readonly source: ConfigObjectSource,
    readonly namespace: string,
  ) {}

  /** A fresh view: the next resolution reads the objects again (a changed ConfigMap is seen at the next try). */
  fresh(): PodObjects {
    return new PodObjects(this.source, this.namespace);
  }

  configMap(name: string): Promise<ConfigMapObject | undefined> {
    return this.once('configMap', name, () => this.source.configMap(this.namespace, name));
  }

  secret(name: string): Promise<SecretObject | undefined> {
    return this.once('secret', name, () => this.source.secret(this.namespace, name));
  }

  private once<T extends ConfigMapObject | SecretObject>(kind: 'configMap' | 'secret', name: string, get: () => Promise<T | undefined>): Promise<T | undefined> {
    const key = `${kind}/${name}`;
    const earlier = this.read.get(key) as Promise<T | undefined> | undefined;
    if (earlier) return earlier;
    const read = get().catch((error: unknown) => {
      throw new PodConfigError(`couldn't get ${kind} ${this.namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.read.set(key, read);
    return read;
  }
}

/** A Secret's value as bytes (the API's base64). */
export const secretBytes = (base64: string): Buffer => Buffer.from(base64, 'base64');
