/**
 * `AesGcmPayloadCodec`: Temporal's payload codec (PayloadCodec, @temporalio/common) that encrypts every payload
 * with AES-256-GCM, the scheme of Temporal's encryption samples: the whole serialized Payload proto (metadata and
 * data) is sealed under a random 12-byte nonce, and the result carries only `encoding: binary/encrypted` and the
 * key's id. Payloads of any other encoding pass through decode unchanged, so histories written before encryption
 * (and the replay fixtures) still read.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { EncryptionKey } from './encryption-keys.js';

// @temporalio/proto is CommonJS: Node's ESM loader gives it as the default export only.
const PayloadProto = proto.temporal.api.common.v1.Payload;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const untext = new TextDecoder();

/** A payload that cannot be decrypted: its key is not in the ring, or it was altered (GCM's tag does not match). */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Uint8Array>;
  private readonly encrypting: EncryptionKey;

  /** `keys[0]` encrypts; every key decrypts what it encrypted (rotation: put the new key first, keep the old ones). */
  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new TypeError('AesGcmPayloadCodec needs at least one key');
    for (const { id, key } of keys) if (key.length !== 32) throw new TypeError(`encryption key ${JSON.stringify(id)} must be 32 bytes, got ${key.length}`);
    this.keys = new Map(keys.map(({ id, key }) => [id, key]));
    if (this.keys.size !== keys.length) throw new TypeError('encryption key ids must be unique');
    this.encrypting = keys[0]!;
  }

  /** Id of the key that encrypts. */
  get keyId(): string {
    return this.encrypting.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.encrypting;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    // The key id is authenticated too: a payload relabelled with another id fails to decrypt.
    cipher.setAAD(text.encode(id));
    const sealed = Buffer.concat([nonce, cipher.update(PayloadProto.encode(payload).finish()), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text.encode(id) }, data: new Uint8Array(sealed) };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new PayloadDecryptionError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const id = untext.decode(idBytes);
    const key = this.keys.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key ${JSON.stringify(id)}, which this process does not have (its keys: ${[...this.keys.keys()].map((k) => JSON.stringify(k)).join(', ')}); ` +
          'add that key to KJOB_ENCRYPTION_KEY or the key file, after the one that encrypts',
      );
    }
    const sealed = payload.data ?? new Uint8Array();
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`a payload encrypted with key ${JSON.stringify(id)} is too short (${sealed.length} bytes)`);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(idBytes);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`a payload encrypted with key ${JSON.stringify(id)} fails authentication: it was altered, or that id names another key here`);
    }
    return PayloadProto.decode(plain);
  }
}
