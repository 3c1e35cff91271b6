/**
 * Pods reading ConfigMaps and Secrets on the dev server, end to end: the objects stored in Temporal by the
 * clients (as `kjob apply` stores them), read by the worker's default source at each pod start. Command pods on the host (in the pod sandbox) and handler pods: env, envFrom, secret and configMap
 * volumes with items and modes; a missing object leaves the pod Pending (CreateContainerConfigError, or
 * ContainerCreating with FailedMount) until it appears; optional; the deadline ends a Job whose pod waits.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Pod } from '../../src/shared/kubernetes-types.js';
import type { PodContext } from '../../src/worker/handlers.js';
import { StoredConfigObjects } from '../config-objects.js';
import { runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, eventually, handlerContainer, jobManifest } from '../helpers.js';

let env: DevEnvironment;
let objects: StoredConfigObjects;
const seen = new Map<string, { env: Record<string, string>; mounts: Record<string, string>; files: Record<string, string>; links: Record<string, string> }>();
const secretRoot = `/dev/shm/kjob-secrets-${process.getuid?.() ?? 'user'}`;

const readFiles = (ctx: PodContext) => ({
  env: ctx.env,
  mounts: ctx.mounts,
  files: {
    password: readFileSync(ctx.path('/creds/db/password'), 'utf8'),
    app: readFileSync(ctx.path('/appcfg/app.yaml'), 'utf8'),
    logo: readFileSync(ctx.path('/appcfg/logo.bin')).toString('hex'),
    passwordMode: (statSync(ctx.path('/creds/db/password')).mode & 0o777).toString(8),
  },
  links: { data: readlinkSync(ctx.path('/creds/..data')), db: readlinkSync(ctx.path('/creds/db')) },
});

beforeAll(async () => {
  env = await startDevEnvironment('podconfig', {
    worker: {
      podConfigRetrySeconds: 1,
      handlers: {
        reads: (ctx) => {
          seen.set(ctx.jobName, readFiles(ctx));
          return 0;
        },
        optional: (ctx) => {
          seen.set(ctx.jobName, { env: ctx.env, mounts: ctx.mounts, files: Object.fromEntries(readdirSync(ctx.path('/opt/none')).map((f) => [f, ''])), links: {} });
          return 0;
        },
      },
    },
  });
  objects = StoredConfigObjects.connect({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: env.keys });
  await objects.putConfigMap('app-config', { MODE: 'fast', LEVEL: 'info', 'app.yaml': 'replicas: 3\n' }, { 'logo.bin': Buffer.from([1, 2, 3]).toString('base64') });
  await objects.putSecret('db-creds', { USER: 'admin', PASSWORD: 's3cr3t-value' });
}, 120_000);
afterAll(async () => {
  await objects?.close();
  await env?.stop();
});

const kjob = (...args: string[]) => runKjob(env, ...args);

/** env, envFrom and both volume kinds, as one container reads them. */
const configuredPod = {
  volumes: [
    { name: 'creds', secret: { secretName: 'db-creds', defaultMode: 0o440, items: [{ key: 'PASSWORD', path: 'db/password', mode: 0o400 }, { key: 'USER', path: 'user' }] } },
    { name: 'app', configMap: { name: 'app-config' } },
  ],
};
const configuredContainer = {
  envFrom: [{ configMapRef: { name: 'app-config' } }, { prefix: 'DB_', secretRef: { name: 'db-creds' } }],
  env: [
    { name: 'LEVEL', value: 'debug' },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'PASSWORD' } } },
    { name: 'URL', value: 'db://$(DB_USER)@host/$(MODE)' },
  ],
  volumeMounts: [
    { name: 'creds', mountPath: '/creds' },
    { name: 'app', mountPath: '/appcfg' },
  ],
};

function waitingOf(pod: Pod | undefined) {
  const state = pod?.status.containerStatuses?.[0]?.state;
  return state && 'waiting' in state ? state.waiting : undefined;
}

