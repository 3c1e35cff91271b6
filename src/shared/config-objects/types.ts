/**
 * ConfigMaps and Secrets (core/v1, k8s.io/api/core/v1/types.go), as kjob stores and serves them. Types only, so
 * the client, the worker and the workflow bundle import them freely. Pods read them on their worker at pod start
 * (activities/pod-config/), never through the Job's workflow.
 */
import type { ObjectMeta } from '../kubernetes-types.js';

/** What the API server keeps of every stored ConfigMap or Secret besides ObjectMeta's own fields. */
export interface StoredObjectMeta extends ObjectMeta {
  /** Changes on every write; a replace may name the version it read (optimistic concurrency). */
  resourceVersion: string;
}

export interface ConfigMapObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: StoredObjectMeta;
  /** UTF-8 values by key. */
  data?: Record<string, string>;
  /** Values by key, base64 (as the API returns them). */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: StoredObjectMeta;
  /** `Opaque` unless given (`kubernetes.io/dockerconfigjson`, `kubernetes.io/basic-auth`, …). */
  type: string;
  /** Values by key, base64 (as the API returns them; `stringData` is merged in on write and never stored). */
  data?: Record<string, string>;
  immutable?: boolean;
}

export type ConfigObject = ConfigMapObject | SecretObject;
export type ConfigObjectKind = ConfigObject['kind'];

/**
 * Where a pod run reads the ConfigMaps and Secrets its spec refers to (env, envFrom, volumes, imagePullSecrets):
 * the current object, or `undefined` when there is none of that name. The worker's implementation asks the
 * cluster's Temporal at each pod start, so a changed ConfigMap is seen by the next pod.
 */
export interface ConfigObjectSource {
  configMap(namespace: string, name: string): Promise<ConfigMapObject | undefined>;
  secret(namespace: string, name: string): Promise<SecretObject | undefined>;
}
