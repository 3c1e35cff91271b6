/**
 * A ConfigMap or Secret manifest as the API server stores it on create or update: identity assigned (or kept),
 * empty maps left out (omitempty), a Secret's `stringData` merged into `data` as base64 and dropped, its type
 * `Opaque` unless given (SetDefaults_Secret).
 */
import { DEFAULT_NAMESPACE, randomNameSuffix } from '../manifest/defaults.js';
import { base64Encode } from './base64.js';
import type { ConfigMapManifest, SecretManifest } from './schema.js';
import type { ConfigMapObject, SecretObject, StoredObjectMeta } from './types.js';
import { SECRET_TYPES, secretBytes } from './validate.js';

export interface Identity {
  uid: string;
  creationTimestamp: string;
  /** Of the client, for a manifest that names none. */
  namespace: string;
  resourceVersion: string;
  random: () => number;
}

type Meta = ConfigMapManifest['metadata'];

function storedMeta(metadata: Meta, identity: Identity): StoredObjectMeta {
  const { labels, annotations } = metadata ?? {};
  return {
    name: metadata?.name || `${metadata?.generateName ?? ''}${randomNameSuffix(identity.random)}`,
    namespace: metadata?.namespace || identity.namespace || DEFAULT_NAMESPACE,
    uid: identity.uid,
    creationTimestamp: identity.creationTimestamp,
    resourceVersion: identity.resourceVersion,
    ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

const nonEmpty = <T extends object>(map: T | undefined): T | undefined => (map && Object.keys(map).length > 0 ? map : undefined);

export function materializeConfigMap(manifest: ConfigMapManifest, identity: Identity): ConfigMapObject {
  const data = nonEmpty(manifest.data);
  const binaryData = nonEmpty(manifest.binaryData);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: storedMeta(manifest.metadata, identity),
    ...(data ? { data } : {}),
    ...(binaryData ? { binaryData } : {}),
    ...(manifest.immutable !== undefined ? { immutable: manifest.immutable } : {}),
  };
}

export function materializeSecret(manifest: SecretManifest, identity: Identity): SecretObject {
  const bytes = [...secretBytes(manifest)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: storedMeta(manifest.metadata, identity),
    type: manifest.type || SECRET_TYPES.opaque,
    ...(bytes.length > 0 ? { data: Object.fromEntries(bytes.map(([key, value]) => [key, base64Encode(value)])) } : {}),
    ...(manifest.immutable !== undefined ? { immutable: manifest.immutable } : {}),
  };
}
