/**
 * The data converter of every kjob client and worker: with encryption keys, payloads go through
 * AesGcmPayloadCodec and failures keep their message and stack trace in an encrypted payload
 * (encrypting-failure-converter.cjs); with none, Temporal's defaults (payloads plain, as before encryption).
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter, LoadedDataConverter, Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aes-gcm-codec.js';
import type { EncryptionKey } from './encryption-keys.js';

/** Path of the failure converter module, for Worker.create and bundleWorkflowCode (they require() it). */
export const ENCRYPTING_FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./encrypting-failure-converter.cjs', import.meta.url));

/**
 * The data converter of a client or worker holding these keys, or `undefined` for Temporal's default. The failure
 * converter goes by path: Worker.create loads only paths (a converter object there is ignored).
 */
export function encryptingDataConverter(keys: readonly EncryptionKey[]): DataConverter | undefined {
  if (keys.length === 0) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: ENCRYPTING_FAILURE_CONVERTER_PATH };
}

/** Decodes payloads read raw from the server (describe's pending activities, fetched histories) with a converter's codecs. */
export async function decodePayloads(converter: Pick<LoadedDataConverter, 'payloadCodecs'>, payloads: Payload[]): Promise<Payload[]> {
  let decoded = payloads;
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded;
}
