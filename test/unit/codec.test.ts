/**
 * The payload codec (src/codec/aes-gcm-codec.ts) and its keys (src/codec/encryption-keys.ts): a round trip, key
 * rotation, an unknown key id, a tampered payload, unencrypted payloads passing through, and every way a key or
 * key file can be wrong. The codec endpoint's JSON (src/codec/codec-server.ts) over real HTTP.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, test } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/codec/aes-gcm-codec.js';
import { startCodecServer } from '../../src/codec/codec-server.js';
import { devEncryptionKeys } from '../../src/codec/dev-keys.js';
import {
  encryptionKeysFromEnv,
  EncryptionKeyError,
  formatKeyLine,
  generateEncryptionKey,
  parseEncryptionKeys,
  readKeyFile,
} from '../../src/codec/encryption-keys.js';

const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const SECRET = 'hunter2-marker-value';

describe('AesGcmPayloadCodec', () => {
  const k1 = generateEncryptionKey('k1');
  const k2 = generateEncryptionKey('k2');

  test('encodes to binary/encrypted with the key id and no plaintext, and decodes back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const original = [payloadOf({ env: { PASSWORD: SECRET } }), payloadOf('plain text'), payloadOf(undefined)];
    const encoded = await codec.encode(original);
    for (const payload of encoded) {
      expect(text(payload.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe('k1');
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA]);
      expect(Buffer.from(payload.data!).includes(SECRET)).toBe(false);
      expect(Buffer.from(payload.data!).includes('json/plain')).toBe(false);
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ env: { PASSWORD: SECRET } }, 'plain text', undefined]);
    expect(decoded.map((p) => text(p.metadata?.encoding))).toEqual(original.map((p) => text(p.metadata?.encoding)));
  });

  test('a random nonce per payload: the same value encrypts differently each time', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [a, b] = await codec.encode([payloadOf(SECRET), payloadOf(SECRET)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('rotation: the new key encrypts, the old one still decrypts what it wrote', async () => {
    const before = await new AesGcmPayloadCodec([k1]).encode([payloadOf('old')]);
    const rotated = new AesGcmPayloadCodec([k2, k1]);
    const after = await rotated.encode([payloadOf('new')]);
    expect(text(after[0]!.metadata?.[KEY_ID_METADATA])).toBe('k2');
    expect((await rotated.decode([...before, ...after])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['old', 'new']);
  });

  test('an unknown key id fails naming the id, never a key', async () => {
    const encoded = await new AesGcmPayloadCodec([k2]).encode([payloadOf(SECRET)]);
    const error = (await new AesGcmPayloadCodec([k1]).decode(encoded).then(
      () => undefined,
      (e: unknown) => e as Error,
    ))!;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/encrypted with key "k2", which this process does not have \(its keys: "k1"\)/);
    for (const key of [k1, k2]) expect(error.message).not.toContain(Buffer.from(key.key).toString('base64'));
  });

  test('a tampered payload fails GCM authentication: altered data, or relabelled with another key id', async () => {
    const codec = new AesGcmPayloadCodec([k1, k2]);
    const [encoded] = await codec.encode([payloadOf(SECRET)]);
    const flipped = new Uint8Array(encoded!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data: flipped }])).rejects.toThrow(/key "k1" fails authentication/);
    // Same bytes, another id: a key of the same ring, so the id is authenticated, not only looked up.
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/key "k2" fails authentication/);
    await expect(codec.decode([{ ...encoded!, data: flipped.subarray(0, 10) }])).rejects.toThrow(/too short/);
  });

  test('payloads not encrypted (old histories, replay fixtures) pass through decode unchanged', async () => {
    const plain = [payloadOf({ a: 1 }), payloadOf('x'), { metadata: { encoding: new TextEncoder().encode('binary/plain') }, data: new Uint8Array([1, 2, 3]) }];
    expect(await new AesGcmPayloadCodec([k1]).decode(plain)).toEqual(plain);
  });

  test('refuses no keys, a wrong key length, duplicate ids', () => {
    expect(() => new AesGcmPayloadCodec([])).toThrow(/at least one key/);
    expect(() => new AesGcmPayloadCodec([{ id: 'short', key: new Uint8Array(16) }])).toThrow(/"short" must be 32 bytes, got 16/);
    expect(() => new AesGcmPayloadCodec([k1, { ...k2, id: 'k1' }])).toThrow(/unique/);
  });
});

describe('encryption keys', () => {
  const good = generateEncryptionKey('prod-2026');
  const old = generateEncryptionKey('prod-2025');
  const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

  test('KJOB_ENCRYPTION_KEY: id:base64, several comma-separated, the first encrypts', () => {
    const keys = encryptionKeysFromEnv({ env: { KJOB_ENCRYPTION_KEY: `${formatKeyLine(good)}, ${formatKeyLine(old)}` }, stateDir: '/nonexistent' });
    expect(keys.map((k) => k.id)).toEqual(['prod-2026', 'prod-2025']);
    expect(Buffer.from(keys[0]!.key).equals(Buffer.from(good.key))).toBe(true);
  });

  test('every violation listed, by place, with no key material in the message', () => {
    const secretish = b64(16);
    let error: EncryptionKeyError | undefined;
    try {
      parseEncryptionKeys(
        [`nocolon${secretish}`, `a:${secretish}`, 'b:not base64!', `bad id:${b64(32)}`, `c:${b64(32)}`, `c:${b64(32)}`].map((t, i) => ({ text: t, where: `KJOB_ENCRYPTION_KEY[${i}]` })),
      );
    } catch (e) {
      error = e as EncryptionKeyError;
    }
    expect(error).toBeInstanceOf(EncryptionKeyError);
    expect(error!.violations).toEqual([
      'KJOB_ENCRYPTION_KEY[0]: Invalid value: "<redacted>": must be ID:BASE64 (an id, a colon, 32 bytes in base64)',
      'KJOB_ENCRYPTION_KEY[1]: Invalid value: key "a": must be 32 bytes, got 16',
      'KJOB_ENCRYPTION_KEY[2]: Invalid value: key "b": must be base64 (standard alphabet, padded)',
      `KJOB_ENCRYPTION_KEY[3]: Invalid value: "bad id": key id must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      'KJOB_ENCRYPTION_KEY[5]: Duplicate value: "c": key id given twice',
    ]);
    expect(error!.message).not.toContain(secretish);
  });

  test('a key file: one per line, # comments and blank lines skipped, errors by line; an empty file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kjob-keys-'));
    const file = join(dir, 'keys');
    writeFileSync(file, `# rotated 2026-01-01\n\n${formatKeyLine(good)}\n  ${formatKeyLine(old)}  \n`, { mode: 0o600 });
    expect(readKeyFile(file).map((k) => k.id)).toEqual(['prod-2026', 'prod-2025']);
    expect(encryptionKeysFromEnv({ env: { KJOB_ENCRYPTION_KEY_FILE: file }, stateDir: '/nonexistent' }).map((k) => k.id)).toEqual(['prod-2026', 'prod-2025']);
    writeFileSync(file, `# header\nx:${b64(31)}\n`);
    expect(() => readKeyFile(file)).toThrow(`${file}:2: Invalid value: key "x": must be 32 bytes, got 31`);
    writeFileSync(file, '# nothing here\n');
    expect(() => readKeyFile(file)).toThrow(`${file}: Required value: the file holds no key`);
    expect(() => readKeyFile(join(dir, 'missing'))).toThrow(/cannot read the encryption key file: ENOENT/);
  });

  test('a key file others can read is used, with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kjob-keys-'));
    const file = join(dir, 'keys');
    writeFileSync(file, `${formatKeyLine(good)}\n`);
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    expect(readKeyFile(file).map((k) => k.id)).toEqual(['prod-2026']);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings).toEqual([`${file} (mode 0644) can be read by other users; chmod 600 it`]);
  });

  test('the order: the env var over the key file over <stateDir>/encryption-keys; none anywhere means no encryption', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kjob-state-'));
    expect(encryptionKeysFromEnv({ env: {}, stateDir })).toEqual([]);
    const made = devEncryptionKeys(stateDir, {});
    expect(made.created).toBe(true);
    expect(made.keys[0]!.id).toMatch(/^dev-\d{8}$/);
    // kjob dev's file: 0600, found by the next start and by clients of the same state folder.
    expect(readKeyFile(join(stateDir, 'encryption-keys')).map((k) => k.id)).toEqual([made.keys[0]!.id]);
    expect(devEncryptionKeys(stateDir, {})).toMatchObject({ created: false, keys: made.keys });
    const file = join(stateDir, 'other');
    writeFileSync(file, `${formatKeyLine(old)}\n`, { mode: 0o600 });
    expect(encryptionKeysFromEnv({ env: { KJOB_ENCRYPTION_KEY_FILE: file }, stateDir }).map((k) => k.id)).toEqual(['prod-2025']);
    expect(encryptionKeysFromEnv({ env: { KJOB_ENCRYPTION_KEY: formatKeyLine(good), KJOB_ENCRYPTION_KEY_FILE: file }, stateDir }).map((k) => k.id)).toEqual(['prod-2026']);
  });
  test('a worker with a state folder of its own also finds the working directory\'s .kjob/encryption-keys, where clients look', () => {
    const project = mkdtempSync(join(tmpdir(), 'kjob-project-'));
    const made = devEncryptionKeys(join(project, '.kjob'), {});
    const cwd = process.cwd();
    process.chdir(project);
    try {
      expect(encryptionKeysFromEnv({ env: {} }).map((k) => k.id)).toEqual([made.keys[0]!.id]);
      expect(encryptionKeysFromEnv({ env: {}, stateDir: mkdtempSync(join(tmpdir(), 'kjob-state-')) }).map((k) => k.id)).toEqual([made.keys[0]!.id]);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('the codec endpoint', () => {
  const key = generateEncryptionKey('ui');
  const ui = 'http://127.0.0.1:8233';

  test('POST /encode and /decode in proto3 JSON, CORS for the UI origin only', async () => {
    const server = await startCodecServer({ codec: new AesGcmPayloadCodec([key]), allowedOrigins: [ui] });
    try {
      const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: ui, ...headers }, body: JSON.stringify(body) });
      const plain = payloadOf({ secret: SECRET });
      const json = { payloads: [{ metadata: { encoding: Buffer.from(plain.metadata!.encoding!).toString('base64') }, data: Buffer.from(plain.data!).toString('base64') }] };
      const encodedResponse = await call('/encode', json);
      expect(encodedResponse.status).toBe(200);
      expect(encodedResponse.headers.get('access-control-allow-origin')).toBe(ui);
      expect(encodedResponse.headers.get('access-control-allow-credentials')).toBe('true');
      const encoded = (await encodedResponse.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(encoded.payloads[0]!.data, 'base64').includes(SECRET)).toBe(false);
      // Under any prefix: only the last part of the path counts.
      const decoded = (await (await call('/some/prefix/decode', encoded)).json()) as typeof json;
      expect(decoded).toEqual(json);

      // The browser's preflight for the UI's origin; another origin gets nothing.
      const preflight = await fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: ui, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
      expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-namespace');
      expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
      const foreign = await call('/decode', encoded, { Origin: 'http://evil.example' });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

      // Bad input: 400 with the reason, never a key.
      const notPayloads = await call('/decode', 'not an object');
      expect(notPayloads.status).toBe(400);
      expect(((await notPayloads.json()) as { message: string }).message).toBe('body: Invalid value: Invalid input: expected object, received string');
      const badData = await call('/decode', { payloads: [{ data: 'not base64!' }] });
      expect(((await badData.json()) as { message: string }).message).toBe('body.payloads.0.data: Invalid value: must be base64');
      const notJson = await fetch(`${server.url}/decode`, { method: 'POST', headers: { Origin: ui }, body: '{' });
      expect(notJson.status).toBe(400);
      expect(((await notJson.json()) as { message: string }).message).toMatch(/^the body is not JSON/);
      const unknownKey = await new AesGcmPayloadCodec([generateEncryptionKey('other')]).encode([plain]);
      const unknown = await call('/decode', { payloads: unknownKey.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p.data!).toString('base64') })) });
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { message: string }).message).toMatch(/encrypted with key "other"/);
      expect((await call('/other', json)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
