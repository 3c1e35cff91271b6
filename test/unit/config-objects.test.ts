/**
 * ConfigMap and Secret validation as Kubernetes words it (pkg/apis/core/validation), the base64 the API server
 * reads (Go's StdEncoding), `stringData` merged into `data`, and the update rules (immutable, type).
 */
import { describe, expect, test } from 'vitest';
import { KIND_VALIDATIONS } from '../../src/client/kinds.js';
import { base64Decode, base64Encode, base64ErrorOffset } from '../../src/shared/config-objects/base64.js';
import { utf8Decode, utf8Encode } from '../../src/shared/utf8.js';
import { ConfigObjectValidationError } from '../../src/shared/config-objects/errors.js';
import { CONFIGMAP_VALIDATION, SECRET_VALIDATION } from '../../src/shared/config-objects/kind-validation.js';
import { configMapKeyErrors } from '../../src/shared/manifest/name-rules.js';
import { materializeConfigMap, materializeSecret, type Identity } from '../../src/shared/config-objects/materialize.js';
import type { ConfigMapObject, SecretObject } from '../../src/shared/config-objects/types.js';
import { validateConfigMapUpdate, validateSecretUpdate } from '../../src/shared/config-objects/validate.js';
import { formatFieldError } from '../../src/shared/manifest/field-errors.js';
import { validateAll } from '../../src/shared/manifest/validated.js';

const KEY_RULE = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`;
const identity: Identity = { uid: 'u-1', creationTimestamp: '2026-12-03T00:00:00Z', namespace: 'default', resourceVersion: '1', random: () => 0 };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The messages of one document's validation, as kubectl lists them. */
function messages(doc: Record<string, unknown>): string[] {
  try {
    validateAll([doc], KIND_VALIDATIONS);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigObjectValidationError)) throw error;
    return error.violations;
  }
}
const configMap = (fields: Record<string, unknown>, name = 'cm') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...fields });
const secret = (fields: Record<string, unknown>, name = 's') => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...fields });

describe('IsConfigMapKey', () => {
  test("the key characters, '.' and '..' and a '..' prefix, 253 characters", () => {
    for (const key of ['a', 'key.name', 'KEY_NAME', 'key-name', '.hidden', '.dockerconfigjson', 'a..b', 'x'.repeat(253)]) expect(configMapKeyErrors(key)).toEqual([]);
    expect(configMapKeyErrors('bad key')).toEqual([KEY_RULE]);
    expect(configMapKeyErrors('a/b')).toEqual([KEY_RULE]);
    expect(configMapKeyErrors('')).toEqual([KEY_RULE]);
    expect(configMapKeyErrors('.')).toEqual([`must not be '.'`]);
    expect(configMapKeyErrors('..')).toEqual([`must not be '..'`]);
    expect(configMapKeyErrors('..data')).toEqual([`must not start with '..'`]);
    expect(configMapKeyErrors('x'.repeat(254))).toEqual(['must be no more than 253 characters']);
  });
});

describe('ValidateConfigMap', () => {
  test('key names in data and binaryData, a key in both, the name a DNS subdomain', () => {
    expect(messages(configMap({ data: { 'bad key': 'v', ok: 'v' }, binaryData: { '..x': b64('v'), ok: b64('v') } }, 'Bad_Name'))).toEqual([
      `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `data[bad key]: Invalid value: "bad key": ${KEY_RULE}`,
      'data[ok]: Invalid value: "ok": duplicate of key present in binaryData',
      `binaryData[..x]: Invalid value: "..x": must not start with '..'`,
    ]);
    expect(messages(configMap({ metadata: {} }))).toEqual(['metadata.name: Required value: name or generateName is required']);
  });

  test('the values may total 1 MiB (data in UTF-8 bytes, binaryData decoded), over it the whole object is too long', () => {
    const half = 'x'.repeat(512 * 1024);
    expect(messages(configMap({ data: { a: half }, binaryData: { b: Buffer.alloc(512 * 1024).toString('base64') } }))).toEqual([]);
    expect(messages(configMap({ data: { a: half, b: 'é' }, binaryData: { c: Buffer.alloc(512 * 1024 - 1).toString('base64') } }))).toEqual([
      '[]: Too long: must have at most 1048576 bytes',
    ]);
  });

  test('binaryData must be base64 (Go’s error, with the offset); types, unknown fields, apiVersion', () => {
    expect(messages(configMap({ binaryData: { a: 'abc$' } }))).toEqual(['binaryData[a]: Invalid value: illegal base64 data at input byte 3']);
    expect(messages(configMap({ data: { a: 1 }, immutable: 'yes', extra: true, apiVersion: 'v2' }))).toEqual([
      'data.a: Invalid value: 1: must be a string',
      'immutable: Invalid value: "yes": must be a boolean',
      'unknown field "extra"',
      'apiVersion: Unsupported value: "v2": supported values: "v1"',
    ]);
  });
});

