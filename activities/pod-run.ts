/** The worker's settings for the pod runner, and the state of one pod run its parts share. */
import type { ConfigObjectSource } from '../src/shared/config-objects/types.js';
import type { ContainerLog } from '../src/shared/kubernetes-types.js';
import type { FieldRefSource } from '../src/shared/manifest/field-refs.js';
import type { ContainerResult } from '../src/shared/protocol/pod-runs.js';
import type { ContainerRuntimes, PodRunContext } from './container-runtime.js';
import type { PodHeartbeat } from './pod-heartbeat.js';
import type { PodRunStops } from './pod-run-stops.js';
import type { PodStatus } from './pod-status.js';
import type { PodOwners } from './pod-owners.js';
import type { BatchStops } from './batch-stops.js';

export interface PodRunner {
  /** Where each pod run gets its scratch directory. */
  scratchRoot: string;
  /** Bytes of log kept per container (the tail). */
  logTailBytes: number;
  /** The worker host's name: the pods' spec.nodeName. */
  nodeName: string;
  /** The runtime for each kind of container. */
  runtimes: ContainerRuntimes;
  /** Where pods read the ConfigMaps and Secrets their specs name, at each start (never through the Job's workflow). */
  configObjects: ConfigObjectSource;
  /** How long a pod whose ConfigMap, Secret or key is missing waits before it tries again (the kubelet: 10 s). */
  configRetryMs: number;
  /** Memory-backed folder for the pods' secret volumes (the kubelet's tmpfs), removed with each pod run. */
  secretVolumeRoot: string;
  /** The pod owners pod runs name by hash, as this worker has read them from their Jobs' workflows. */
  owners: PodOwners;
  /** Batched pods stopped one by one, as their Jobs list them (batch-stops.ts). */
  batchStops: BatchStops;
  /** Runs stopped through this worker rather than by cancellation (worker option `timeSkippingTestServer`). */
  stops?: PodRunStops;
}

export interface PodRun extends PodRunContext {
  readonly runner: PodRunner;
  readonly heartbeat: PodHeartbeat;
  readonly status: PodStatus;
  /** What the downward API reads of the pod. */
  readonly fieldRefs: FieldRefSource;
  /** The containers that ran, init containers first, and their logs. */
  readonly results: ContainerResult[];
  readonly logs: ContainerLog[];
}
