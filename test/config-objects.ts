/**
 * ConfigMaps and Secrets a test puts, changes and removes while pods read them: in memory, for the pod runner's
 * own tests, or stored in Temporal as `kjob apply` stores them.
 */
import { ConfigMapClient, SecretClient } from '../src/client/config-object-client.js';
import type { JobClientOptions } from '../src/client/job-client.js';
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

/**
 * The same verbs on the objects kjob stores in Temporal (ConfigMapClient, SecretClient): what a worker with its
 * default source reads, so a test through it runs end to end, from `apply` to the pod.
 */
export class StoredConfigObjects {
  constructor(readonly clients: { configMaps: ConfigMapClient; secrets: SecretClient }) {}

  /** On the server the options name, with clients of its own (closed by `close()`). */
  static connect(options: JobClientOptions): StoredConfigObjects {
    return new StoredConfigObjects({ configMaps: new ConfigMapClient(options), secrets: new SecretClient(options) });
  }

  async putConfigMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>, namespace = 'default'): Promise<void> {
    await this.clients.configMaps.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data, ...(binaryData ? { binaryData } : {}) });
  }

  /** `values` in plain text, sent as `data` (base64). */
  async putSecret(name: string, values: Record<string, string | Buffer>, type = 'Opaque', namespace = 'default'): Promise<void> {
    const data = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    await this.clients.secrets.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type, data });
  }

  async remove(kind: 'ConfigMap' | 'Secret', name: string, namespace = 'default'): Promise<void> {
    await (kind === 'ConfigMap' ? this.clients.configMaps : this.clients.secrets).delete(name, { namespace });
  }

  async close(): Promise<void> {
    await Promise.all([this.clients.configMaps.close(), this.clients.secrets.close()]);
  }
}
