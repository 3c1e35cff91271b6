/**
 * `kjob dev`'s key: the configured keys if there are any (KJOB_ENCRYPTION_KEY, the key file, the state folder's),
 * else a new random one in `<stateDir>/encryption-keys` (0600), which the CLI run from the same folder then finds.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encryptionKeySource, encryptionKeysFromEnv, generateEncryptionKey, STATE_KEY_FILE, writeKeyFile, type EncryptionKey } from './encryption-keys.js';

export interface DevKeys {
  keys: EncryptionKey[];
  /** Where they came from, for the start banner. */
  source: string;
  created: boolean;
}

export function devEncryptionKeys(stateDir: string, env: NodeJS.ProcessEnv = process.env): DevKeys {
  const source = encryptionKeySource({ env, stateDir });
  if (source) return { keys: encryptionKeysFromEnv({ env, stateDir }), source: source.kind === 'env' ? 'KJOB_ENCRYPTION_KEY' : source.path, created: false };
  const path = join(stateDir, STATE_KEY_FILE);
  const key = generateEncryptionKey(`dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`);
  mkdirSync(stateDir, { recursive: true });
  writeKeyFile(path, [key], 'kjob dev made this payload encryption key (README "Encryption"); keep it: without it the history is unreadable');
  return { keys: [key], source: path, created: true };
}
