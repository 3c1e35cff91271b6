/** Downward-API `fieldRef` paths a pod's env may use, and how kjob resolves them. */
import type { Container, Volume } from './schema.js';

/** The field paths Kubernetes accepts for env `fieldRef` (pkg/apis/core/validation validEnvDownwardAPIFieldPathExpressions). */
export const KUBERNETES_ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;

/** The subset kjob resolves; the others are Kubernetes features it has no equivalent for yet. */
export const KJOB_ENV_FIELD_PATHS: readonly string[] = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'status.hostIP',
  'status.podIP',
];

/** `metadata.labels['key']` or `metadata.annotations['key']`. */
export const SUBSCRIPTED_FIELD_PATH = /^metadata\.(labels|annotations)\['([^']*)'\]$/;

export interface FieldRefSource {
  podName: string;
  namespace: string;
  podUid: string;
  nodeName: string;
  hostIP: string;
  podIP: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function resolveFieldRef(fieldPath: string, pod: FieldRefSource): string {
  const subscripted = SUBSCRIPTED_FIELD_PATH.exec(fieldPath);
  if (subscripted) {
    const [, map, key = ''] = subscripted;
    return (map === 'labels' ? pod.labels : pod.annotations)[key] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.podName;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.podUid;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'status.hostIP':
      return pod.hostIP;
    case 'status.podIP':
      return pod.podIP;
    case 'metadata.labels':
      return formatMap(pod.labels);
    case 'metadata.annotations':
      return formatMap(pod.annotations);
    default:
      throw new Error(`unsupported fieldRef ${fieldPath}`);
  }
}

/** fieldpath.FormatMap: `key="value"` lines in key order, as a downwardAPI volume file holds a whole map. */
function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${JSON.stringify(map[key])}`)
    .join('\n');
}

/**
 * Whether a pod reads its own labels or annotations through the downward API (env or a downwardAPI volume): only
 * then do they travel with each pod run.
 */
export function readsPodMetadata(spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[] }): boolean {
  const readsMetadata = (fieldPath: string | undefined) => fieldPath !== undefined && /^metadata\.(labels|annotations)\b/.test(fieldPath);
  const containers = [...spec.containers, ...(spec.initContainers ?? [])];
  return (
    containers.some((c) => c.env?.some((e) => readsMetadata(e.valueFrom?.fieldRef?.fieldPath))) ||
    (spec.volumes ?? []).some((v) => v.downwardAPI?.items?.some((item) => readsMetadata(item.fieldRef?.fieldPath)))
  );
}
