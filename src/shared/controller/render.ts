/**
 * The controller's state rendered as the Kubernetes objects kubectl shows: the Job with its status
 * (pkg/controller/job, the status syncJob writes), and its pods with their container statuses (as the kubelet
 * reports them).
 */
import type { ContainerStatus, Job, JobStatus, Pod } from '../kubernetes-types.js';
import { formatIndexIntervals } from './intervals.js';
import { podAnnotations, podHostname, podLabels } from './pod-identity.js';
import { activePods, isTerminal, isTerminating, type JobControllerState, type PodRecord } from './state.js';
import { rfc3339 } from './timestamps.js';

export function renderJobStatus(state: JobControllerState): JobStatus {
  const active = activePods(state);
  const terminating = state.pods.filter(isTerminating).length;
  const status: JobStatus = {
    ...(active.length > 0 ? { active: active.length } : {}),
    ready: active.filter((p) => p.containersRunning).length,
    terminating,
    ...(state.succeeded > 0 ? { succeeded: state.succeeded } : {}),
    ...(state.failed > 0 ? { failed: state.failed } : {}),
    uncountedTerminatedPods: {},
  };
  if (state.job.spec.completionMode === 'Indexed' && state.completedSlots.size > 0) {
    status.completedIndexes = formatIndexIntervals(state.completedSlots);
  }
  if (state.job.spec.backoffLimitPerIndex !== undefined) status.failedIndexes = formatIndexIntervals(state.failedSlots);
  if (state.startTime !== null) status.startTime = rfc3339(state.startTime);
  if (state.completionTime !== null) status.completionTime = rfc3339(state.completionTime);
  if (state.conditions.length > 0) status.conditions = state.conditions.map((c) => ({ ...c }));
  return status;
}

export function renderJob(state: JobControllerState): Job {
  return { ...state.job, status: renderJobStatus(state) };
}

function containerStatuses(state: Pick<JobControllerState, 'job'>, pod: PodRecord, init: boolean): ContainerStatus[] {
  const spec = state.job.spec.template.spec;
  const containers = (init ? spec.initContainers : spec.containers) ?? [];
  return containers.map((container) => {
    const result = pod.lastRun.find((r) => r.name === container.name && r.init === init);
    const restartCount = init ? 0 : pod.restartCount;
    let statusState: ContainerStatus['state'];
    const waiting = pod.waiting?.find((w) => w.container === container.name);
    if (waiting) {
      statusState = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
    } else if (pod.restartAt !== null && result && result.exitCode !== 0) {
      statusState = { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${container.name}` } };
    } else if (result) {
      statusState = {
        terminated: {
          exitCode: result.exitCode,
          reason: result.reason,
          ...(result.message ? { message: result.message } : {}),
          ...(pod.startedAt !== null ? { startedAt: rfc3339(pod.startedAt) } : {}),
          ...(pod.finishedAt !== null ? { finishedAt: rfc3339(pod.finishedAt) } : {}),
        },
      };
    } else if (pod.containersRunning && pod.startedAt !== null) {
      statusState = { running: { startedAt: rfc3339(pod.startedAt) } };
    } else {
      statusState = { waiting: { reason: isTerminal(pod) ? 'PodTerminated' : 'ContainerCreating' } };
    }
    return { name: container.name, image: container.image ?? '', restartCount, state: statusState };
  });
}

export function renderPod(state: Pick<JobControllerState, 'job'>, pod: PodRecord): Pod {
  const { job } = state;
  const initStatuses = containerStatuses(state, pod, true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: job.metadata.namespace,
      creationTimestamp: rfc3339(pod.createdAt),
      ...(pod.deletionRequestedAt !== null ? { deletionTimestamp: rfc3339(pod.deletionRequestedAt) } : {}),
      labels: podLabels(job, pod.index),
      annotations: podAnnotations(job, pod),
    },
    spec: {
      hostname: podHostname(job, pod),
      restartPolicy: job.spec.template.spec.restartPolicy,
      ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
    },
    status: {
      phase: pod.phase,
      ...(pod.reason ? { reason: pod.reason } : {}),
      ...(pod.message ? { message: pod.message } : {}),
      ...(pod.startedAt !== null ? { startTime: rfc3339(pod.startedAt) } : {}),
      ...(pod.disruption
        ? {
            conditions: [
              {
                type: 'DisruptionTarget',
                status: 'True' as const,
                reason: pod.disruption.reason,
                message: pod.disruption.message,
                lastTransitionTime: rfc3339(pod.disruption.at),
              },
            ],
          }
        : {}),
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: containerStatuses(state, pod, false),
    },
  };
}

export function renderPods(state: JobControllerState): Pod[] {
  return state.pods.map((pod) => renderPod(state, pod));
}
