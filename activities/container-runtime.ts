/**
 * The seam between a pod run and the ways kjob runs a container. Each runtime lives in a folder of its own
 * (runtimes/<name>/) and implements ContainerRuntime; the worker hands the pod runner one runtime per name that
 * containerRuntimeOf (src/shared/manifest/container-runtime.ts) gives. A new runtime is a new folder, a new name
 * there, and its line in the worker (src/worker/create-worker.ts); the pod runner does not change.
 */
import type { Container } from '../src/shared/kubernetes-types.js';
import type { ContainerRuntimeName } from '../src/shared/manifest/container-runtime.js';
import type { PodRunInput } from '../src/shared/protocol/pod-runs.js';
import type { ContainerExit } from './container-exit.js';
import type { LogTail } from './log-tail.js';
import type { LazyDirectory } from './pod-directories.js';
import type { PodObjects } from './pod-config/object-reads.js';
import type { PodHeartbeat } from './pod-heartbeat.js';
import type { PodStatus } from './pod-status.js';
import type { PodVolume } from './pod-volumes.js';

/** One run of a pod, as the runtimes of its containers see it (the same for all its containers). */
export interface PodRunContext {
  readonly input: PodRunInput;
  /** Aborts when the pod is terminated or passes its deadline: the runtime stops the container. */
  readonly stop: AbortSignal;
  /** terminationGracePeriodSeconds in ms: how long a stopped container has before it is killed. */
  readonly gracePeriodMs: number;
  /** The run's scratch directory, made on first use (shared by the pod's containers, removed with the run). */
  readonly scratch: LazyDirectory;
  /** The pod's volumes, set up on the host before its first container. */
  readonly volumes: ReadonlyMap<string, PodVolume>;
  /** Where a container's own progress reports go (a handler's ctx.heartbeat), with the pod's heartbeat. */
  readonly heartbeat: Pick<PodHeartbeat, 'handlerProgress'>;
  /** The ConfigMaps and Secrets of the pod's namespace (imagePullSecrets); `fresh()` for each new try. */
  readonly objects: PodObjects;
  /** The pod's state before its containers start, and the kubelet's events (an image pull). */
  readonly status: Pick<PodStatus, 'event' | 'wait' | 'ready'>;
}

/** One container to run, with what the kubelet works out for it. */
export interface ContainerRun {
  readonly pod: PodRunContext;
  readonly container: Container;
  /** The declared env, with `$(VAR)` expanded and field refs resolved, and JOB_COMPLETION_INDEX for Indexed Jobs. */
  readonly env: Record<string, string>;
  /** The container's args, with `$(VAR)` expanded. */
  readonly args: string[];
  /** The container's log: what it writes, and a start error's reason. */
  readonly log: LogTail;
}

export interface ContainerRuntime {
  /**
   * Runs the container to its end and reports its exit. A container this worker cannot start (the runtime is
   * off here, the container lacks what the runtime needs) ends with `startError(log, why)`. A rejection is kjob's
   * own failure; the pod runner reports it as that container's start error too.
   */
  run(run: ContainerRun): Promise<ContainerExit>;
}

/** The worker's runtimes: one for each name, so a container always has the runtime its manifest asks for. */
export type ContainerRuntimes = Readonly<Record<ContainerRuntimeName, ContainerRuntime>>;
