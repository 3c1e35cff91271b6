/** `kjob get`'s table of each kind, in kubectl's columns; a kind without one of its own gets NAME and AGE. */
import type { KubeObject, ObjectKind } from '../client/kinds.js';
import type { CronJob } from '../shared/cronjob/types.js';
import type { Job } from '../shared/kubernetes-types.js';
import { cronJobRows } from './cronjob-format.js';
import { configMapRows, secretRows } from './config-object-format.js';
import type { ConfigMapObject, SecretObject } from '../shared/config-objects/types.js';
import { humanDuration, jobRows, renderTable } from './format.js';

export interface TableOptions {
  wide: boolean;
  allNamespaces: boolean;
}

type Table = (objects: KubeObject[], now: number, options: TableOptions) => string;

const TABLES: Partial<Record<string, Table>> = {
  Job: (objects, now, options) => jobRows(objects as Job[], now, options),
  CronJob: (objects, now, options) => cronJobRows(objects as CronJob[], now, options),
  ConfigMap: (objects, now, options) => configMapRows(objects as unknown as ConfigMapObject[], now, options),
  Secret: (objects, now, options) => secretRows(objects as unknown as SecretObject[], now, options),
};

function nameAndAge(objects: KubeObject[], now: number, options: TableOptions): string {
  const head = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'AGE'];
  const rows = objects.map((object) => [
    ...(options.allNamespaces ? [object.metadata.namespace] : []),
    object.metadata.name,
    humanDuration(now - Date.parse(object.metadata.creationTimestamp)),
  ]);
  return renderTable(head, rows);
}

export function objectTable(kind: ObjectKind, objects: KubeObject[], now: number, options: TableOptions): string {
  return (TABLES[kind.validation.kind] ?? nameAndAge)(objects, now, options);
}