describe('ValidateSecret', () => {
  test('keys of data and stringData, under data; base64 errors never quote the value; the 1 MiB limit on data', () => {
    expect(messages(secret({ data: { 'bad key': b64('v'), good: 'not base64!' }, stringData: { '.': 'v' } }))).toEqual([
      'data[good]: Invalid value: illegal base64 data at input byte 3',
      `data[bad key]: Invalid value: "bad key": ${KEY_RULE}`,
      `data[.]: Invalid value: ".": must not be '.'`,
    ]);
    expect(messages(secret({ stringData: { a: 'x'.repeat(1024 * 1024) } }))).toEqual([]);
    expect(messages(secret({ stringData: { a: 'x'.repeat(1024 * 1024) }, data: { b: b64('y') } }))).toEqual(['data: Too long: must have at most 1048576 bytes']);
  });

  test('a value of the wrong type is reported without it', () => {
    const reported = messages(secret({ data: { a: 12345 }, stringData: { b: ['hunter2'] } }));
    expect(reported).toEqual(['data.a: Invalid value: must be a string', 'stringData.b: Invalid value: must be a string']);
    expect(reported.join()).not.toMatch(/12345|hunter2/);
  });

  test('the keys each type requires', () => {
    expect(messages(secret({ type: 'kubernetes.io/dockerconfigjson' }))).toEqual(['data[.dockerconfigjson]: Required value']);
    expect(messages(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } }))).toEqual([]);
    expect(messages(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths": hunter2' } }))).toEqual([
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid JSON input',
    ]);
    expect(messages(secret({ type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '["hunter2"]' } }))).toEqual([
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
    ]);
    expect(messages(secret({ type: 'kubernetes.io/dockercfg', data: {} }))).toEqual(['data[.dockercfg]: Required value']);
    expect(messages(secret({ type: 'kubernetes.io/basic-auth' }))).toEqual(['data[username]: Required value', 'data[password]: Required value']);
    expect(messages(secret({ type: 'kubernetes.io/basic-auth', stringData: { password: '' } }))).toEqual([]);
    expect(messages(secret({ type: 'kubernetes.io/ssh-auth', stringData: { 'ssh-privatekey': '' } }))).toEqual(['data[ssh-privatekey]: Required value']);
    expect(messages(secret({ type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } }))).toEqual(['data[tls.key]: Required value']);
    expect(messages(secret({ type: 'kubernetes.io/service-account-token' }))).toEqual(['metadata.annotations[kubernetes.io/service-account.name]: Required value']);
    expect(messages(secret({ type: 'example.com/anything' }))).toEqual([]);
  });

  test('the error names the kind as kubectl does, for every invalid document', () => {
    expect(() => validateAll([secret({ data: { a: '@' } }, 'one'), configMap({}, 'ok')], KIND_VALIDATIONS)).toThrow(
      'Secret "one" is invalid: data[a]: Invalid value: illegal base64 data at input byte 0',
    );
  });
});

describe('stored objects', () => {
  test('stringData is merged into data (over a key of both) as base64, and dropped; type Opaque; empty maps left out', () => {
    const [validated] = validateAll([secret({ data: { a: b64('from data'), b: b64('kept') }, stringData: { a: 'from stringData' } })], [SECRET_VALIDATION]);
    const stored = materializeSecret(validated!.manifest, identity);
    expect(stored).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default', uid: 'u-1', creationTimestamp: '2026-12-03T00:00:00Z', resourceVersion: '1' },
      type: 'Opaque',
      data: { a: b64('from stringData'), b: b64('kept') },
    });
    const [cm] = validateAll([configMap({ data: {}, metadata: { name: 'cm', namespace: 'team', labels: {} } })], [CONFIGMAP_VALIDATION]);
    expect(materializeConfigMap(cm!.manifest, identity)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'team', uid: 'u-1', creationTimestamp: '2026-12-03T00:00:00Z', resourceVersion: '1' },
    });
  });
});

