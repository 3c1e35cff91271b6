/**
 * skopeo, as the store uses it: `inspect --raw` (the manifest or index a reference names, as the registry sent
 * it) and `copy` into an OCI layout whose blobs go to the store's shared blob dir (`--dest-shared-blob-dir`:
 * blobs already there are not fetched again, new ones are verified against their digest before they land).
 * Mirrors and insecure registries come from `--registries-conf`, credentials from `--authfile`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ImagePullError } from './errors.js';
import { runTool, ToolFailure, type ToolOptions } from './run-tool.js';

/** What every skopeo call of one store shares. */
export interface SkopeoSettings {
  registriesConf?: string;
}

/** One call's registry access: the auth file, and whether the source is reached without TLS verification. */
export interface SourceAccess {
  authFile?: string;
  insecure?: boolean;
  /** Where skopeo puts its temporary files (an oci-archive's extracted copy, big blobs). */
  tmpDir?: string;
}

/** c/image reads ~/.config/containers/policy.json, then /etc/containers/policy.json; without either skopeo refuses. */
function policyArgs(): string[] {
  const present = [join(homedir(), '.config', 'containers', 'policy.json'), '/etc/containers/policy.json'].some((p) => existsSync(p));
  return present ? [] : ['--insecure-policy'];
}

function globalArgs(settings: SkopeoSettings): string[] {
  return [...(settings.registriesConf ? ['--registries-conf', settings.registriesConf] : []), ...policyArgs()];
}

function sourceArgs(prefix: '' | 'src-', source: SourceAccess): string[] {
  return [
    ...(source.authFile ? [`--${prefix === 'src-' ? 'src-' : ''}authfile`, source.authFile] : []),
    ...(source.insecure ? [`--${prefix}tls-verify=false`] : []),
  ];
}

/** skopeo's fatal message (`time=… level=fatal msg="…"`), unquoted, without its "initializing source …" wrappers. */
export function skopeoMessage(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const fatal = lines
    .map((line) => /level=fatal msg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1])
    .reverse()
    .find((m) => m !== undefined);
  if (fatal === undefined) return lines.at(-1)?.trim() || 'skopeo failed';
  let message: string;
  try {
    message = JSON.parse(`"${fatal.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')}"`) as string;
  } catch {
    message = fatal;
  }
  return message.replace(/^Error parsing image name "[^"]*": /, '').replace(/^initializing source [^ ]+: /, '');
}

async function skopeo(settings: SkopeoSettings, args: string[], options: ToolOptions & { tmpDir?: string }): Promise<Buffer> {
  const env = options.tmpDir ? { ...options.env, TMPDIR: options.tmpDir } : options.env;
  try {
    return await runTool('skopeo', [...globalArgs(settings), ...args], { ...options, ...(env ? { env } : {}) });
  } catch (error) {
    if (error instanceof ToolFailure) throw new ImagePullError(skopeoMessage(error.stderr), { cause: error });
    throw error;
  }
}

/** The manifest (or index) `image` (`docker://…`) names, byte for byte as the registry served it. */
export function inspectRaw(settings: SkopeoSettings, image: string, source: SourceAccess, signal?: AbortSignal): Promise<Buffer> {
  return skopeo(settings, ['inspect', '--raw', ...sourceArgs('', source), image], { ...(signal ? { signal } : {}), ...(source.tmpDir ? { tmpDir: source.tmpDir } : {}) });
}

/** Copies `source` (`docker://…`, `docker-archive:…`, `oci-archive:…`) to `oci:<layout>:<name>`, blobs to `sharedBlobs`. */
export async function copyToLayout(
  settings: SkopeoSettings,
  source: string,
  destination: { layout: string; name: string; sharedBlobs: string },
  access: SourceAccess,
  signal?: AbortSignal,
): Promise<void> {
  await skopeo(
    settings,
    ['copy', '--quiet', ...sourceArgs('src-', access), '--dest-shared-blob-dir', destination.sharedBlobs, source, `oci:${destination.layout}:${destination.name}`],
    { ...(signal ? { signal } : {}), ...(access.tmpDir ? { tmpDir: access.tmpDir } : {}) },
  );
}
