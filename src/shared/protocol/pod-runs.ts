/**
 * What passes between the Job workflow, its pod activities and pod runner shards, and the worker's settings for
 * its Jobs (the workflow's own input and result are in job-workflow.ts). Plain data only: it crosses Temporal's
 * payload converter and the workflow sandbox.
 */
import type { ContainerLog, ObjectMeta, PodTemplateSpec } from '../kubernetes-types.js';

/** Settings a worker imposes on the Jobs it runs, read once per Job through a local activity. */
export interface ControllerSettings {
  /** First pod-recreation delay (Kubernetes: 10 s). */
  podBackoffBaseSeconds: number;
  /** Cap of the pod-recreation delay (Kubernetes docs: 6 min; the controller code: 10 min). */
  podBackoffCapSeconds: number;
  /** A pod whose worker stops heartbeating for this long is lost (Failed, DisruptionTarget). */
  podHeartbeatTimeoutSeconds: number;
  /** Log bytes kept per Job across its pods; the oldest finished pods' logs go first. */
  jobLogBudgetBytes: number;
  /**
   * History length at which a Job's workflow drains its pod runs and continues as new (Temporal warns at 10,240
   * events and stops a workflow at 51,200). Absent in settings recorded by older workers: the default applies.
   */
  continueAsNewAfterEvents?: number;
  /**
   * Pod runs a Job's workflow holds itself (Temporal refuses more than 2,000 pending activities per workflow by
   * default); the runs beyond go to pod runner shards, child workflows of their own. Absent: the default.
   */
  maxPodRunsPerWorkflow?: number;
  /** Runs a shard takes before it is closed and a fresh one takes over (keeps its history short). */
  maxRunsPerShard?: number;
  /**
   * Pods of one Job in flight at most, whatever its parallelism: the Job's state, every unfinished pod with it,
   * must fit in one continue-as-new input (Temporal refuses payloads over 2 MB). Absent in settings recorded by
   * older workers: no cap, as those Jobs ran.
   */
  maxPodsInFlight?: number;
  /**
   * Combine a Job's many events of one reason as client-go does (conditions-and-events.ts). Absent in settings
   * recorded by older workers: their Jobs keep every event, as they did.
   */
  combineSimilarEvents?: boolean;
  /**
   * The worker's server is Temporal's time-skipping test server (kjob/testing), whose faults the workflow works
   * around: pods are stopped through the worker that runs them rather than by cancelling their activities
   * (workflows/pod-cancel.ts), and a finished Job's TTL workflow is started by a local activity rather than as
   * a child (workflows/job-run.ts). Absent elsewhere.
   */
  timeSkippingTestServer?: boolean;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  podBackoffBaseSeconds: 10,
  podBackoffCapSeconds: 360,
  podHeartbeatTimeoutSeconds: 10,
  jobLogBudgetBytes: 512 * 1024,
  continueAsNewAfterEvents: 10_000,
  maxPodRunsPerWorkflow: 1_000,
  maxRunsPerShard: 500,
  maxPodsInFlight: 2_000,
  combineSimilarEvents: true,
};

/** How a pod run ended, as the workflow running it saw it (reported by a shard to its Job). */
export type PodRunOutcome =
  | { kind: 'exited'; result: PodRunResult | PodRunResultWire }
  | { kind: 'lost'; message: string }
  | { kind: 'aborted'; message: string };

export interface PodRunEndedSignal {
  podName: string;
  shardId: string;
  outcome: PodRunOutcome;
}

export interface PodShardInput {
  jobWorkflowId: string;
  settings: ControllerSettings;
}

/**
 * What a pod run needs of its Job: who owns the pod and the pod template's spec. Not the whole Job, which every
 * pod's activity input would carry into the history. A whole Job (what older kjob versions sent) also fits.
 */
export interface PodOwner {
  metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'uid'>;
  spec: { template: { spec: PodTemplateSpec['spec'] } };
}

/** One run of a pod's containers: a new pod, or an in-place restart of an OnFailure pod. */
export interface PodRunInput {
  workflowId: string;
  job: PodOwner;
  podName: string;
  podUid: string;
  /** Completion index for Indexed Jobs. */
  index: number | null;
  restartCount: number;
  /** The pod's labels and annotations, only when its spec reads them (downward API): they cost every run's history. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hostname: string;
  /** Stable for (job uid, index or NonIndexed slot) across replacements and re-runs. */
  podKey: string;
  /** Unique per pod and container run. */
  attemptKey: string;
  /** Pod-level activeDeadlineSeconds left for this run, in ms (the pod's first start counts). */
  podDeadlineMs?: number;
}

/**
 * A pod run and its result as they cross the history (pod-run-wire.ts expands them): what the worker can work
 * out for itself is left out.
 */
/** A pod's owner (its Job's identity and pod template) by reference: a hash the Job's workflow answers QUERY_POD_TEMPLATE for. */
export interface PodOwnerRef {
  ownerRef: string;
}

/** A pod run as the workflow schedules it: a PodRunInput without what the worker derives. */
export type PodRunRequest = Omit<PodRunInput, 'workflowId' | 'job' | 'hostname' | 'podKey' | 'attemptKey' | 'restartCount'> & {
  /** Absent: 0, the pod's first run. */
  restartCount?: number;
  /** The Job's workflow; absent: the activity's own (a shard's pod runs name their Job's). */
  workflowId?: string;
  job: PodOwner | PodOwnerRef;
  /** NonIndexed pods' slot (Indexed pods: their index); it makes the pod's keys. */
  slot?: number;
} & Partial<Pick<PodRunInput, 'hostname' | 'podKey' | 'attemptKey'>>;

