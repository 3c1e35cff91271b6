/**
 * The kubelet's keyring of image pull secrets (pkg/credentialprovider: keyring.go BasicDockerKeyring, config.go
 * DockerConfigEntry, secrets/secrets.go MakeDockerKeyring): each registry key of a `kubernetes.io/dockerconfigjson`
 * (`.dockerconfigjson`, `{"auths": {...}}`) or `kubernetes.io/dockercfg` (`.dockercfg`) Secret is a host, an
 * optional path prefix (the `/v1/` and `/v2/` API prefixes dropped) and optional `*` globs per host label; an image
 * gets the credentials of every key that matches it, and Docker Hub's `index.docker.io` ones for Docker Hub images.
 */
import type { PullCredentials } from '../../src/images/index.js';
import type { SecretObject } from '../../src/shared/config-objects/types.js';
import { secretBytes } from './object-reads.js';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

type DockerConfig = Record<string, { username?: unknown; password?: unknown; auth?: unknown }>;

/** A pull secret whose content kjob cannot read (not JSON, a bad `auth`): named, its content never quoted. */
export class InvalidPullSecret extends Error {}

export class DockerKeyring {
  private readonly creds = new Map<string, PullCredentials[]>();
  private index: string[] = [];

  /** Adds the registries of a pull secret; a Secret of another type, or without its key, adds nothing. */
  addSecret(secret: SecretObject): void {
    const { type, data = {} } = secret;
    const name = `${secret.metadata.namespace}/${secret.metadata.name}`;
    if (type === DOCKER_CONFIG_JSON_TYPE && data['.dockerconfigjson']) {
      const parsed = parseJson(data['.dockerconfigjson'], name) as { auths?: DockerConfig } | undefined;
      this.add(parsed?.auths ?? {}, name);
    } else if (type === DOCKERCFG_TYPE && data['.dockercfg']) {
      this.add((parseJson(data['.dockercfg'], name) ?? {}) as DockerConfig, name);
    }
  }

  /** BasicDockerKeyring.Lookup: the credentials of every key that matches, most specific first. */
  lookup(image: string): PullCredentials[] {
    const target = schemeless(image);
    const found = this.index.filter((key) => urlsMatch(schemeless(key), target)).flatMap((key) => this.creds.get(key) ?? []);
    if (found.length > 0) return found;
    return isDefaultRegistryMatch(image) ? (this.creds.get(DEFAULT_REGISTRY_HOST) ?? []) : [];
  }

  private add(config: DockerConfig, secretName: string): void {
    for (const [location, entry] of Object.entries(config)) {
      const parsed = urlOf(/^https?:\/\//.test(location) ? location : `https://${location}`);
      if (!parsed) continue;
      let path = parsed.pathname;
      if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
      const key = path.length > 0 && path !== '/' ? `${parsed.host}${path}` : parsed.host;
      this.creds.set(key, [...(this.creds.get(key) ?? []), credentialsOf(entry, secretName)]);
      if (!this.index.includes(key)) this.index.push(key);
    }
    // As the kubelet sorts it: reverse string order, so a longer key sorts before its own prefix.
    this.index = [...this.index].sort().reverse();
  }
}

/** DockerConfigEntry: `auth` (base64 `user:password`) wins over username and password. */
function credentialsOf(entry: DockerConfig[string], secretName: string): PullCredentials {
  let username = typeof entry?.username === 'string' ? entry.username : '';
  let password = typeof entry?.password === 'string' ? entry.password : '';
  if (typeof entry?.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new InvalidPullSecret(`the auth field of pull secret ${secretName} is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  return { username, password };
}

function parseJson(base64: string, secretName: string): unknown {
  try {
    return JSON.parse(secretBytes(base64).toString('utf8'));
  } catch {
    // JSON.parse's message quotes the text: the secret's own words must not reach an event.
    throw new InvalidPullSecret(`pull secret ${secretName} is not valid JSON`);
  }
}

function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

interface Schemeless {
  labels: string[];
  port: string;
  path: string;
}

/** ParseSchemelessURL and SplitURL: host labels, port, path. */
function schemeless(text: string): Schemeless {
  const slash = text.indexOf('/');
  const hostPort = slash < 0 ? text : text.slice(0, slash);
  const path = slash < 0 ? '' : text.slice(slash);
  const colon = hostPort.lastIndexOf(':');
  const [host, port] = colon > 0 && !hostPort.endsWith(']') ? [hostPort.slice(0, colon), hostPort.slice(colon + 1)] : [hostPort, ''];
  return { labels: host.split('.'), port, path };
}

/** URLsMatch: the same port, as many host labels each matching its glob, and the key's path a prefix of the image's. */
function urlsMatch(glob: Schemeless, target: Schemeless): boolean {
  if (glob.port !== target.port || glob.labels.length !== target.labels.length) return false;
  if (!target.path.startsWith(glob.path)) return false;
  return glob.labels.every((label, i) => globMatch(label, target.labels[i] ?? ''));
}

/** filepath.Match for one host label: `*` any run of characters, `?` one; other characters as they are. */
function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

/** isDefaultRegistryMatch: an image of Docker Hub (no registry host, or docker.io / index.docker.io). */
function isDefaultRegistryMatch(image: string): boolean {
  const [first = '', ...rest] = image.split('/');
  if (first === '') return false;
  if (rest.length === 0) return true;
  if (first === 'docker.io' || first === DEFAULT_REGISTRY_HOST) return true;
  return !/[.:]/.test(first);
}
