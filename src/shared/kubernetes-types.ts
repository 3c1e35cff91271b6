/**
 * The Kubernetes-shaped objects kjob hands out: a `batch/v1` Job with defaults applied, its JobStatus, and pod
 * records. Plain types and the constant names they use, with no other code, so workflow code can import them.
 */
import type { CompletionMode, Container, EnvVar, Volume } from './manifest/schema.js';

export type { CompletionMode, Container, EnvVar, Volume };

/** spec.managedBy of Jobs that Kubernetes' built-in Job controller reconciles; kjob is that controller. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export interface ObjectMeta {
  name: string;
  namespace: string;
  /** Assigned on create. */
  uid: string;
  /** RFC 3339, assigned on create. */
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    restartPolicy: 'Never' | 'OnFailure';
    containers: Container[];
    initContainers?: Container[];
    /** Seconds from SIGTERM to SIGKILL when a pod is terminated. Default 30. */
    terminationGracePeriodSeconds: number;
    /** Pod-level deadline, counted from the pod's start (not the Job's). */
    activeDeadlineSeconds?: number;
    volumes?: Volume[];
    /** Secrets that authenticate the pods' image pulls (read on the worker at each pull, never copied here). */
    imagePullSecrets?: { name: string }[];
  };
}

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status: 'True' | 'False' | 'Unknown' }[];
}

export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/** A Job's spec after Kubernetes' defaults (`pkg/apis/batch/v1/defaults.go`). */
export interface JobSpec {
  parallelism: number;
  /** `null` means work-queue mode: done once any pod succeeded and none is active. */
  completions: number | null;
  completionMode: CompletionMode;
  backoffLimit: number;
  activeDeadlineSeconds?: number;
  suspend: boolean;
  /** Indexed only: failures an index may have before it is marked failed. */
  backoffLimitPerIndex?: number;
  /** Indexed only, with backoffLimitPerIndex: failed indexes the Job tolerates. */
  maxFailedIndexes?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  successPolicy?: { rules: SuccessPolicyRule[] };
  /** Seconds after the Job finishes until it and its pod records are deleted. */
  ttlSecondsAfterFinished?: number;
  /** Failed when a podFailurePolicy is set, TerminatingOrFailed otherwise. */
  podReplacementPolicy: 'TerminatingOrFailed' | 'Failed';
  /** Only Kubernetes' own Job controller, which kjob is, may manage a kjob Job. */
  managedBy?: typeof JOB_CONTROLLER_NAME;
  template: PodTemplateSpec;
}

export const JobConditionType = {
  Complete: 'Complete',
  Failed: 'Failed',
  FailureTarget: 'FailureTarget',
  SuccessCriteriaMet: 'SuccessCriteriaMet',
  Suspended: 'Suspended',
} as const;
export type JobConditionType = (typeof JobConditionType)[keyof typeof JobConditionType];

export const JobReason = {
  PodFailurePolicy: 'PodFailurePolicy',
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
  SuccessPolicy: 'SuccessPolicy',
  CompletionsReached: 'CompletionsReached',
} as const;
export type JobReason = (typeof JobReason)[keyof typeof JobReason];

export interface JobCondition {
  type: JobConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

/**
 * Kubernetes' JobStatus. As in Kubernetes, `active`, `succeeded`, `failed` and `completedIndexes` are left out
 * when zero or empty; `ready` and `terminating` are always written.
 */
export interface JobStatus {
  active?: number;
  ready: number;
  terminating: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  /** Set (possibly `""`) exactly when spec.backoffLimitPerIndex is set. */
  failedIndexes?: string;
  startTime?: string;
  completionTime?: string;
  conditions?: JobCondition[];
  uncountedTerminatedPods: Record<string, never>;
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status?: JobStatus;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerStatus {
  name: string;
  image: string;
  restartCount: number;
  state:
    | { waiting: { reason: string; message?: string } }
    | { running: { startedAt: string } }
    | { terminated: { exitCode: number; reason: string; message?: string; startedAt?: string; finishedAt?: string } };
}

/** A pod as `kubectl get pod -o json` shows it, limited to what kjob tracks; times are on the workflow's clock. */
export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: { hostname: string; restartPolicy: 'Never' | 'OnFailure'; nodeName?: string };
  status: {
    phase: PodPhase;
    reason?: string;
    message?: string;
    startTime?: string;
    conditions?: { type: string; status: 'True' | 'False'; reason?: string; message?: string; lastTransitionTime: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** A container's log as kept by kjob: the tail, and how many bytes were dropped before it. */
export interface ContainerLog {
  container: string;
  text: string;
  truncatedBytes: number;
}

/** An event of the Job, as `kubectl get events` shows it (source: job-controller). */
export interface JobEvent {
  type: 'Normal' | 'Warning';
  /** The object the event is about when it is not the Job: one of its pods (the kubelet's Pulling, BackOff…). */
  involvedObject?: { kind: 'Pod'; name: string };
  /** SuccessfulCreate, SuccessfulDelete, Completed, BackoffLimitExceeded, DeadlineExceeded, … */
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
}
