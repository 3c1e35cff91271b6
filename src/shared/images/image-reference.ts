/**
 * Image references as the kubelet reads them: docker/distribution's reference grammar (reference/regexp.go,
 * reference.go `Parse`) and its normalization (normalize.go `ParseNormalizedNamed`, `FamiliarString`,
 * `TagNameOnly`), in the form github.com/distribution/reference v0.5 has (the kubelet's vendored copy since 1.29:
 * bracketed IPv6 hosts, an upper-case first component read as a host). Also the default pull policy of
 * pkg/apis/core/v1/defaults.go `SetDefaults_Container`. Workflow-safe: no Node imports.
 */

export interface ImageReference {
  /** The registry host, `docker.io` for Docker Hub. */
  domain: string;
  /** The repository inside it: `library/perl` for Docker Hub's official `perl`. */
  path: string;
  tag?: string;
  /** `algorithm:hex`, validated as go-digest does. */
  digest?: string;
}

/** A reference docker would refuse; the message is docker's (`invalid reference format`, ...). */
export class ImageReferenceError extends Error {
  override name = 'ImageReferenceError';
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

// reference/regexp.go, piece by piece.
const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePattern = `(?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*`;
const REFERENCE = new RegExp(`^(${namePattern})(?::(${tag}))?(?:@(${digestPattern}))?$`);
const DOMAIN_PREFIX = new RegExp(`^(${domainAndPort})/`);
const ANCHORED_IDENTIFIER = /^[a-f0-9]{64}$/;

/** go-digest's algorithms and their hex lengths (digest.Parse / Validate). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function validateDigest(digest: string): void {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) throw new ImageReferenceError('unsupported digest algorithm');
  if (hex.length !== length) throw new ImageReferenceError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw new ImageReferenceError('invalid checksum digest format');
}

/** reference.Parse: the grammar, with its errors in its order. */
function parseReference(text: string): ImageReference {
  if (text === '') throw new ImageReferenceError('repository name must have at least one component');
  const match = REFERENCE.exec(text);
  if (!match) {
    if (REFERENCE.test(text.toLowerCase())) throw new ImageReferenceError('repository name must be lowercase');
    throw new ImageReferenceError('invalid reference format');
  }
  const name = match[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw new ImageReferenceError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const domainMatch = DOMAIN_PREFIX.exec(name);
  const reference: ImageReference = domainMatch
    ? { domain: domainMatch[1]!, path: name.slice(domainMatch[0].length) }
    : { domain: '', path: name };
  if (match[2] !== undefined) reference.tag = match[2];
  if (match[3] !== undefined) {
    validateDigest(match[3]);
    reference.digest = match[3];
  }
  return reference;
}

/** normalize.go splitDockerDomain: a first component is a host when it has a `.` or `:`, is `localhost`, or has upper case. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = name.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    remainder = name.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/** ParseNormalizedNamed: `perl:5.34.0` is `docker.io/library/perl:5.34.0`. */
export function parseImageReference(image: string): ImageReference {
  if (ANCHORED_IDENTIFIER.test(image)) {
    throw new ImageReferenceError(`invalid repository name (${image}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(image);
  const tagSeparator = remainder.indexOf(':');
  const remoteName = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (remoteName.toLowerCase() !== remoteName) throw new ImageReferenceError('invalid reference format: repository name must be lowercase');
  const parsed = parseReference(`${domain}/${remainder}`);
  if (parsed.domain === '') throw new ImageReferenceError('invalid reference format');
  return parsed;
}

/** `domain/path`: the repository's full name (reference.Named.Name()). */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** TagNameOnly, then String(): `docker.io/library/perl:latest` for `perl`; a tag and a digest are both kept. */
export function fullName(ref: ImageReference): string {
  const tagPart = ref.tag ?? (ref.digest ? undefined : 'latest');
  return `${repositoryName(ref)}${tagPart !== undefined ? `:${tagPart}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** FamiliarString: what docker and kubectl show, `perl:5.34.0` for `docker.io/library/perl:5.34.0`. */
export function familiarName(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    const rest = ref.path.startsWith(OFFICIAL_REPO_PREFIX) ? ref.path.slice(OFFICIAL_REPO_PREFIX.length) : undefined;
    name = rest !== undefined && !rest.includes('/') ? rest : ref.path;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * SetDefaults_Container: `Always` when the tag is `latest`, which a reference without tag or digest means
 * (parsers.ParseImageName); `IfNotPresent` otherwise, an unparsable image included (its error is left to validation).
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  let ref: ImageReference;
  try {
    ref = parseImageReference(image);
  } catch {
    return 'IfNotPresent';
  }
  const tagOrDefault = ref.tag ?? (ref.digest ? '' : 'latest');
  return tagOrDefault === 'latest' ? 'Always' : 'IfNotPresent';
}
