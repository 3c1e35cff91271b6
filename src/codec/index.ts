/** Payload encryption (README "Encryption"): the codec, its keys, the data converter and the codec endpoint. */
export { AesGcmPayloadCodec, PayloadDecryptionError, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './aes-gcm-codec.js';
export {
  encryptionKeysFromEnv,
  parseEncryptionKeys,
  readKeyFile,
  generateEncryptionKey,
  EncryptionKeyError,
  KEY_ENV,
  KEY_FILE_ENV,
  type EncryptionKey,
} from './encryption-keys.js';
export { encryptingDataConverter } from './data-converter.js';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './codec-server.js';
