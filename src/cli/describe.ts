/** `kjob describe job NAME` in kubectl's layout (k8s.io/kubectl/pkg/describe, JobDescriber). */
import type { Container, Job, JobEvent } from '../shared/kubernetes-types.js';
import { humanDuration, renderTable } from './format.js';

/** Go's RFC1123Z, as kubectl prints times: "Mon, 02 Jan 2006 15:04:05 +0000". */
export function rfc1123z(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

export function field(label: string, value: string, width = 18): string {
  return `${`${label}:`.padEnd(Math.max(width, label.length + 3))}${value}`;
}

export function keyValues(label: string, values: Record<string, string> | undefined, width = 18, indent = ''): string[] {
  const entries = Object.entries(values ?? {}).map(([k, v]) => `${k}=${v}`);
  if (entries.length === 0) return [`${indent}${field(label, '<none>', width)}`];
  return entries.map((entry, i) => (i === 0 ? `${indent}${field(label, entry, width)}` : `${indent}${' '.repeat(width)}${entry}`));
}

function describeContainer(container: Container): string[] {
  const lines = [`   ${container.name}:`, `    Image:      ${container.image ?? ''}`];
  for (const [label, values] of [
    ['Command', container.command],
    ['Args', container.args],
  ] as const) {
    // Multi-line values (scripts) keep their lines, indented under the entry.
    if (values?.length) lines.push(`    ${label}:`, ...values.map((v) => `      ${v.trimEnd().replace(/\n/g, '\n      ')}`));
  }
  const env = container.env ?? [];
  if (env.length === 0) lines.push('    Environment:  <none>');
  else {
    lines.push('    Environment:');
    for (const variable of env) {
      const from = variable.valueFrom?.fieldRef ? ` (${variable.valueFrom.fieldRef.apiVersion ?? 'v1'}:${variable.valueFrom.fieldRef.fieldPath})` : '';
      lines.push(`      ${variable.name}:  ${variable.value ?? ''}${from}`);
    }
  }
  lines.push('    Mounts:       <none>');
  return lines;
}

export function describeJob(job: Job, events: JobEvent[], now: number): string {
  const status = job.status ?? { ready: 0, terminating: 0, uncountedTerminatedPods: {} };
  const { spec, metadata } = job;
  const lines = [
    field('Name', metadata.name),
    field('Namespace', metadata.namespace),
    field('Selector', `batch.kubernetes.io/controller-uid=${metadata.uid}`),
    ...keyValues('Labels', metadata.labels),
    ...keyValues('Annotations', metadata.annotations),
    field('Parallelism', String(spec.parallelism)),
    field('Completions', spec.completions === null ? '<unset>' : String(spec.completions)),
    field('Completion Mode', spec.completionMode),
    field('Suspend', String(spec.suspend)),
    field('Backoff Limit', String(spec.backoffLimit)),
  ];
  if (spec.backoffLimitPerIndex !== undefined) lines.push(field('Backoff Limit Per Index', String(spec.backoffLimitPerIndex), 24));
  if (spec.maxFailedIndexes !== undefined) lines.push(field('Max Failed Indexes', String(spec.maxFailedIndexes)));
  if (spec.ttlSecondsAfterFinished !== undefined) lines.push(field('TTL Seconds After Finished', String(spec.ttlSecondsAfterFinished), 27));
  if (status.startTime) lines.push(field('Start Time', rfc1123z(status.startTime)));
  if (status.completionTime) lines.push(field('Completed At', rfc1123z(status.completionTime)));
  // kubectl prints a Duration only for a Job that completed (a failed Job has no completionTime).
  if (status.startTime && status.completionTime) {
    lines.push(field('Duration', humanDuration(Date.parse(status.completionTime) - Date.parse(status.startTime))));
  }
  if (spec.activeDeadlineSeconds !== undefined) lines.push(field('Active Deadline Seconds', `${spec.activeDeadlineSeconds}s`, 24));
  lines.push(
    field('Pods Statuses', `${status.active ?? 0} Active (${status.ready} Ready) / ${status.succeeded ?? 0} Succeeded / ${status.failed ?? 0} Failed`),
  );
  if (spec.completionMode === 'Indexed') {
    lines.push(field('Completed Indexes', status.completedIndexes || '<none>'));
    if (status.failedIndexes !== undefined) lines.push(field('Failed Indexes', status.failedIndexes || '<none>'));
  }
  lines.push('Pod Template:', ...keyValues('Labels', spec.template.metadata?.labels, 9, '  '));
  if (spec.template.spec.initContainers?.length) {
    lines.push('  Init Containers:', ...spec.template.spec.initContainers.flatMap(describeContainer));
  }
  lines.push('  Containers:', ...spec.template.spec.containers.flatMap(describeContainer), '  Volumes:        <none>');
  // kubectl describe job shows the Job's own events; its pods' events are under `describe pod`.
  lines.push(...eventsSection(events.filter((e) => !e.involvedObject), now));
  return lines.join('\n');
}

/** The Events section of kubectl's describe: the Job controller's events, or the kubelet's for a pod. */
export function eventsSection(events: readonly JobEvent[], now: number): string[] {
  if (events.length === 0) return ['Events:  <none>'];
  const table = renderTable(
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    events.map((e) => {
      const age = humanDuration(now - Date.parse(e.lastTimestamp));
      const ageColumn = e.count > 1 ? `${age} (x${e.count} over ${humanDuration(now - Date.parse(e.firstTimestamp))})` : age;
      return [e.type, e.reason, ageColumn, e.involvedObject ? 'kubelet' : 'job-controller', e.message];
    }),
  );
  const [head, ...rows] = table.split('\n');
  const dashes = (head ?? '').replace(/\S+/g, (word) => '-'.repeat(word.length));
  return ['Events:', ...[head, dashes, ...rows].map((line) => `  ${line}`)];
}
