/**
 * The containers-registries.conf(5) file skopeo reads (`--registries-conf`) for a worker's mirrors and insecure
 * registries: each mirrored domain gets a `[[registry]]` with its `[[registry.mirror]]` locations, tried in order
 * before the domain itself. Registries on loopback are reached over plain HTTP, as Docker does
 * (registry/config.go: localhost and 127.0.0.0/8 are always insecure), and so are those the worker lists.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { StoreLayout } from './store-layout.js';

/** `host[:port]` without its port: `[::1]:5000` is `::1`. */
function hostOf(location: string): string {
  const domain = location.split('/')[0]!;
  const bracketed = /^\[([^\]]+)\]/.exec(domain);
  return bracketed ? bracketed[1]! : domain.replace(/:\d+$/, '');
}

export function isLoopbackRegistry(location: string): boolean {
  const host = hostOf(location);
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function isInsecureRegistry(location: string, insecureRegistries: readonly string[]): boolean {
  return isLoopbackRegistry(location) || insecureRegistries.includes(location.split('/')[0]!) || insecureRegistries.includes(location);
}

/** The TOML text; strings are written as JSON strings, which TOML's basic strings read the same. */
export function registriesConf(mirrors: Record<string, string[]>, insecureRegistries: readonly string[]): string {
  const lines: string[] = ['# Written by kjob\'s image store for skopeo --registries-conf.', ''];
  const insecure = (location: string) => String(isInsecureRegistry(location, insecureRegistries));
  for (const [domain, locations] of Object.entries(mirrors)) {
    lines.push('[[registry]]', `prefix = ${JSON.stringify(domain)}`, `location = ${JSON.stringify(domain)}`, `insecure = ${insecure(domain)}`);
    for (const location of locations) lines.push('[[registry.mirror]]', `location = ${JSON.stringify(location)}`, `insecure = ${insecure(location)}`);
    lines.push('');
  }
  for (const location of insecureRegistries.filter((r) => !(r in mirrors))) {
    lines.push('[[registry]]', `location = ${JSON.stringify(location)}`, 'insecure = true', '');
  }
  return lines.join('\n');
}

/**
 * Writes the file once under the store's root, named by its content (workers sharing the root with the same
 * settings share it), and returns its path; undefined when there is nothing to say, so the host's own
 * /etc/containers/registries.conf applies.
 */
export async function writeRegistriesConf(
  layout: StoreLayout,
  mirrors: Record<string, string[]>,
  insecureRegistries: readonly string[],
): Promise<string | undefined> {
  if (Object.keys(mirrors).length === 0 && insecureRegistries.length === 0) return undefined;
  const text = registriesConf(mirrors, insecureRegistries);
  const path = join(layout.root, `registries-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.conf`);
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (!present) await writeFileAtomic(layout, path, text);
  return path;
}
