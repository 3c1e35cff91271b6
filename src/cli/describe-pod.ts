/** `kjob describe pod NAME` in kubectl's layout (k8s.io/kubectl/pkg/describe, PodDescriber), with the kubelet's events. */
import type { ContainerStatus, JobEvent, Pod } from '../shared/kubernetes-types.js';
import { eventsSection, field, keyValues, rfc1123z } from './describe.js';

function containerState(status: ContainerStatus): string[] {
  const { state } = status;
  if ('waiting' in state) {
    return [`    State:          Waiting`, `      Reason:       ${state.waiting.reason}`, ...(state.waiting.message ? [`      Message:      ${state.waiting.message}`] : [])];
  }
  if ('running' in state) return [`    State:          Running`, `      Started:      ${rfc1123z(state.running.startedAt)}`];
  const ended = state.terminated;
  return [
    `    State:          Terminated`,
    `      Reason:       ${ended.reason}`,
    ...(ended.message ? [`      Message:      ${ended.message}`] : []),
    `      Exit Code:    ${ended.exitCode}`,
    ...(ended.startedAt ? [`      Started:      ${rfc1123z(ended.startedAt)}`] : []),
    ...(ended.finishedAt ? [`      Finished:     ${rfc1123z(ended.finishedAt)}`] : []),
  ];
}

function containers(title: string, statuses: readonly ContainerStatus[] | undefined): string[] {
  if (!statuses?.length) return [];
  return [
    `${title}:`,
    ...statuses.flatMap((status) => [
      `  ${status.name}:`,
      `    Image:          ${status.image}`,
      ...containerState(status),
      `    Ready:          ${'running' in status.state ? 'True' : 'False'}`,
      `    Restart Count:  ${status.restartCount}`,
    ]),
  ];
}

/** `events`: the Job's events; those about this pod are shown. */
export function describePod(pod: Pod, events: readonly JobEvent[], now: number): string {
  const { metadata, spec, status } = pod;
  const lines = [
    field('Name', metadata.name, 14),
    field('Namespace', metadata.namespace, 14),
    field('Node', spec.nodeName ?? '<none>', 14),
    ...(status.startTime ? [field('Start Time', rfc1123z(status.startTime), 14)] : []),
    ...keyValues('Labels', metadata.labels, 14),
    field('Status', pod.metadata.deletionTimestamp ? 'Terminating' : status.phase, 14),
    ...(status.reason ? [field('Reason', status.reason, 14)] : []),
    ...(status.message ? [field('Message', status.message, 14)] : []),
    ...containers('Init Containers', status.initContainerStatuses),
    ...containers('Containers', status.containerStatuses),
  ];
  lines.push(...eventsSection(events.filter((e) => e.involvedObject?.name === metadata.name), now));
  return lines.join('\n');
}