describe('a command pod on the host (pod sandbox)', () => {
  test('sees env, envFrom and the volumes as the kubelet writes them, read-only; secret volumes leave nothing behind', async () => {
    const script = [
      'echo "mode=$MODE level=$LEVEL user=$DB_USER pw=$PASSWORD url=$URL"',
      'cat /creds/db/password; echo',
      'cat /creds/user; echo',
      'stat -c "%a %n" /creds/..data/db/password /creds/..data/user /appcfg/..data/app.yaml',
      'readlink /creds/db /appcfg/app.yaml',
      'ls -A /appcfg | sort | tr "\\n" " "; echo',
      'od -An -tx1 /appcfg/logo.bin',
      'cat /appcfg/app.yaml',
      'touch /creds/new 2>/dev/null && echo writable || echo read-only',
    ].join('; ');
    await env.jobs.create(jobManifest('cmd-config', { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', script], ...configuredContainer }, configuredPod));
    const job = await env.jobs.wait('cmd-config', { timeoutMs: 60_000 });
    const log = (await env.jobs.logs('cmd-config')).map((l) => l.text).join('');
    expect(conditions(job), log).toContain('Complete=True:CompletionsReached');
    const lines = log.split('\n');
    expect(lines[0]).toBe('mode=fast level=debug user=admin pw=s3cr3t-value url=db://admin@host/fast');
    expect(lines.slice(1, 3)).toEqual(['s3cr3t-value', 'admin']);
    expect(lines.slice(3, 6)).toEqual(['400 /creds/..data/db/password', '440 /creds/..data/user', '644 /appcfg/..data/app.yaml']);
    expect(lines.slice(6, 8)).toEqual(['..data/db', '..data/app.yaml']);
    expect(lines[8]).toMatch(/^\.\.2\d{3}_\d\d_\d\d_\d\d_\d\d_\d\d\.\S+ \.\.data LEVEL MODE app\.yaml logo\.bin $/);
    expect(lines[9]!.trim()).toBe('01 02 03');
    expect(lines.slice(10, 12)).toEqual(['replicas: 3', 'read-only']);
    const [pod] = await env.jobs.pods('cmd-config');
    expect(existsSync(secretRoot) ? readdirSync(secretRoot).filter((d) => d.startsWith(pod!.metadata.name)) : []).toEqual([]);
  });
});

describe('a handler pod', () => {
  test('gets the resolved env in ctx.env and its volumes through ctx.mounts and ctx.path', async () => {
    await env.jobs.create(jobManifest('handler-config', { backoffLimit: 0 }, handlerContainer('reads', configuredContainer), configuredPod));
    expect(conditions(await env.jobs.wait('handler-config', { timeoutMs: 60_000 }))).toContain('Complete=True:CompletionsReached');
    const got = seen.get('handler-config')!;
    expect(got.env).toMatchObject({ MODE: 'fast', LEVEL: 'debug', DB_USER: 'admin', DB_PASSWORD: 's3cr3t-value', PASSWORD: 's3cr3t-value', URL: 'db://admin@host/fast', 'app.yaml': 'replicas: 3\n' });
    expect(Object.keys(got.mounts).sort()).toEqual(['/appcfg', '/creds']);
    expect(got.mounts['/creds']!.startsWith(`${secretRoot}/`)).toBe(true);
    expect(got.files).toEqual({ password: 's3cr3t-value', app: 'replicas: 3\n', logo: '010203', passwordMode: '400' });
    expect(got.links.data).toMatch(/^\.\.\d{4}_/);
    expect(got.links.db).toBe('..data/db');
  });

  test('optional objects and keys that are missing: variables left out, an empty volume', async () => {
    await env.jobs.create(
      jobManifest(
        'optional-config',
        { backoffLimit: 0 },
        handlerContainer('optional', {
          envFrom: [{ secretRef: { name: 'nowhere', optional: true } }],
          env: [
            { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'no-such-key', optional: true } } },
            { name: 'KEPT', value: 'yes' },
          ],
          volumeMounts: [{ name: 'none', mountPath: '/opt/none' }],
        }),
        { volumes: [{ name: 'none', configMap: { name: 'nowhere', optional: true } }] },
      ),
    );
    expect(conditions(await env.jobs.wait('optional-config', { timeoutMs: 60_000 }))).toContain('Complete=True:CompletionsReached');
    const got = seen.get('optional-config')!;
    expect(got.env.KEPT).toBe('yes');
    expect(Object.hasOwn(got.env, 'GONE')).toBe(false);
    // An empty volume: only the AtomicWriter's own entries.
    expect(Object.keys(got.files).filter((f) => !f.startsWith('..'))).toEqual([]);
  });
});

describe('a missing object', () => {
  test('a missing Secret: Pending with CreateContainerConfigError (kjob get pods shows it), uncounted; it runs once the Secret appears', async () => {
    await env.jobs.create(
      jobManifest('late-secret', { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', 'echo "token=$TOKEN"'], env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'late', key: 'token' } } }] }),
    );
    const pods = await eventually(() => env.jobs.pods('late-secret'), (p) => waitingOf(p[0])?.reason === 'CreateContainerConfigError');
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.phase).toBe('Pending');
    expect(waitingOf(pods[0])).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "late" not found' });
    const job = await env.jobs.get('late-secret');
    expect(job.status).toMatchObject({ active: 1, ready: 0 });
    expect(job.status?.failed).toBeUndefined();
    const got = await kjob('get', 'pods');
    expect(got.stdout).toMatch(new RegExp(`${pods[0]!.metadata.name}\\s+0/1\\s+CreateContainerConfigError`));

    // The Secret exists, but not its key: the message says which.
    await objects.putSecret('late', { other: 'x' });
    await eventually(() => env.jobs.pods('late-secret'), (p) => waitingOf(p[0])?.message === "couldn't find key token in Secret default/late");
    await objects.putSecret('late', { token: 'finally-here' });
    const done = await env.jobs.wait('late-secret', { timeoutMs: 60_000 });
    expect(conditions(done)).toContain('Complete=True:CompletionsReached');
    expect((await env.jobs.logs('late-secret'))[0]!.text).toBe('token=finally-here\n');
    const events = (await env.jobs.events('late-secret')).filter((e) => e.involvedObject?.kind === 'Pod');
    expect(events.find((e) => e.reason === 'Failed')).toMatchObject({ type: 'Warning', message: 'Error: secret "late" not found' });
    // Events name objects and keys only.
    expect(JSON.stringify(await env.jobs.events('late-secret'))).not.toContain('finally-here');
  });

  test('a missing ConfigMap volume: ContainerCreating with FailedMount, retried until the ConfigMap appears', async () => {
    await env.jobs.create(
      jobManifest(
        'late-volume',
        { backoffLimit: 0 },
        { image: 'busybox', command: ['cat', '/cfg/greeting'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] },
        { volumes: [{ name: 'cfg', configMap: { name: 'late-cfg' } }] },
      ),
    );
    const mountFailed = (events: Awaited<ReturnType<DevEnvironment['jobs']['events']>>) => events.some((e) => e.reason === 'FailedMount');
    // The pod shows ContainerCreating with its FailedMount events once the worker reports the slow start (10 s).
    const events = await eventually(() => env.jobs.events('late-volume'), mountFailed, 90_000);
    expect(events.find((e) => e.reason === 'FailedMount')).toMatchObject({
      type: 'Warning',
      message: 'MountVolume.SetUp failed for volume "cfg" : configmap "late-cfg" not found',
    });
    const [pod] = await env.jobs.pods('late-volume');
    expect(pod!.status.phase).toBe('Pending');
    expect(waitingOf(pod)?.reason).toBe('ContainerCreating');
    await objects.putConfigMap('late-cfg', { greeting: 'hello' });
    expect(conditions(await env.jobs.wait('late-volume', { timeoutMs: 60_000 }))).toContain('Complete=True:CompletionsReached');
    expect((await env.jobs.logs('late-volume'))[0]!.text).toBe('hello');
  });

  test("the Job's deadline ends a Job whose pod waits for its ConfigMap", async () => {
    await env.jobs.create(
      jobManifest('never-configured', { backoffLimit: 0, activeDeadlineSeconds: 5 }, { image: 'busybox', command: ['true'], envFrom: [{ configMapRef: { name: 'never' } }] }),
    );
    const ended = await env.jobs.wait('never-configured', { timeoutMs: 60_000 });
    expect(conditions(ended)).toContain('Failed=True:DeadlineExceeded');
    expect(ended.status?.succeeded ?? 0).toBe(0);
  });

  test('a changed ConfigMap is seen by the next pod', async () => {
    await objects.putConfigMap('moving', { V: 'one' });
    const run = async (name: string) => {
      await env.jobs.create(jobManifest(name, { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', 'echo $V'], envFrom: [{ configMapRef: { name: 'moving' } }] }));
      await env.jobs.wait(name, { timeoutMs: 60_000 });
      return (await env.jobs.logs(name))[0]!.text;
    };
    expect(await run('moving-1')).toBe('one\n');
    await objects.putConfigMap('moving', { V: 'two' });
    expect(await run('moving-2')).toBe('two\n');
  });
});
