/** `kjob codec-server`: the codec endpoint (src/codec/codec-server.ts) with this host's keys, until Ctrl-C. */
import { AesGcmPayloadCodec } from '../codec/aes-gcm-codec.js';
import { startCodecServer } from '../codec/codec-server.js';
import { encryptionKeysFromEnv, KEY_ENV, KEY_FILE_ENV } from '../codec/encryption-keys.js';
import { onShutdownSignal } from './shutdown-signal.js';

export async function runCodecServer(options: { port: number; host: string; uiOrigins: string[]; stateDir: string }): Promise<void> {
  const keys = encryptionKeysFromEnv({ stateDir: options.stateDir });
  if (keys.length === 0) throw new Error(`kjob codec-server: no encryption key: set ${KEY_ENV} or ${KEY_FILE_ENV}, or run it where ${options.stateDir}/encryption-keys is`);
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(keys), host: options.host, port: options.port, allowedOrigins: options.uiOrigins });
  process.stdout.write(
    [
      `kjob codec endpoint: ${server.url} (keys: ${keys.map((k) => k.id).join(', ')}; ${keys[0]!.id} encrypts)`,
      `Web UI origins allowed: ${options.uiOrigins.join(', ')}`,
      `Point the UI at it: its Data Encoder settings, or TEMPORAL_CODEC_ENDPOINT=${server.url} for the UI server`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => onShutdownSignal(async () => {
    await server.close();
    resolve();
  }));
}
