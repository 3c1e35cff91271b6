/**
 * `TemporalConfigObjectSource`: where a worker's pods read the ConfigMaps and Secrets they name, from the
 * objects' workflows on the cluster's Temporal (activities pass `Context.current().client`). Concurrent reads of
 * one object share one query; nothing is kept after a read, so the next pod sees a changed object.
 */
import type { Client } from '@temporalio/client';
import type { ConfigMapObject, ConfigObject, ConfigObjectSource, SecretObject } from '../shared/config-objects/types.js';
import { configMapWorkflowId, secretWorkflowId } from '../shared/protocol/names.js';
import { readConfigObject } from './config-object-read.js';

export class TemporalConfigObjectSource implements ConfigObjectSource {
  private readonly reading = new Map<string, Promise<ConfigObject | undefined>>();

  constructor(private readonly client: Client) {}

  async configMap(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    const object = await this.read(configMapWorkflowId(namespace, name));
    return object?.kind === 'ConfigMap' ? object : undefined;
  }

  async secret(namespace: string, name: string): Promise<SecretObject | undefined> {
    const object = await this.read(secretWorkflowId(namespace, name));
    return object?.kind === 'Secret' ? object : undefined;
  }

  private read(workflowId: string): Promise<ConfigObject | undefined> {
    let read = this.reading.get(workflowId);
    if (!read) {
      read = readConfigObject(this.client, workflowId).finally(() => this.reading.delete(workflowId));
      this.reading.set(workflowId, read);
    }
    return read;
  }
}
