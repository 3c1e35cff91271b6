/** The Temporal client a kjob client uses: the one it was given, or one it connects on first use and closes. */
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { encryptingDataConverter } from '../codec/data-converter.js';
import { encryptionKeysFromEnv, type EncryptionKey } from '../codec/encryption-keys.js';
import { temporalTargetFromEnv } from './connection.js';

export interface TemporalClientOptions {
  /** An existing Temporal client (its connection is not closed by `close()`). */
  client?: Client;
  /** Temporal frontend address (default TEMPORAL_ADDRESS, then the config file, then localhost:7233). */
  address?: string;
  /** Connection options (TLS, API key, metadata…) over those from the environment, when no client is given. */
  connection?: Partial<ConnectionOptions>;
  /** Temporal namespace when no client is given. */
  temporalNamespace?: string;
  /**
   * Payload encryption keys, the first encrypting, when no client is given (default: KJOB_ENCRYPTION_KEY, then
   * KJOB_ENCRYPTION_KEY_FILE, then `.kjob/encryption-keys` in the working directory; `[]` for none). They must
   * be the workers' keys (README "Encryption").
   */
  encryptionKeys?: readonly EncryptionKey[];
  /** A data converter of your own instead, when no client is given (then `encryptionKeys` is not used). */
  dataConverter?: DataConverter;
}

export class LazyTemporalClient {
  private clientPromise: Promise<Client> | undefined;

  constructor(private readonly options: TemporalClientOptions) {
    if (options.client) this.clientPromise = Promise.resolve(options.client);
  }

  get(): Promise<Client> {
    if (this.clientPromise) return this.clientPromise;
    const connecting = (async () => {
      const target = temporalTargetFromEnv({ address: this.options.address, namespace: this.options.temporalNamespace });
      const dataConverter = this.options.dataConverter ?? encryptingDataConverter(this.options.encryptionKeys ?? encryptionKeysFromEnv());
      const connection = await Connection.connect({ ...target.connectionOptions, ...this.options.connection });
      return new Client({ connection, namespace: target.namespace, ...(dataConverter ? { dataConverter } : {}) });
    })();
    this.clientPromise = connecting;
    // A failed connection is not kept: the next call tries again, and close() has nothing to close.
    connecting.catch(() => {
      if (this.clientPromise === connecting) this.clientPromise = undefined;
    });
    return connecting;
  }

  /** Closes the connection this holder opened (not one it was given). */
  async close(): Promise<void> {
    if (this.options.client || !this.clientPromise) return;
    const client = await this.clientPromise.catch(() => undefined);
    await client?.connection.close();
  }
}
