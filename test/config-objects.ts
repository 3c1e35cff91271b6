/**
 * An in-memory ConfigObjectSource for tests: ConfigMaps and Secrets the test puts, changes and removes while pods
 * read them (the worker's real source, on Temporal, comes with the objects' own storage).
 */
import type { ConfigMapObject, ConfigObjectSource, SecretObject } from '../src/shared/config-objects/types.js';

let version = 0;
const meta = (namespace: string, name: string) => ({
  name,
  namespace,
  uid: `uid-${name}`,
  creationTimestamp: new Date().toISOString(),
  resourceVersion: String(++version),
});

export class InMemoryConfigObjects implements ConfigObjectSource {
  private readonly configMaps = new Map<string, ConfigMapObject>();
  private readonly secrets = new Map<string, SecretObject>();
  /** Every read, `kind namespace/name`: a test sees what the pods asked for. */
  readonly reads: string[] = [];

  putConfigMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>, namespace = 'default'): void {
    this.configMaps.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(namespace, name), data, ...(binaryData ? { binaryData } : {}) });
  }

  /** `values` in plain text; stored base64, as the API keeps Secret data. */
  putSecret(name: string, values: Record<string, string | Buffer>, type = 'Opaque', namespace = 'default'): void {
    const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    this.secrets.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'Secret', metadata: meta(namespace, name), type, data });
  }

  remove(kind: 'ConfigMap' | 'Secret', name: string, namespace = 'default'): void {
    (kind === 'ConfigMap' ? this.configMaps : this.secrets).delete(`${namespace}/${name}`);
  }

  async configMap(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    this.reads.push(`ConfigMap ${namespace}/${name}`);
    return this.configMaps.get(`${namespace}/${name}`);
  }

  async secret(namespace: string, name: string): Promise<SecretObject | undefined> {
    this.reads.push(`Secret ${namespace}/${name}`);
    return this.secrets.get(`${namespace}/${name}`);
  }
}
