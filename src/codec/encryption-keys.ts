/**
 * The payload encryption keys (kjob's own, no Kubernetes counterpart): a ring of AES-256 keys by id, the first
 * encrypting, all decrypting, so a key can be rotated. Read from KJOB_ENCRYPTION_KEY (`id:base64`, comma-separated),
 * else KJOB_ENCRYPTION_KEY_FILE (one `id:base64` a line, `#` comments), else `<stateDir>/encryption-keys`, else
 * `.kjob/encryption-keys` in the working directory, if they exist. Errors name the key's id and place, never the key.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface EncryptionKey {
  /** Stored with every payload it encrypts (metadata `encryption-key-id`), so the right key decrypts it. */
  id: string;
  /** 32 bytes (AES-256). */
  key: Uint8Array;
}

export const KEY_BYTES = 32;
export const KEY_ENV = 'KJOB_ENCRYPTION_KEY';
export const KEY_FILE_ENV = 'KJOB_ENCRYPTION_KEY_FILE';
/** The key file's name in a state folder (`.kjob/encryption-keys` by default). */
export const STATE_KEY_FILE = 'encryption-keys';
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Keys that cannot be used: every violation, in Kubernetes' `field: Invalid value: ...` style. */
export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
  constructor(readonly violations: string[]) {
    super(violations.length === 1 ? violations[0] : `invalid encryption keys: [${violations.join(', ')}]`);
  }
}

/**
 * Parses `id:base64` entries; `where` names each entry in errors (`KJOB_ENCRYPTION_KEY[1]`, `keys:3`). The value
 * is never repeated in an error, only its id.
 */
export function parseEncryptionKeys(entries: readonly { text: string; where: string }[]): EncryptionKey[] {
  const violations: string[] = [];
  const keys: EncryptionKey[] = [];
  const seen = new Set<string>();
  for (const { text, where } of entries) {
    const colon = text.indexOf(':');
    if (colon < 0) {
      violations.push(`${where}: Invalid value: "<redacted>": must be ID:BASE64 (an id, a colon, 32 bytes in base64)`);
      continue;
    }
    const id = text.slice(0, colon).trim();
    const encoded = text.slice(colon + 1).trim();
    const before = violations.length;
    if (!KEY_ID.test(id)) violations.push(`${where}: Invalid value: ${JSON.stringify(id)}: key id must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    else if (seen.has(id)) violations.push(`${where}: Duplicate value: ${JSON.stringify(id)}: key id given twice`);
    const key = BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
    if (!key) violations.push(`${where}: Invalid value: key ${JSON.stringify(id)}: must be base64 (standard alphabet, padded)`);
    else if (key.length !== KEY_BYTES) violations.push(`${where}: Invalid value: key ${JSON.stringify(id)}: must be ${KEY_BYTES} bytes, got ${key.length}`);
    seen.add(id);
    if (violations.length === before && key) keys.push({ id, key: new Uint8Array(key) });
  }
  if (violations.length > 0) throw new EncryptionKeyError(violations);
  return keys;
}

/** A key file's entries: one `id:base64` a line; blank lines and `#` comments skipped. */
export function keyFileEntries(text: string, path: string): { text: string; where: string }[] {
  return text
    .split('\n')
    .map((line, i) => ({ text: line.trim(), where: `${path}:${i + 1}` }))
    .filter((entry) => entry.text !== '' && !entry.text.startsWith('#'));
}

const warned = new Set<string>();

/**
 * Reads a key file. One that other users may read is used, with a warning once per process: Kubernetes mounts
 * Secret volumes 0644 by default, and refusing those would refuse the usual way a cluster hands a worker its key.
 */
export function readKeyFile(path: string): EncryptionKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EncryptionKeyError([`${path}: cannot read the encryption key file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0 && !warned.has(path)) {
    warned.add(path);
    process.emitWarning(`${path} (mode ${mode.toString(8).padStart(4, '0')}) can be read by other users; chmod 600 it`, 'KjobEncryptionKeyWarning');
  }
  const keys = parseEncryptionKeys(keyFileEntries(text, path));
  if (keys.length === 0) throw new EncryptionKeyError([`${path}: Required value: the file holds no key`]);
  return keys;
}

export interface KeySources {
  env?: NodeJS.ProcessEnv;
  /** The state folder whose `encryption-keys` file is looked for before `./.kjob/encryption-keys` (default `.kjob`). */
  stateDir?: string;
}

/** Where keys come from, in order; `undefined` when no key is configured (payloads stay plain). */
export function encryptionKeySource({ env = process.env, stateDir = join(process.cwd(), '.kjob') }: KeySources = {}):
  | { kind: 'env'; value: string }
  | { kind: 'file'; path: string }
  | undefined {
  const value = env[KEY_ENV]?.trim();
  if (value) return { kind: 'env', value };
  const file = env[KEY_FILE_ENV]?.trim();
  if (file) return { kind: 'file', path: file };
  // The state folder's, then the working directory's `.kjob` (where clients look), so a worker given another state
  // folder and a client started in the same directory find the same key.
  for (const dir of new Set([stateDir, join(process.cwd(), '.kjob')])) {
    const stateFile = join(dir, STATE_KEY_FILE);
    if (existsSync(stateFile)) return { kind: 'file', path: stateFile };
  }
  return undefined;
}

/** The configured keys (first encrypts), or `[]` when none is: then kjob sends payloads plain, as before. */
export function encryptionKeysFromEnv(sources: KeySources = {}): EncryptionKey[] {
  const source = encryptionKeySource(sources);
  if (!source) return [];
  if (source.kind === 'file') return readKeyFile(source.path);
  return parseEncryptionKeys(source.value.split(',').map((text, i) => ({ text: text.trim(), where: `${KEY_ENV}[${i}]` })));
}

/** A fresh random key. */
export function generateEncryptionKey(id: string): EncryptionKey {
  return { id, key: new Uint8Array(randomBytes(KEY_BYTES)) };
}

export function formatKeyLine({ id, key }: EncryptionKey): string {
  return `${id}:${Buffer.from(key).toString('base64')}`;
}

/**
 * Writes a key file readable by its owner only (created 0600, never over an existing file): `kjob dev`'s key
 * and the tests'.
 */
export function writeKeyFile(path: string, keys: readonly EncryptionKey[], comment: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `# ${comment}\n${keys.map(formatKeyLine).join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}
