/** kubectl's ways of printing: tables without borders, human durations and sizes, the STATUS column of Jobs. */
import Table from 'cli-table3';
import { stringify } from 'yaml';
import { completionsColumn, jobStatusColumn } from '../shared/controller/job-phase.js';
import type { Job, Pod } from '../shared/kubernetes-types.js';

export { completionsColumn, jobStatusColumn };

/** A kubectl-style table: upper-case headers, columns separated by three spaces, no borders. */
export function renderTable(head: string[], rows: string[][]): string {
  const table = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
      'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** docker/go-units HumanSize, as crictl's SIZE column shows it: decimal units, 4 significant digits. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${Number(size.toPrecision(4))}${units[unit]}`;
}

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(ms, 0) / 1000);
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

export function durationColumn(job: Job, now: number): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration(end - Date.parse(start));
}

export function jobRows(jobs: Job[], now: number, options: { wide?: boolean; allNamespaces?: boolean } = {}): string {
  const head = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'];
  if (options.wide) head.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  const rows = jobs.map((job) => {
    const row = [
      ...(options.allNamespaces ? [job.metadata.namespace] : []),
      job.metadata.name,
      jobStatusColumn(job),
      completionsColumn(job),
      durationColumn(job, now),
      humanDuration(now - Date.parse(job.metadata.creationTimestamp)),
    ];
    if (options.wide) {
      const containers = job.spec.template.spec.containers;
      row.push(
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image ?? '').join(','),
        `batch.kubernetes.io/controller-uid=${job.metadata.uid}`,
      );
    }
    return row;
  });
  return renderTable(head, rows);
}

export function renderObjects(objects: unknown[], output: 'json' | 'yaml'): string {
  const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  return output === 'json' ? JSON.stringify(value, null, 4) : stringify(value).trimEnd();
}

/** The STATUS column of `kubectl get pods`: a reason, a container's state, or the phase. */
export function podStatusColumn(pod: Pod): string {
  if (pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed') return 'Terminating';
  if (pod.status.reason) return pod.status.reason;
  const init = new Set(pod.status.initContainerStatuses ?? []);
  for (const status of [...init, ...(pod.status.containerStatuses ?? [])]) {
    if ('waiting' in status.state && status.state.waiting.reason !== 'PodTerminated') {
      const { reason } = status.state.waiting;
      // kubectl: an init container's wait as Init:<reason> (Init:ErrImagePull); ContainerCreating only for a pod
      // on a node (kjob's pods get one when their worker reports).
      if (init.has(status) && reason !== 'ContainerCreating') return `Init:${reason}`;
      if (reason !== 'ContainerCreating' || pod.spec.nodeName) return reason;
    }
    if ('terminated' in status.state && status.state.terminated.exitCode !== 0) return status.state.terminated.reason;
  }
  const main = pod.status.containerStatuses?.[0]?.state;
  if (main && 'terminated' in main) return main.terminated.reason;
  return pod.status.phase;
}

export function podRows(pods: Pod[], now: number): string {
  return renderTable(
    ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    pods.map((pod) => {
      const statuses = pod.status.containerStatuses ?? [];
      const ready = statuses.filter((s) => 'running' in s.state).length;
      const restarts = statuses.reduce((sum, s) => sum + s.restartCount, 0);
      return [
        pod.metadata.name,
        `${ready}/${statuses.length}`,
        podStatusColumn(pod),
        String(restarts),
        humanDuration(now - Date.parse(pod.metadata.creationTimestamp)),
      ];
    }),
  );
}
