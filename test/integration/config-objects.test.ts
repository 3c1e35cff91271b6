/**
 * ConfigMaps and Secrets on the dev server, through the built CLI and the clients: every `create secret` and
 * `create configmap` source, `apply -f` with Jobs in the same input, get/describe/delete in kubectl's output,
 * AlreadyExists, NotFound, Kubernetes' update rules (immutable, type), and the worker-side reader
 * (TemporalConfigObjectSource) seeing a replace and a delete.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigMapClient, SecretClient } from '../../src/client/config-object-client.js';
import { TemporalConfigObjectSource } from '../../src/client/config-object-source.js';
import { ConfigObjectAlreadyExistsError, ConfigObjectConflictError, ConfigObjectNotFoundError, ConfigObjectValidationError } from '../../src/shared/config-objects/errors.js';
import type { SecretObject } from '../../src/shared/config-objects/types.js';
import { runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { handlerContainer, jobManifest } from '../helpers.js';

let env: DevEnvironment;
let configMaps: ConfigMapClient;
let secrets: SecretClient;
let source: TemporalConfigObjectSource;

const kjob = (...args: string[]) => runKjob(env, ...args);
const decoded = (secret: SecretObject, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

beforeAll(async () => {
  env = await startDevEnvironment('config-objects', { worker: { handlers: { hello: (ctx) => ctx.log.info('hello') } } });
  configMaps = new ConfigMapClient({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: env.keys });
  secrets = new SecretClient({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: env.keys });
  source = new TemporalConfigObjectSource(await configMaps.client());
});
afterAll(async () => {
  await configMaps?.close();
  await secrets?.close();
  await env?.stop();
});

describe('kjob create secret generic', () => {
  test('literals, a file, a keyed file and a folder; get, -o yaml|json|name, describe (sizes only), delete', async () => {
    await mkdir(join(env.dir, 'creds'), { recursive: true });
    await mkdir(join(env.dir, 'creds', 'nested'), { recursive: true });
    await writeFile(join(env.dir, 'creds', 'api-key'), 'folder-key-value');
    await writeFile(join(env.dir, 'creds', 'nested', 'skipped'), 'in a subfolder');
    await writeFile(join(env.dir, 'token.txt'), 'file-token-value\n');
    const created = await kjob(
      'create', 'secret', 'generic', 'app-creds',
      '--from-literal=username=admin', '--from-literal=password=s3cr=t!',
      '--from-file=token.txt', '--from-file=renamed=token.txt', '--from-file=creds',
    );
    expect(created).toMatchObject({ code: 0, stdout: 'secret/app-creds created\n' });

    const secret = await secrets.get('app-creds');
    expect(secret.type).toBe('Opaque');
    expect(Object.keys(secret.data ?? {})).toEqual(['api-key', 'password', 'renamed', 'token.txt', 'username']);
    expect(decoded(secret, 'password')).toBe('s3cr=t!');
    expect(decoded(secret, 'token.txt')).toBe('file-token-value\n');
    expect(decoded(secret, 'renamed')).toBe('file-token-value\n');
    expect(decoded(secret, 'api-key')).toBe('folder-key-value');

    const table = await kjob('get', 'secrets');
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\napp-creds\s+Opaque\s+5\s+\d+s\n$/);
    const yaml = parseYaml((await kjob('get', 'secret', 'app-creds', '-o', 'yaml')).stdout) as SecretObject;
    expect(yaml).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'app-creds', namespace: 'default', uid: secret.metadata.uid } });
    expect(yaml.data?.username).toBe(Buffer.from('admin').toString('base64'));
    expect(JSON.parse((await kjob('get', 'secrets', 'app-creds', '-o', 'json')).stdout)).toEqual(secret);
    expect((await kjob('get', 'secrets', '-o', 'name')).stdout).toBe('secret/app-creds\n');

    const described = await kjob('describe', 'secret', 'app-creds');
    expect(described.stdout).toBe(
      [
        'Name:         app-creds',
        'Namespace:    default',
        'Labels:       <none>',
        'Annotations:  <none>',
        '',
        'Type:  Opaque',
        '',
        'Data',
        '====',
        'api-key:    16 bytes',
        'password:   7 bytes',
        'renamed:    17 bytes',
        'token.txt:  17 bytes',
        'username:   5 bytes',
        '',
      ].join('\n'),
    );
    for (const value of ['admin', 's3cr=t!', 'file-token-value']) expect(described.stdout).not.toContain(value);

    expect(await kjob('delete', 'secret', 'app-creds')).toMatchObject({ code: 0, stdout: 'secret "app-creds" deleted\n' });
    expect(await kjob('get', 'secret', 'app-creds')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): secrets "app-creds" not found\n' });
  });

  test('an env file (comments, blank lines, a bare KEY from the environment) and --type', async () => {
    await writeFile(join(env.dir, 'app.env'), '# settings\n\nDB_HOST=db.local\n  DB_PORT=5432\nFROM_ENV\nEMPTY=\n');
    const created = await runKjobWithEnv({ FROM_ENV: 'from-the-environment' }, 'create', 'secret', 'generic', 'env-creds', '--from-env-file=app.env', '--type=example.com/custom');
    expect(created).toMatchObject({ code: 0, stdout: 'secret/env-creds created\n' });
    const secret = await secrets.get('env-creds');
    expect(secret.type).toBe('example.com/custom');
    expect(Object.fromEntries(Object.keys(secret.data ?? {}).map((key) => [key, decoded(secret, key)]))).toEqual({
      DB_HOST: 'db.local',
      DB_PORT: '5432',
      FROM_ENV: 'from-the-environment',
      EMPTY: '',
    });
  });

  test("kubectl's refusals: a bad key from a file name, a literal without '=', env files with other sources", async () => {
    await writeFile(join(env.dir, 'bad name'), 'x');
    expect(await kjob('create', 'secret', 'generic', 'bad', '--from-file=bad name')).toMatchObject({
      code: 1,
      stderr: `error: "bad name" is not valid key name for a Secret a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')\n`,
    });
    expect(await kjob('create', 'secret', 'generic', 'bad', '--from-literal=novalue')).toMatchObject({ code: 1, stderr: 'error: invalid literal source novalue, expected key=value\n' });
    expect(await kjob('create', 'secret', 'generic', 'bad', '--from-env-file=app.env', '--from-literal=a=b')).toMatchObject({
      code: 1,
      stderr: 'error: from-env-file cannot be combined with from-file or from-literal\n',
    });
    expect(await kjob('create', 'secret', 'generic', 'bad', '--from-file=missing.txt')).toMatchObject({ code: 1, stderr: 'error: error reading missing.txt: no such file or directory\n' });
    expect(await kjob('get', 'secret', 'bad')).toMatchObject({ code: 1 });
  });
});

async function runKjobWithEnv(extra: Record<string, string>, ...args: string[]) {
  const saved = Object.fromEntries(Object.keys(extra).map((key) => [key, process.env[key]]));
  Object.assign(process.env, extra);
  try {
    return await kjob(...args);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('kjob create secret docker-registry', () => {
  test("kubectl's .dockerconfigjson: the server under auths, with auth = base64(user:password)", async () => {
    const created = await kjob(
      'create', 'secret', 'docker-registry', 'regcred',
      '--docker-server=registry.example.com:5000', '--docker-username=robot', '--docker-password=pull-pass', '--docker-email=robot@example.com',
    );
    expect(created).toMatchObject({ code: 0, stdout: 'secret/regcred created\n' });
    const secret = await secrets.get('regcred');
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(decoded(secret, '.dockerconfigjson')).toBe(
      `{"auths":{"registry.example.com:5000":{"username":"robot","password":"pull-pass","email":"robot@example.com","auth":"${Buffer.from('robot:pull-pass').toString('base64')}"}}}`,
    );
    expect((await kjob('get', 'secrets', 'regcred')).stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\nregcred\s+kubernetes\.io\/dockerconfigjson\s+1\s+\d+s\n$/);
    expect(await kjob('create', 'secret', 'docker-registry', 'nocreds')).toMatchObject({
      code: 1,
      stderr: 'error: either --from-file or the combination of --docker-username, --docker-password and --docker-server is required\n',
    });
  });
});

describe('kjob create configmap', () => {
  test('literals, files, a binary file (binaryData) and an env file; get, describe with the data', async () => {
    await writeFile(join(env.dir, 'settings.ini'), '[main]\nmode=fast\n');
    await writeFile(join(env.dir, 'blob.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    await writeFile(join(env.dir, 'cm.env'), 'LEVEL=debug\n');
    expect(await kjob('create', 'configmap', 'app-config', '--from-literal=color=blue', '--from-file=settings.ini', '--from-file=blob.bin')).toMatchObject({
      code: 0,
      stdout: 'configmap/app-config created\n',
    });
    expect(await kjob('create', 'cm', 'env-config', '--from-env-file=cm.env')).toMatchObject({ code: 0, stdout: 'configmap/env-config created\n' });

    const configMap = await configMaps.get('app-config');
    expect(configMap.data).toEqual({ color: 'blue', 'settings.ini': '[main]\nmode=fast\n' });
    expect(configMap.binaryData).toEqual({ 'blob.bin': Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64') });
    expect((await configMaps.get('env-config')).data).toEqual({ LEVEL: 'debug' });

    expect((await kjob('get', 'configmaps')).stdout).toMatch(/^NAME\s+DATA\s+AGE\napp-config\s+3\s+\d+s\nenv-config\s+1\s+\d+s\n$/);
    expect((await kjob('describe', 'configmap', 'app-config')).stdout).toBe(
      [
        'Name:         app-config',
        'Namespace:    default',
        'Labels:       <none>',
        'Annotations:  <none>',
        '',
        'Data',
        '====',
        'color:',
        '----',
        'blue',
        'settings.ini:',
        '----',
        '[main]\nmode=fast\n',
        '',
        'BinaryData',
        '====',
        'blob.bin: 4 bytes',
        '',
        'Events:  <none>',
        '',
      ].join('\n'),
    );
    expect((await kjob('describe', 'cm/app-config')).stdout).toBe((await kjob('describe', 'configmap', 'app-config')).stdout);
    expect(await kjob('create', 'configmap', 'app-config', '--from-literal=a=b')).toMatchObject({
      code: 1,
      stderr: 'Error from server (AlreadyExists): configmaps "app-config" already exists\n',
    });
    expect(await kjob('create', 'configmap', 'bad', '--from-literal=..dots=x')).toMatchObject({
      code: 1,
      stderr: `error: "..dots" is not a valid key name for a ConfigMap: must not start with '..'\n`,
    });
  });
});

describe('apply -f and create -f with Secrets, ConfigMaps and a Job in one input', () => {
  const input = (color: string) =>
    [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mixed-config', labels: { app: 'mixed' } }, data: { color } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mixed-secret' }, stringData: { password: 'from-string-data' }, data: { user: Buffer.from('me').toString('base64') } },
      jobManifest('mixed-job', {}, handlerContainer('hello')),
    ]
      .map((doc) => JSON.stringify(doc))
      .join('\n---\n');

  test('created, then unchanged, then configured; stringData is merged into data and not kept', async () => {
    await writeFile(join(env.dir, 'mixed.yaml'), input('red'));
    expect(await kjob('apply', '-f', 'mixed.yaml')).toMatchObject({
      code: 0,
      stdout: 'configmap/mixed-config created\nsecret/mixed-secret created\njob.batch/mixed-job created\n',
    });
    const secret = await secrets.get('mixed-secret');
    expect(secret).not.toHaveProperty('stringData');
    expect(decoded(secret, 'password')).toBe('from-string-data');
    expect(decoded(secret, 'user')).toBe('me');

    expect((await kjob('apply', '-f', 'mixed.yaml')).stdout).toBe('configmap/mixed-config unchanged\nsecret/mixed-secret unchanged\njob.batch/mixed-job unchanged\n');
    await writeFile(join(env.dir, 'mixed.yaml'), input('green'));
    expect((await kjob('apply', '-f', 'mixed.yaml')).stdout).toBe('configmap/mixed-config configured\nsecret/mixed-secret unchanged\njob.batch/mixed-job unchanged\n');
    const configMap = await configMaps.get('mixed-config');
    expect(configMap.data).toEqual({ color: 'green' });
    expect(configMap.metadata.resourceVersion).toBe('2');
    expect(configMap.metadata.labels).toEqual({ app: 'mixed' });

    expect(await kjob('create', '-f', 'mixed.yaml')).toMatchObject({ code: 1, stderr: 'Error from server (AlreadyExists): configmaps "mixed-config" already exists\n' });
    await env.jobs.wait('mixed-job', { timeoutMs: 60_000 });
  });

  test("an invalid document creates nothing; Kubernetes' messages, with no Secret value in them", async () => {
    const docs = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'never-made' }, data: { 'bad key': 'x' }, binaryData: { 'bad key': 'eA==' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad-docker' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': 'not-json-hunter2' } },
    ];
    await writeFile(join(env.dir, 'invalid.yaml'), docs.map((doc) => JSON.stringify(doc)).join('\n---\n'));
    const result = await kjob('apply', '-f', 'invalid.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The ConfigMap "never-made" is invalid: \n* data[bad key]: Invalid value: "bad key": a valid config key must consist of');
    expect(result.stderr).toContain('* data[bad key]: Invalid value: "bad key": duplicate of key present in binaryData');
    expect(await kjob('get', 'configmap', 'never-made')).toMatchObject({ code: 1 });

    const error = await secrets.create(docs[1]!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigObjectValidationError);
    expect((error as Error).message).toBe('Secret "bad-docker" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid JSON input');
    expect((error as Error).message).not.toContain('hunter2');
    const undecodable = await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad-base64' }, data: { key: 'abc$' } }).catch((e: unknown) => e);
    expect((undecodable as Error).message).toBe('Secret "bad-base64" is invalid: data[key]: Invalid value: illegal base64 data at input byte 3');
  });
});

describe('the clients: AlreadyExists, NotFound, update rules, list, the reader', () => {
  test('AlreadyExists and NotFound are typed, with the API server’s words', async () => {
    await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'twice' }, stringData: { a: 'b' } });
    const again = await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'twice' }, stringData: { a: 'c' } }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConfigObjectAlreadyExistsError);
    expect((again as Error).message).toBe('secrets "twice" already exists');
    expect(decoded(await secrets.get('twice'), 'a')).toBe('b');
    const missing = await configMaps.get('nowhere').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigObjectNotFoundError);
    expect((missing as Error).message).toBe('configmaps "nowhere" not found');
    await expect(secrets.delete('nowhere')).rejects.toThrow('secrets "nowhere" not found');
    await expect(configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' } })).rejects.toThrow(ConfigObjectNotFoundError);
  });

  test('an immutable object refuses data changes and unsetting immutable; a Secret keeps its type; a stale resourceVersion conflicts', async () => {
    await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const changed = await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '2' }, immutable: true }).catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(ConfigObjectValidationError);
    expect((changed as Error).message).toBe('ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const unset = await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' } }).catch((e: unknown) => e);
    expect((unset as Error).message).toBe('ConfigMap "frozen" is invalid: immutable: Forbidden: field is immutable when `immutable` is set');
    expect(await configMaps.get('frozen')).toMatchObject({ data: { a: '1' }, immutable: true, metadata: { resourceVersion: '1' } });
    await writeFile(join(env.dir, 'frozen.yaml'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '3' }, immutable: true }));
    expect(await kjob('apply', '-f', 'frozen.yaml')).toMatchObject({
      code: 1,
      stderr: 'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set\n',
    });

    await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'u' } });
    const retyped = await secrets.replace({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed' }, stringData: { username: 'u' } }).catch((e: unknown) => e);
    expect((retyped as Error).message).toBe('Secret "typed" is invalid: type: Invalid value: "Opaque": field is immutable');
    const replaced = await secrets.replace({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed', resourceVersion: '1' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'v' } });
    expect(replaced.metadata.resourceVersion).toBe('2');
    const stale = await secrets.replace({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed', resourceVersion: '1' }, type: 'kubernetes.io/basic-auth', stringData: { username: 'w' } }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ConfigObjectConflictError);
    expect(decoded(await secrets.get('typed'), 'username')).toBe('v');
  });

  test('list by namespace and across namespaces (-A)', async () => {
    const other = new ConfigMapClient({ address: env.server.address, taskQueue: env.taskQueue, namespace: 'team-b', encryptionKeys: env.keys });
    try {
      await other.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere' }, data: { x: 'y' } });
      expect(await kjob('create', 'cm', 'via-cli', '--from-literal=a=b', '-n', 'team-b')).toMatchObject({ code: 0, stdout: 'configmap/via-cli created\n' });
      expect((await other.list()).map((c) => c.metadata.name)).toEqual(['elsewhere', 'via-cli']);
      const all = (await configMaps.list({ allNamespaces: true })).map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
      expect(all).toEqual(expect.arrayContaining(['default/app-config', 'team-b/elsewhere']));
      expect((await configMaps.list()).map((c) => c.metadata.name)).not.toContain('elsewhere');
      expect((await kjob('get', 'cm', '-A')).stdout).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE\n(.*\n)*team-b\s+elsewhere\s+1\s+\d+s\nteam-b\s+via-cli\s+1\s+\d+s\n$/);
      expect((await kjob('get', 'cm', '-n', 'team-b')).stdout).toMatch(/^NAME\s+DATA\s+AGE\nelsewhere\s+1\s+\d+s\nvia-cli\s+1\s+\d+s\n$/);
      expect(await kjob('get', 'secrets', '-n', 'team-b')).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in team-b namespace.\n' });
    } finally {
      await other.close();
    }
  });

  test('the reader sees a replaced ConfigMap, shares concurrent reads, and finds a deleted one gone; the name is free again', async () => {
    const first = await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'read-me' }, data: { version: 'one' } });
    expect((await source.configMap('default', 'read-me'))?.data).toEqual({ version: 'one' });
    await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'read-me', annotations: { note: 'ü' }, labels: { app: 'x' } }, data: { version: 'two' } });
    const [a, b] = await Promise.all([source.configMap('default', 'read-me'), source.configMap('default', 'read-me')]);
    expect(a).toMatchObject({ data: { version: 'two' }, metadata: { annotations: { note: 'ü' }, labels: { app: 'x' }, resourceVersion: '2' } });
    expect(b).toBe(a);
    expect(await source.secret('default', 'read-me')).toBeUndefined();
    expect((await source.secret('default', 'twice'))?.data).toEqual({ a: Buffer.from('b').toString('base64') });

    await configMaps.delete('read-me');
    expect(await source.configMap('default', 'read-me')).toBeUndefined();
    await expect(configMaps.get('read-me')).rejects.toThrow(ConfigObjectNotFoundError);
    expect((await configMaps.list()).map((c) => c.metadata.name)).not.toContain('read-me');
    const again = await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'read-me' }, data: { version: 'three' } });
    expect(again.metadata.uid).not.toBe(first.metadata.uid);
    expect((await source.configMap('default', 'read-me'))?.data).toEqual({ version: 'three' });
    expect(await kjob('delete', 'cm', 'read-me')).toMatchObject({ code: 0, stdout: 'configmap "read-me" deleted\n' });
    expect(await source.configMap('default', 'read-me')).toBeUndefined();
  });

  test('an object replaced 200 times goes on in a new run (continue-as-new), its resourceVersion and data kept', async () => {
    await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'busy' }, data: { n: '0' } });
    const handle = (await configMaps.client()).workflow.getHandle('kjob-configmap/default/busy');
    const firstRun = (await handle.describe()).runId;
    for (let n = 1; n <= 200; n++) await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'busy' }, data: { n: String(n) } });
    const description = await handle.describe();
    expect(description.runId).not.toBe(firstRun);
    expect(description.status.name).toBe('RUNNING');
    expect(await configMaps.get('busy')).toMatchObject({ data: { n: '200' }, metadata: { resourceVersion: '201' } });
    const replaced = await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'busy', resourceVersion: '201' }, data: { n: 'after' } });
    expect(replaced.metadata.resourceVersion).toBe('202');
    expect((await source.configMap('default', 'busy'))?.data).toEqual({ n: 'after' });
    await configMaps.delete('busy');
    expect(await source.configMap('default', 'busy')).toBeUndefined();
  });

  test('1 MiB of values is stored, replaced and read; one byte more is refused', async () => {
    const mib = 'x'.repeat(1024 * 1024);
    await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: mib } });
    for (const last of ['a', 'b', 'c']) await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: `${mib.slice(1)}${last}` } });
    expect((await source.configMap('default', 'big'))?.data?.blob?.endsWith('c')).toBe(true);
    await expect(secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'too-big' }, stringData: { blob: `${mib}y` } })).rejects.toThrow(
      'Secret "too-big" is invalid: data: Too long: must have at most 1048576 bytes',
    );
    await configMaps.delete('big');
  });
});
