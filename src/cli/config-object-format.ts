/**
 * ConfigMaps and Secrets as kubectl prints them: `get`'s columns (k8s.io/kubernetes/pkg/printers/internalversion
 * printConfigMap, printSecret) and `describe`'s layout (k8s.io/kubectl/pkg/describe ConfigMapDescriber,
 * SecretDescriber). A Secret is described by its keys' sizes, never its values.
 */
import { base64DecodedLength } from '../shared/config-objects/base64.js';
import type { ConfigMapObject, SecretObject } from '../shared/config-objects/types.js';
import { humanDuration, renderTable } from './format.js';

interface TableOptions {
  allNamespaces: boolean;
}

const sortedKeys = (map: Record<string, string> | undefined) => Object.keys(map ?? {}).sort();
const age = (object: { metadata: { creationTimestamp: string } }, now: number) => humanDuration(now - Date.parse(object.metadata.creationTimestamp));
const namespaceColumn = (options: TableOptions, namespace: string) => (options.allNamespaces ? [namespace] : []);

export function configMapRows(configMaps: ConfigMapObject[], now: number, options: TableOptions): string {
  return renderTable(
    [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'DATA', 'AGE'],
    configMaps.map((c) => [...namespaceColumn(options, c.metadata.namespace), c.metadata.name, String(sortedKeys(c.data).length + sortedKeys(c.binaryData).length), age(c, now)]),
  );
}

export function secretRows(secrets: SecretObject[], now: number, options: TableOptions): string {
  return renderTable(
    [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'TYPE', 'DATA', 'AGE'],
    secrets.map((s) => [...namespaceColumn(options, s.metadata.namespace), s.metadata.name, s.type, String(sortedKeys(s.data).length), age(s, now)]),
  );
}

/**
 * Go's tabwriter as kubectl's describers use it (padding 2): the cells before a tab, in each run of lines that
 * have one, padded to the widest.
 */
export function tabbed(lines: string[]): string {
  const out: string[] = [];
  let block: string[][] = [];
  const flush = () => {
    const width = Math.max(0, ...block.map((cells) => (cells[0] ?? '').length)) + 2;
    for (const [head = '', ...rest] of block) out.push(`${head.padEnd(width)}${rest.join('\t')}`);
    block = [];
  };
  for (const line of lines) {
    if (line.includes('\t')) block.push(line.split('\t'));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}

function multiline(label: string, values: Record<string, string> | undefined): string[] {
  const entries = sortedKeys(values).map((key) => `${key}=${values?.[key]}`);
  if (entries.length === 0) return [`${label}:\t<none>`];
  return entries.map((entry, i) => (i === 0 ? `${label}:\t${entry}` : `\t${entry}`));
}

function header(object: ConfigMapObject | SecretObject): string[] {
  return [
    `Name:\t${object.metadata.name}`,
    `Namespace:\t${object.metadata.namespace}`,
    ...multiline('Labels', object.metadata.labels),
    ...multiline('Annotations', object.metadata.annotations),
  ];
}

export function describeConfigMap(configMap: ConfigMapObject): string {
  const lines = [...header(configMap), '', 'Data', '===='];
  for (const key of sortedKeys(configMap.data)) lines.push(`${key}:`, '----', configMap.data?.[key] ?? '');
  lines.push('', 'BinaryData', '====');
  for (const key of sortedKeys(configMap.binaryData)) lines.push(`${key}: ${base64DecodedLength(configMap.binaryData?.[key] ?? '')} bytes`);
  lines.push('', 'Events:  <none>');
  return tabbed(lines);
}

export function describeSecret(secret: SecretObject): string {
  const lines = [...header(secret), '', `Type:\t${secret.type}`, '', 'Data', '===='];
  for (const key of sortedKeys(secret.data)) lines.push(`${key}:\t${base64DecodedLength(secret.data?.[key] ?? '')} bytes`);
  return tabbed(lines);
}
