/**
 * The sources of `kjob create secret generic|configmap` as kubectl reads them (k8s.io/kubectl/pkg/cmd/create
 * create_secret.go, create_configmap.go; pkg/util ParseLiteralSource, ParseFileSource; pkg/cmd/util env_file.go):
 * `--from-literal=k=v`, `--from-file=[k=]path` (a file, or each regular file of a folder, keyed by its name),
 * `--from-env-file` (`KEY=value` lines, `#` comments, a bare KEY taken from the environment), with kubectl's
 * messages. The parsers are pure; `readSources` reads the files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { configMapKeyErrors } from '../shared/manifest/name-rules.js';

export type SourceKind = 'ConfigMap' | 'Secret';

export interface SourceOptions {
  fromLiteral: string[];
  fromFile: string[];
  fromEnvFile: string[];
}

/** ParseLiteralSource: `key=value`, split at the first `=`. */
export function parseLiteralSource(source: string): [key: string, value: string] {
  const at = source.indexOf('=');
  if (at <= 0) throw new Error(`invalid literal source ${source}, expected key=value`);
  return [source.slice(0, at), source.slice(at + 1)];
}

/** ParseFileSource: `path` (keyed by its base name) or `key=path`. */
export function parseFileSource(source: string): [key: string, path: string] {
  const separators = source.split('=').length - 1;
  if (separators === 0) return [basename(source), source];
  if (separators > 1) throw new Error(`key names or file paths cannot contain '='`);
  if (source.startsWith('=')) throw new Error(`key name for file path ${source.slice(1)} missing`);
  if (source.endsWith('=')) throw new Error(`file path for key name ${source.slice(0, -1)} missing`);
  const [key = '', path = ''] = source.split('=');
  return [key, path];
}

const ENV_VAR_NAME = '[-._a-zA-Z][-._a-zA-Z0-9]*';

/** apimachinery's IsEnvVarName, the rule kubectl's env files follow. */
function envVarNameErrors(name: string): string[] {
  return new RegExp(`^${ENV_VAR_NAME}$`).test(name)
    ? []
    : [
        `a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '${ENV_VAR_NAME}')`,
      ];
}

/** An env file's entries in order; a bare `KEY` takes its value from `env` (empty when unset). */
export function parseEnvFile(text: string, path: string, env: Record<string, string | undefined>): [key: string, value: string][] {
  const entries: [string, string][] = [];
  text.split('\n').forEach((raw, index) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.includes('\uFFFD')) throw new Error(`env file ${path} contains invalid utf8 bytes at line ${index + 1}`);
    line = line.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const at = line.indexOf('=');
    const key = at < 0 ? line : line.slice(0, at);
    const errors = envVarNameErrors(key);
    if (errors.length > 0) throw new Error(`${JSON.stringify(key)} is not a valid key name: ${errors.join(';')}`);
    entries.push([key, at < 0 ? (env[key] ?? '') : line.slice(at + 1)]);
  });
  return entries;
}

/** Whether bytes are UTF-8 text (a ConfigMap keeps them in `data`; others go to `binaryData`). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The values of one object being built, refusing keys as kubectl's addKeyFrom…To(ConfigMap|Secret) do. */
export class SourceEntries {
  readonly values = new Map<string, Uint8Array>();

  constructor(
    private readonly kind: SourceKind,
    private readonly name: string,
  ) {}

  add(key: string, value: Uint8Array): void {
    const errors = configMapKeyErrors(key);
    if (this.kind === 'Secret') {
      if (errors.length > 0) throw new Error(`${JSON.stringify(key)} is not valid key name for a Secret ${errors.join(';')}`);
      if (this.values.has(key)) throw new Error(`cannot add key ${key}, another key by that name already exists`);
    } else {
      if (errors.length > 0) throw new Error(`${JSON.stringify(key)} is not a valid key name for a ConfigMap: ${errors.join(',')}`);
      const existing = this.values.get(key);
      if (existing) {
        const bag = isUtf8(existing) ? 'Data' : 'BinaryData';
        throw new Error(`cannot add key ${JSON.stringify(key)}, another key by that name already exists in ${bag} for ConfigMap ${JSON.stringify(this.name)}`);
      }
    }
    this.values.set(key, value);
  }
}

async function statOrRefuse(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`error reading ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(error)}`);
  }
}

/** Reads every source into the object's entries, in kubectl's order: literals, files, env files. */
export async function readSources(kind: SourceKind, name: string, options: SourceOptions, env: Record<string, string | undefined> = process.env): Promise<SourceEntries> {
  if (options.fromEnvFile.length > 0 && (options.fromFile.length > 0 || options.fromLiteral.length > 0)) {
    throw new Error('from-env-file cannot be combined with from-file or from-literal');
  }
  const entries = new SourceEntries(kind, name);
  const encoder = new TextEncoder();
  for (const source of options.fromLiteral) {
    const [key, value] = parseLiteralSource(source);
    entries.add(key, encoder.encode(value));
  }
  for (const source of options.fromFile) {
    const [key, path] = parseFileSource(source);
    if (!(await statOrRefuse(path)).isDirectory()) {
      entries.add(key, await readFile(path));
      continue;
    }
    if (source.includes('=')) throw new Error('cannot give a key name for a directory path');
    const items = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) if (item.isFile()) entries.add(item.name, await readFile(join(path, item.name)));
  }
  for (const path of options.fromEnvFile) {
    if ((await statOrRefuse(path)).isDirectory()) throw new Error(`env ${kind === 'Secret' ? 'secret' : 'config'} file cannot be a directory`);
    for (const [key, value] of parseEnvFile(await readFile(path, 'utf8'), path, env)) entries.add(key, encoder.encode(value));
  }
  return entries;
}
