/**
 * The Job controller's state (what pkg/controller/job keeps in the Job's status and reads back from its pods), as
 * plain data over which the decisions (reconcile.ts, pod-lifecycle.ts) are deterministic functions, with no I/O:
 * the workflow feeds them pod events and the clock and carries out what they return; unit tests drive them directly.
 *
 * Pods are identified by a slot: the completion index for Indexed Jobs, and for NonIndexed Jobs a position in
 * 0..completions-1 (0..parallelism-1 in work-queue mode) that a replacement pod inherits. Slots give every pod
 * an idempotency key that is stable across replacements.
 */
import { emptyBackoffRecord, type BackoffRecord } from './backoff.js';
import type { ContainerLog, Job, JobCondition, JobEvent, PodPhase } from '../kubernetes-types.js';
import type { ContainerResult, ContainerWaiting, ControllerSettings } from '../protocol/pod-runs.js';

export interface PodRecord {
  name: string;
  uid: string;
  slot: number;
  /** Completion index (Indexed Jobs only). */
  index: number | null;
  phase: PodPhase;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  deletionRequestedAt: number | null;
  /** In-place container restarts (restartPolicy OnFailure), as the kubelet counts them. */
  restartCount: number;
  /** A run of the pod's containers is in flight (an activity was started and has not returned). */
  runInFlight: boolean;
  /** The containers are running (the worker reported the start of the current run). */
  containersRunning: boolean;
  /** The current run's containers waiting to start, as the worker reported them (an image pull backing off). */
  waiting?: ContainerWaiting[];
  /** OnFailure: the failed container is waiting to restart in place at this time. */
  restartAt: number | null;
  nodeName: string | null;
  lastRun: ContainerResult[];
  /** Counted in status.succeeded or status.failed, or ignored by the podFailurePolicy (each pod once). */
  counted: boolean;
  /** backoffLimitPerIndex: counted and ignored failures of this index before this pod (its annotations). */
  indexFailureCount: number;
  indexIgnoredCount: number;
  reason?: string;
  message?: string;
  /** Kubernetes' DisruptionTarget condition: the pod was lost with its worker. */
  disruption?: { reason: string; message: string; at: number };
}

/** A `ctx.once` key's record (once-records.ts decides over them). */
export interface OnceRecord {
  /** The index (or NonIndexed slot) whose pods asked for the key: its records go when it is finished. */
  slot: number;
  /** The attempt key of the pod run that claimed the key and has not committed. */
  holder: string | null;
  committed: boolean;
  /** The committed value (committed only). */
  value?: unknown;
}

export interface JobControllerState {
  job: Job;
  settings: ControllerSettings;
  startTime: number | null;
  completionTime: number | null;
  pods: PodRecord[];
  completedSlots: Set<number>;
  /** Indexes failed for good (backoffLimitPerIndex, FailIndex). */
  failedSlots: Set<number>;
  /** Failures per index, for backoffLimitPerIndex: counted, ignored, and when the last one happened. */
  slotFailures: Map<number, { counted: number; ignored: number; lastFailureAt: number }>;
  /** The message of the first failed pod that matched a FailJob rule. */
  failJobMessage: string | null;
  succeeded: number;
  failed: number;
  backoff: BackoffRecord;
  conditions: JobCondition[];
  finished: boolean;
  events: JobEvent[];
  logs: Map<string, ContainerLog[]>;
  logBytes: number;
  /** `ctx.once` records by key (once-records.ts). */
  onceRecords: Map<string, OnceRecord>;
}

/** Where the controller's randomness comes from (the workflow's deterministic sources). */
export interface IdSource {
  random: () => number;
  uuid: () => string;
}

export function newControllerState(job: Job, settings: ControllerSettings): JobControllerState {
  return {
    job,
    settings,
    startTime: null,
    completionTime: null,
    pods: [],
    completedSlots: new Set(),
    failedSlots: new Set(),
    slotFailures: new Map(),
    failJobMessage: null,
    succeeded: 0,
    failed: 0,
    backoff: emptyBackoffRecord(),
    conditions: [],
    finished: false,
    events: [],
    logs: new Map(),
    logBytes: 0,
    onceRecords: new Map(),
  };
}

//// Queries over the state

export const isTerminal = (pod: PodRecord) => pod.phase === 'Succeeded' || pod.phase === 'Failed';
/** Kubernetes' `active`: not terminal and not being deleted. */
export const isActive = (pod: PodRecord) => !isTerminal(pod) && pod.deletionRequestedAt === null;
export const isTerminating = (pod: PodRecord) => !isTerminal(pod) && pod.deletionRequestedAt !== null;

export function activePods(state: JobControllerState): PodRecord[] {
  return state.pods.filter(isActive);
}