describe('ValidateConfigMapUpdate and ValidateSecretUpdate', () => {
  const storedConfigMap = (fields: Partial<ConfigMapObject>): ConfigMapObject => ({ ...materializeConfigMap({ metadata: { name: 'cm' } }, identity), ...fields });
  const storedSecret = (fields: Partial<SecretObject>): SecretObject => ({ ...materializeSecret({ metadata: { name: 's' } }, identity), ...fields });
  const formatted = (errors: ReturnType<typeof validateConfigMapUpdate>) => errors.map(formatFieldError);

  test('an immutable ConfigMap keeps its data, binaryData and immutable; a mutable one takes any change', () => {
    const frozen = storedConfigMap({ data: { a: '1' }, binaryData: { b: b64('x') }, immutable: true });
    expect(formatted(validateConfigMapUpdate(storedConfigMap({ data: { a: '1' }, binaryData: { b: b64('x') }, immutable: true, metadata: { ...frozen.metadata, labels: { new: 'label' } } }), frozen))).toEqual([]);
    expect(formatted(validateConfigMapUpdate(storedConfigMap({ data: { a: '2' }, immutable: false }), frozen))).toEqual([
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
      'binaryData: Forbidden: field is immutable when `immutable` is set',
    ]);
    const open = storedConfigMap({ data: { a: '1' } });
    expect(formatted(validateConfigMapUpdate(storedConfigMap({ data: { a: '2' }, immutable: true }), open))).toEqual([]);
  });

  test('a Secret keeps its type, an immutable one its data; identity stays; the new object is validated too', () => {
    const old = storedSecret({ type: 'kubernetes.io/basic-auth', data: { username: b64('u') }, immutable: true });
    expect(formatted(validateSecretUpdate(storedSecret({ type: 'Opaque', data: { username: b64('v') } }), old))).toEqual([
      'type: Invalid value: "Opaque": field is immutable',
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    const open = storedSecret({ data: { a: b64('1') } });
    expect(formatted(validateSecretUpdate(storedSecret({ data: { 'bad key': b64('1') }, metadata: { ...open.metadata, uid: 'other' } }), open))).toEqual([
      'metadata.uid: Invalid value: "other": field is immutable',
      `data[bad key]: Invalid value: "bad key": ${KEY_RULE}`,
    ]);
  });
});

describe("base64 as Go's StdEncoding reads it, and UTF-8", () => {
  test('the offset of the first byte Go refuses', () => {
    expect(base64ErrorOffset('')).toBeUndefined();
    expect(base64ErrorOffset('aGVsbG8=')).toBeUndefined();
    expect(base64ErrorOffset('aGVs\nbG8=\r\n')).toBeUndefined();
    expect(base64ErrorOffset('aGVsbG8')).toBe(4);
    expect(base64ErrorOffset('a')).toBe(0);
    expect(base64ErrorOffset('ab$d')).toBe(2);
    expect(base64ErrorOffset('a===')).toBe(1);
    expect(base64ErrorOffset('ab=')).toBe(3);
    expect(base64ErrorOffset('ab=x')).toBe(2);
    expect(base64ErrorOffset('aGVsbG8=aGVs')).toBe(8);
    expect(base64ErrorOffset('aGVsbA==')).toBeUndefined();
  });

  test('encode and decode agree with Node’s, and UTF-8 with Node’s', () => {
    for (const bytes of [[], [0], [0, 1], [0, 1, 2], [255, 254, 253, 252, 251]].map((b) => Uint8Array.from(b))) {
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(Array.from(base64Decode(Buffer.from(bytes).toString('base64')))).toEqual(Array.from(bytes));
    }
    for (const text of ['', 'ascii', 'é', '日本', '😀']) {
      expect(Array.from(utf8Encode(text))).toEqual(Array.from(Buffer.from(text)));
      expect(utf8Decode(Buffer.from(text))).toBe(text);
    }
    expect(utf8Decode(Uint8Array.from([0xff, 0xfe]))).toBeUndefined();
  });
});