/** A pod run's result as the worker returns it: what the pod's spec says is left out. */
export type PodRunResultWire = Omit<PodRunResult, 'containers' | 'logs' | 'terminated'> & {
  /** `reason` absent: the usual one for the exit code (Completed for 0, else Error). */
  containers: (Omit<ContainerResult, 'image' | 'init' | 'reason'> & Partial<Pick<ContainerResult, 'image' | 'init' | 'reason'>>)[];
  /** Absent, or without a container's entry: its log was empty. */
  logs?: PodRunResult['logs'];
  terminated?: boolean;
};

/**
 * Many short pods in one activity (workflows/pod-batches.ts): one owner for all, one entry per pod, results in
 * the same order. The pods keep everything a pod run has (their own keys, deadline, termination, result).
 */
export interface PodBatchRequest {
  /** Unique in the Job: the batch's stops are asked for by it (QUERY_POD_RUN_STOPS). */
  batchId: string;
  /** The Job's workflow; absent: the activity's own. */
  workflowId?: string;
  job: PodOwner | PodOwnerRef;
  pods: Omit<PodRunRequest, 'job' | 'workflowId'>[];
}

/** How one pod of a batch ended: its result, or kjob failed to run it (the pod counts as failed, Error). */
export type PodBatchEntry = { result: PodRunResultWire } | { aborted: string };

export interface PodBatchResult {
  results: PodBatchEntry[];
}

/**
 * A batch's heartbeat: the pods that ended so far (by position, without their logs), so a worker lost with the
 * batch loses only the pods it still held; and the running pods' own details (logs for `kjob logs -f`).
 */
export interface PodBatchHeartbeat {
  batchId: string;
  ended: [number, PodBatchEntry][];
  pods: PodHeartbeatDetails[];
}

/** Pods of a running batch that ended (by position, in full): its worker's signal to the Job's workflow. */
export type PodBatchEnded = Omit<PodBatchHeartbeat, 'pods'>;

/**
 * What a running pod's heartbeat carries: the end of each running container's log, so `kjob logs -f` can show
 * output as it is written (read from the pending activity, without adding to the workflow's history).
 */
export interface PodHeartbeatDetails {
  pod: string;
  restartCount: number;
  logs: { container: string; totalBytes: number; tail: string }[];
  /** What a handler last passed to `ctx.heartbeat` (bounded). */
  progress?: unknown;
}

export interface ContainerResult {
  name: string;
  image: string;
  init: boolean;
  exitCode: number;
  /** Kubernetes' terminated reasons: Completed, Error, StartError, OOMKilled… */
  reason: string;
  message?: string;
}

export interface PodRunResult {
  /** Containers that ran, init containers first; containers that never started are absent. */
  containers: ContainerResult[];
  logs: ContainerLog[];
  /** The host the pod ran on (Kubernetes' spec.nodeName). */
  nodeName: string;
  /** The run was stopped by a termination request. */
  terminated: boolean;
  /** The pod-level activeDeadlineSeconds ran out and the kubelet-like runner killed the pod. */
  deadlineExceeded?: boolean;
  /** How long before the result the containers started (after the init containers); absent if they never did. */
  containersStartedMsAgo?: number;
  /** The kubelet's events of this run not yet reported (Pulled…). */
  events?: PodEventReport[];
  /** A main container never started (the pod was stopped while its image was being pulled). */
  containersNotStarted?: true;
}

export interface PodStartedSignal {
  podName: string;
  restartCount: number;
  nodeName: string;
  /** How long the containers had been running when the signal was sent (it is sent a heartbeat interval late). */
  runningForMs?: number;
  /** The kubelet's events of this run not yet reported (Pulled…). */
  events?: PodEventReport[];
}

/** An event the worker records about a pod, as the kubelet does (Pulling, Pulled, Failed, BackOff…). */
export interface PodEventReport {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** When it (last) happened, on the worker's clock (epoch ms). */
  at: number;
  /** How often it happened since the last report (absent: once). */
  count?: number;
}

/** A container of the pod that is not running yet, and why (ContainerCreating, ErrImagePull, ImagePullBackOff…). */
export interface ContainerWaiting {
  container: string;
  reason: string;
  message?: string;
}

/**
 * A pod run's state before its containers start, sent when it changes in a way kubectl shows: an image pull
 * that fails (the pod stays Pending and the kubelet retries), or one still going after a heartbeat interval.
 * A pod that starts at once reports its events with its start or its result instead, at no extra cost.
 */
export interface PodStatusSignal {
  podName: string;
  restartCount: number;
  nodeName: string;
  /** The containers waiting now; an empty list: none is (the pull succeeded). */
  waiting: ContainerWaiting[];
  events: PodEventReport[];
}

export function podSucceeded(result: PodRunResult): boolean {
  // As in Kubernetes, a container that exits 0 after SIGTERM still makes a Succeeded pod.
  // A pod with a container that never started did not succeed, whatever its other containers did.
  return !result.containersNotStarted && result.containers.some((c) => !c.init) && result.containers.every((c) => c.exitCode === 0);
}
