/**
 * What a pod reads of ConfigMaps and Secrets, on the worker (activities/pod-config/): the kubelet's env order,
 * prefixes, optional objects and keys and its messages (makeEnvironmentVariables), the volume payloads
 * (MakePayload), the AtomicWriter's layout and modes, the pull-secret keyring (pkg/credentialprovider), and the
 * handler's mount paths. The objects come from an in-memory ConfigObjectSource.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { containerEnv } from '../../activities/container-env.js';
import { writeAtomically } from '../../activities/pod-config/atomic-writer.js';
import { untilConfigured } from '../../activities/pod-config/config-retry.js';
import { readEnvSources } from '../../activities/pod-config/env-sources.js';
import { PodObjects, PodConfigError } from '../../activities/pod-config/object-reads.js';
import { DockerKeyring } from '../../activities/pod-config/pull-keyring.js';
import { pullCredentialsFor } from '../../activities/pod-config/pull-secrets.js';
import { objectVolumePayload, type Payload } from '../../activities/pod-config/volume-payload.js';
import { handlerMounts } from '../../activities/runtimes/handler/mount-paths.js';
import type { FieldRefSource } from '../../src/shared/manifest/field-refs.js';
import type { Container, Volume } from '../../src/shared/manifest/schema.js';
import { InMemoryConfigObjects } from '../config-objects.js';

const pod: FieldRefSource = { podName: 'p-0', namespace: 'default', podUid: 'u', nodeName: 'n', hostIP: '127.0.0.1', podIP: '127.0.0.1', labels: {}, annotations: {} };

function recorder() {
  const events: string[] = [];
  return { events, status: { event: (type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) } };
}

async function envOf(container: Partial<Container>, source: InMemoryConfigObjects) {
  const { events, status } = recorder();
  const full = { name: 'main', image: 'x', ...container } as Container;
  const sources = await readEnvSources(full, new PodObjects(source, 'default'), status);
  return { env: containerEnv(full, pod, null, sources), events };
}

async function failure(run: () => Promise<unknown>): Promise<string> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PodConfigError);
  return (error as Error).message;
}

describe('env from ConfigMaps and Secrets (makeEnvironmentVariables)', () => {
  test('envFrom in order with prefixes, then env overriding it; $(VAR) sees envFrom; secrets decoded', async () => {
    const source = new InMemoryConfigObjects();
    source.putConfigMap('cfg', { MODE: 'fast', LEVEL: 'info', SHARED: 'from-cfg' });
    source.putSecret('db', { USER: 'admin', PASSWORD: 'p@ss wörd', SHARED: 'from-secret' });
    const { env, events } = await envOf(
      {
        envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'db' } }, { prefix: 'DB_', secretRef: { name: 'db' } }],
        env: [
          { name: 'LEVEL', value: 'debug' },
          { name: 'URL', value: 'postgres://$(USER)@host/$(MODE)' },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } },
          { name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        ],
      },
      source,
    );
    expect(env).toEqual({
      MODE: 'fast',
      LEVEL: 'debug',
      SHARED: 'from-secret',
      USER: 'admin',
      PASSWORD: 'p@ss wörd',
      DB_USER: 'admin',
      DB_PASSWORD: 'p@ss wörd',
      DB_SHARED: 'from-secret',
      URL: 'postgres://admin@host/fast',
      PW: 'p@ss wörd',
      M: 'fast',
    });
    expect(events).toEqual([]);
    // One read per object for one container, as the kubelet's map of fetched objects.
    expect(source.reads.sort()).toEqual(['ConfigMap default/cfg', 'Secret default/db']);
  });

  test('optional: a missing object or key leaves the variables out, and keeps what envFrom gave', async () => {
    const source = new InMemoryConfigObjects();
    source.putConfigMap('cfg', { A: '1' });
    const { env } = await envOf(
      {
        envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'gone', optional: true } }],
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing', optional: true } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } },
          { name: 'C', value: 'c' },
        ],
      },
      source,
    );
    expect(env).toEqual({ A: '1', C: 'c' });
  });

  test('missing and not optional: the kubelet messages, naming objects and keys only', async () => {
    const source = new InMemoryConfigObjects();
    source.putConfigMap('cfg', { A: '1' });
    source.putSecret('db', { USER: 'admin-value' });
    const objects = () => new PodObjects(source, 'default');
    const { status } = recorder();
    const run = (container: Partial<Container>) => () => readEnvSources({ name: 'main', image: 'x', ...container } as Container, objects(), status);
    expect(await failure(run({ envFrom: [{ secretRef: { name: 'x' } }] }))).toBe('secret "x" not found');
    expect(await failure(run({ envFrom: [{ configMapRef: { name: 'x' } }] }))).toBe('configmap "x" not found');
    expect(await failure(run({ env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }))).toBe('secret "x" not found');
    expect(await failure(run({ env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] }))).toBe('couldn\'t find key k in Secret default/db');
    expect(await failure(run({ env: [{ name: 'V', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }))).toBe(
      "couldn't find key k in ConfigMap default/cfg",
    );
  });

  test('a key that is no variable name is skipped with the kubelet event; a failing source is a retried config error', async () => {
    const source = new InMemoryConfigObjects();
    source.putConfigMap('odd', { 'b=1': 'x', 'a=2': 'y', ok: 'z' });
    const { env, events } = await envOf({ envFrom: [{ configMapRef: { name: 'odd' } }] }, source);
    expect(env).toEqual({ ok: 'z' });
    expect(events).toEqual([
      'Warning InvalidEnvironmentVariableNames Keys [a=2, b=1] from the EnvFrom configMap default/odd were skipped since they are considered invalid environment variable names.',
    ]);
    const broken = { configMap: () => Promise.reject(new Error('connection refused')), secret: () => Promise.reject(new Error('connection refused')) };
    const message = await failure(() => readEnvSources({ name: 'm', image: 'x', envFrom: [{ secretRef: { name: 's' } }] } as Container, new PodObjects(broken, 'default'), recorder().status));
    expect(message).toBe("couldn't get secret default/s: connection refused");
  });

  test('untilConfigured retries config errors until they pass, reports each, and stops with the pod', async () => {
    const source = new InMemoryConfigObjects();
    const reported: string[] = [];
    const attempt = async () => {
      const secret = await source.secret('default', 'later');
      if (!secret) {
        // The object appears while the pod waits.
        if (reported.length === 2) source.putSecret('later', { k: 'v' });
        throw new PodConfigError('secret "later" not found');
      }
      return secret.metadata.name;
    };
    expect(await untilConfigured(attempt, (m) => reported.push(m), 1, new AbortController().signal)).toBe('later');
    expect(reported).toEqual(['secret "later" not found', 'secret "later" not found', 'secret "later" not found']);
    const stop = new AbortController();
    const never = untilConfigured(() => Promise.reject(new PodConfigError('no')), () => stop.abort(), 60_000, stop.signal);
    expect(await never).toBeUndefined();
    await expect(untilConfigured(() => Promise.reject(new Error('kjob bug')), () => undefined, 1, new AbortController().signal)).rejects.toThrow('kjob bug');
  });
});

describe('secret and configMap volume payloads (MakePayload)', () => {
  const source = new InMemoryConfigObjects();
  source.putSecret('creds', { user: 'u', password: Buffer.from([0, 1, 2, 255]) });
  source.putConfigMap('cfg', { 'app.yaml': 'a: 1\n' }, { 'logo.bin': Buffer.from([9, 8, 7]).toString('base64') });
  const payloadOf = (volume: Partial<Volume>) => objectVolumePayload({ name: 'v', ...volume } as Volume, new PodObjects(source, 'default'));
  const summary = (payload: Payload) => Object.fromEntries([...payload].map(([path, f]) => [path, `${f.mode.toString(8)} ${f.data.toString('hex')}`]));

  test('every key with the default mode 0644, binaryData too; or only the items, renamed, with their modes', async () => {
    expect(summary(await payloadOf({ secret: { secretName: 'creds' } }))).toEqual({ user: '644 75', password: '644 000102ff' });
    expect(summary(await payloadOf({ configMap: { name: 'cfg', defaultMode: 0o600 } }))).toEqual({ 'app.yaml': '600 613a20310a', 'logo.bin': '600 090807' });
    expect(
      summary(await payloadOf({ secret: { secretName: 'creds', defaultMode: 0o440, items: [{ key: 'password', path: 'db/pw', mode: 0o400 }, { key: 'user', path: 'u' }] } })),
    ).toEqual({ 'db/pw': '400 000102ff', u: '440 75' });
    expect(summary(await payloadOf({ configMap: { name: 'cfg', items: [{ key: 'logo.bin', path: 'img/logo' }] } }))).toEqual({ 'img/logo': '644 090807' });
  });

  test('a missing object or item key is the FailedMount message; optional makes an empty volume or skips the item', async () => {
    expect(await failure(() => payloadOf({ secret: { secretName: 'x' } }))).toBe('MountVolume.SetUp failed for volume "v" : secret "x" not found');
    expect(await failure(() => payloadOf({ configMap: { name: 'x' } }))).toBe('MountVolume.SetUp failed for volume "v" : configmap "x" not found');
    expect(await failure(() => payloadOf({ secret: { secretName: 'creds', items: [{ key: 'nope', path: 'p' }] } }))).toBe(
      'MountVolume.SetUp failed for volume "v" : references non-existent secret key: nope',
    );
    expect(await failure(() => payloadOf({ configMap: { name: 'cfg', items: [{ key: 'nope', path: 'p' }] } }))).toBe(
      'MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: nope',
    );
    expect((await payloadOf({ secret: { secretName: 'x', optional: true } })).size).toBe(0);
    expect(summary(await payloadOf({ configMap: { name: 'cfg', optional: true, items: [{ key: 'nope', path: 'p' }, { key: 'app.yaml', path: 'a' }] } }))).toEqual({
      a: '644 613a20310a',
    });
  });
});

describe('AtomicWriter layout', () => {
  const file = (data: string, mode = 0o644) => ({ data: Buffer.from(data), mode });

  test('a timestamped folder, ..data pointing at it, a symlink per top-level name, modes exact', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kjob-atomic-')), 'vol');
    await writeAtomically(dir, new Map([['a', file('1', 0o400)], ['sub/b', file('2', 0o755)]]), new Date(Date.UTC(2026, 11, 3, 15, 4, 5)));
    const entries = readdirSync(dir).sort();
    const tsDir = entries.find((e) => e.startsWith('..2026_12_03_15_04_05.'))!;
    expect(entries).toEqual(['..data', tsDir, 'a', 'sub'].sort());
    expect(readlinkSync(join(dir, '..data'))).toBe(tsDir);
    expect(readlinkSync(join(dir, 'a'))).toBe('..data/a');
    expect(readlinkSync(join(dir, 'sub'))).toBe('..data/sub');
    expect(lstatSync(join(dir, 'a')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, tsDir)).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o400);
    expect(statSync(join(dir, 'sub/b')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'sub/b'), 'utf8')).toBe('2');
  });

  test('a second write swaps ..data, drops names it lacks, and removes the old folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kjob-atomic-')), 'vol');
    await writeAtomically(dir, new Map([['old', file('x')], ['kept', file('1')]]), new Date(Date.UTC(2026, 0, 1)));
    await writeAtomically(dir, new Map([['kept', file('2')], ['new', file('3')]]), new Date(Date.UTC(2026, 0, 2)));
    const entries = readdirSync(dir).sort();
    expect(entries.filter((e) => e.startsWith('..20'))).toHaveLength(1);
    expect(entries.filter((e) => !e.startsWith('..'))).toEqual(['kept', 'new']);
    expect(readFileSync(join(dir, 'kept'), 'utf8')).toBe('2');
    expect(readlinkSync(join(dir, '..data'))).toMatch(/^\.\.2026_01_02_00_00_00\./);
  });
});

describe('pull secrets keyring (credentialprovider)', () => {
  const dockerconfigjson = (auths: Record<string, object>) => ({ '.dockerconfigjson': JSON.stringify({ auths }) });
  const auth = (user: string, password: string) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });
  function keyringOf(...secrets: [string, Record<string, string>, string][]) {
    const source = new InMemoryConfigObjects();
    const keyring = new DockerKeyring();
    for (const [name, values, type] of secrets) source.putSecret(name, values, type);
    return { source, keyring };
  }

  test('host, host:port, path prefixes, globs and the Docker Hub forms', async () => {
    const { source } = keyringOf(
      ['hub', dockerconfigjson({ 'https://index.docker.io/v1/': auth('hub', 'h') }), 'kubernetes.io/dockerconfigjson'],
      ['regs', dockerconfigjson({ 'registry.example.com': { username: 'plain', password: 'p' }, 'registry.example.com/team': auth('team', 't'), '*.corp.io': auth('glob', 'g'), 'localhost:5000': auth('local', 'l') }), 'kubernetes.io/dockerconfigjson'],
      ['legacy', { '.dockercfg': JSON.stringify({ 'https://old.example.org/v2/': auth('old', 'o') }) }, 'kubernetes.io/dockercfg'],
      ['opaque', { '.dockerconfigjson': JSON.stringify({ auths: { 'registry.example.com': auth('never', 'n') } }) }, 'Opaque'],
    );
    const keyring = new DockerKeyring();
    for (const name of ['hub', 'regs', 'legacy', 'opaque']) keyring.addSecret((await source.secret('default', name))!);
    const users = (image: string) => keyring.lookup(image).map((c) => `${c.username}:${c.password}`);
    expect(users('docker.io/library/busybox')).toEqual(['hub:h']);
    expect(users('registry.example.com/team/app')).toEqual(['team:t', 'plain:p']);
    expect(users('registry.example.com/other/app')).toEqual(['plain:p']);
    expect(users('a.corp.io/x')).toEqual(['glob:g']);
    expect(users('a.b.corp.io/x')).toEqual([]);
    expect(users('localhost:5000/x')).toEqual(['local:l']);
    expect(users('localhost:5001/x')).toEqual([]);
    // isDefaultRegistryMatch's quirk: a first part without '.' or ':' counts as Docker Hub, `localhost` too.
    expect(users('localhost/x')).toEqual(['hub:h']);
    expect(users('old.example.org/x')).toEqual(['old:o']);
    expect(users('quay.io/x')).toEqual([]);
  });

  test('missing pull secrets are named in one event and the pull goes on; bad content is named, never quoted', async () => {
    const { source } = keyringOf(
      ['good', dockerconfigjson({ 'reg.test:5000': auth('u', 'pw') }), 'kubernetes.io/dockerconfigjson'],
      ['broken', { '.dockerconfigjson': '{"auths": secret-value' }, 'kubernetes.io/dockerconfigjson'],
    );
    const { events, status } = recorder();
    const credentials = await pullCredentialsFor(
      'reg.test:5000/app:1',
      [{ name: 'a' }, { name: '' }, { name: 'good' }, { name: 'broken' }, { name: 'b' }],
      new PodObjects(source, 'default'),
      status,
    );
    expect(credentials).toEqual([{ username: 'u', password: 'pw' }]);
    expect(events).toEqual([
      'Warning FailedToRetrieveImagePullSecret pull secret default/broken is not valid JSON; attempting to pull the image may not succeed.',
      'Warning FailedToRetrieveImagePullSecret Unable to retrieve some image pull secrets (a, b); attempting to pull the image may not succeed.',
    ]);
    expect(events.join('\n')).not.toContain('secret-value');
  });
});

describe('handler mount paths (ctx.mounts, ctx.path)', () => {
  test('a path under a mountPath maps to the host file through the innermost mount; others throw', () => {
    const { mounts, path } = handlerMounts('main', [
      { source: '/host/data', target: '/data', readOnly: false },
      { source: '/host/cfg', target: '/data/config/', readOnly: true },
    ]);
    expect(mounts).toEqual({ '/data': '/host/data', '/data/config/': '/host/cfg' });
    expect(path('/data/x.txt')).toBe('/host/data/x.txt');
    expect(path('/data/config/app.yaml')).toBe('/host/cfg/app.yaml');
    expect(path('/data/config')).toBe('/host/cfg');
    expect(path('/data/./a/../b')).toBe('/host/data/b');
    expect(() => path('/database')).toThrow('/database is not under a volume mount of container "main"');
    expect(() => path('/data/../etc/passwd')).toThrow('is not under a volume mount');
  });
});
