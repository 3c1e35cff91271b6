/**
 * Pods in their images, on the dev server through the client and the CLI: images built from busybox-static by
 * the test, pushed to a real registry (Debian's docker-registry) on loopback, pulled by the worker into its
 * cache and run over a private root. ENTRYPOINT/CMD against command/args, env and workdir, the image's root, the
 * pull policies, a registry with a password, a multi-platform index, Docker Hub names through a mirror, and a
 * missing image that leaves its pod Pending in ImagePullBackOff while the Job runs on.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Pod } from '../../src/shared/kubernetes-types.js';
import { createJobTestEnvironment } from '../../src/testing/index.js';
import { runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, eventually, jobManifest } from '../helpers.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushMultiPlatformImage, pushTestImage, removeTestImages } from '../test-images.js';

const root = join(import.meta.dirname, '..', '..');
let env: DevEnvironment;
let registry: TestRegistry;
let secured: TestRegistry;
const credentials = { username: 'kjob', password: 'pull-secret-42' };

beforeAll(async () => {
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: credentials })]);
  const app = await buildTestImage({
    files: { 'app/run.sh': { content: '#!/bin/sh\necho "args=$*"\necho "greeting=$GREETING cwd=$(pwd)"\n', mode: 0o755 }, 'etc/image-marker': 'from-the-image\n' },
    entrypoint: ['/app/run.sh'],
    cmd: ['default', 'cmd'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=from-image-env'],
    workingDir: '/work',
  });
  const amd64 = await buildTestImage({ files: { 'etc/platform': 'amd64\n' }, cmd: ['cat', '/etc/platform'] });
  const arm64 = await buildTestImage({ busybox: false, files: { 'etc/platform': 'arm64\n' }, architecture: 'arm64' });
  await Promise.all([
    pushTestImage(app, `${registry.address}/kjob/app:1`),
    pushTestImage(app, `${registry.address}/library/busybox-app:1`),
    pushTestImage(app, `${secured.address}/kjob/private:1`, { credentials }),
    pushMultiPlatformImage(
      [
        { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
        { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      ],
      `${registry.address}/kjob/multi:1`,
    ),
  ]);
  const authFile = join(mkdtempSync(join(tmpdir(), 'kjob-images-auth-')), 'auth.json');
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  writeFileSync(authFile, JSON.stringify({ auths: { [secured.address]: { auth } } }));
  env = await startDevEnvironment('images', {
    worker: {
      images: 'pull',
      imageStore: { mirrors: { 'docker.io': [registry.address] }, authFile },
      imagePullBackoffSeconds: { initial: 1, cap: 2 },
    },
  });
}, 120_000);
afterAll(async () => {
  await env?.stop();
  await Promise.all([registry?.stop(), secured?.stop()]);
  await removeTestImages();
});

const kjob = (...args: string[]) => runKjob(env, ...args);

/** Runs a one-pod Job to its end; its pod's log. */
async function runToEnd(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): Promise<string> {
  await env.jobs.create(jobManifest(name, { backoffLimit: 0, ...spec }, container));
  const job = await env.jobs.wait(name, { timeoutMs: 120_000 });
  const log = (await env.jobs.logs(name)).map((l) => l.text).join('');
  expect(conditions(job), log).toContain('Complete=True:CompletionsReached');
  return log;
}


describe('a container in its image', () => {
  test('ENTRYPOINT and CMD run, with the image env and WORKDIR; the pod reports the pull', async () => {
    const image = `${registry.address}/kjob/app:1`;
    const log = await runToEnd('entrypoint', { image });
    expect(log).toBe('args=default cmd\ngreeting=from-image-env cwd=/work\n');
    const events = (await env.jobs.events('entrypoint')).filter((e) => e.involvedObject);
    expect(events.map((e) => e.reason)).toContain('Pulled');
    expect(events.find((e) => e.reason === 'Pulled')!.message).toMatch(new RegExp(`^(Successfully pulled image "${image}" in|Container image "${image}" already present)`));
  });

  test('args replace CMD and keep ENTRYPOINT; command replaces both; the container env and workingDir win', async () => {
    const image = `${registry.address}/kjob/app:1`;
    expect(await runToEnd('args-only', { image, args: ['one', 'two'] })).toBe('args=one two\ngreeting=from-image-env cwd=/work\n');
    const log = await runToEnd('command-only', {
      image,
      command: ['sh', '-c', 'echo "cmd=$0 $GREETING $(pwd)"'],
      env: [{ name: 'GREETING', value: 'from-container' }],
      workingDir: '/tmp',
    });
    expect(log).toBe('cmd=sh from-container /tmp\n');
  });

  test("the root is the image's: its files are there, the host's are not, and writes stay in the pod", async () => {
    const image = `${registry.address}/kjob/app:1`;
    const script = [
      'cat /etc/image-marker',
      `test -e ${process.execPath} && echo host-node-visible || echo no-host-node`,
      'test -e /scratch && echo leaked || echo clean',
      'echo mine > /scratch',
      'cat /scratch',
    ].join('; ');
    const first = await runToEnd('root-1', { image, command: ['sh', '-c', script] });
    expect(first).toBe('from-the-image\nno-host-node\nclean\nmine\n');
    // A second pod of the same image starts from the image again.
    expect(await runToEnd('root-2', { image, command: ['sh', '-c', script] })).toBe(first);
  });

  test('a multi-platform index runs its linux/amd64 image', async () => {
    expect(await runToEnd('multi', { image: `${registry.address}/kjob/multi:1` })).toBe('amd64\n');
  });

  test('a Docker Hub name goes to the mirror: busybox-app:1 is docker.io/library/busybox-app:1', async () => {
    expect(await runToEnd('mirrored', { image: 'busybox-app:1', args: ['via', 'mirror'] })).toContain('args=via mirror\n');
  });

  test("a registry with a password: the worker's auth file gets the image", async () => {
    expect(await runToEnd('private', { image: `${secured.address}/kjob/private:1`, args: ['secret'] })).toContain('args=secret\n');
  });
});

describe('pull policies', () => {
  test('a re-pushed :latest is pulled under Always but not under IfNotPresent; Never runs only what is there', async () => {
    const image = `${registry.address}/kjob/moving:latest`;
    const version = (n: number) => buildTestImage({ files: { 'etc/version': `v${n}\n` }, cmd: ['cat', '/etc/version'] });
    await pushTestImage(await version(1), image);
    expect(await runToEnd('latest-1', { image })).toBe('v1\n');
    await pushTestImage(await version(2), image);
    expect(await runToEnd('latest-if-not-present', { image, imagePullPolicy: 'IfNotPresent' })).toBe('v1\n');
    expect(await runToEnd('latest-never', { image, imagePullPolicy: 'Never' })).toBe('v1\n');
    // `:latest` defaults to Always, as in Kubernetes.
    const job = await env.jobs.get('latest-1');
    expect(job.spec.template.spec.containers[0]!.imagePullPolicy).toBe('Always');
    expect(await runToEnd('latest-always', { image })).toBe('v2\n');
  });
});

describe('an image that cannot be pulled', () => {
  test('leaves its pod Pending in ErrImagePull/ImagePullBackOff, uncounted, with the kubelet events; the deadline ends the Job', async () => {
    const image = `${registry.address}/kjob/missing:1`;
    await env.jobs.create(jobManifest('missing', { backoffLimit: 0, activeDeadlineSeconds: 20 }, { image }));
    const isBackingOff = (pods: Pod[]) => {
      const state = pods[0]?.status.containerStatuses?.[0]?.state;
      return !!state && 'waiting' in state && state.waiting.reason === 'ImagePullBackOff';
    };
    const pods = await eventually(() => env.jobs.pods('missing'), isBackingOff);
    expect(pods).toHaveLength(1);
    expect(pods[0]!.status.phase).toBe('Pending');
    expect(pods[0]!.status.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } });
    const job = await env.jobs.get('missing');
    expect(job.status).toMatchObject({ active: 1, ready: 0 });
    expect(job.status?.failed).toBeUndefined();
    expect(conditions(job)).toEqual([]);

    const got = await kjob('get', 'pods');
    expect(got.stdout).toMatch(new RegExp(`${pods[0]!.metadata.name}\\s+0/1\\s+(ImagePullBackOff|ErrImagePull)`));
    const described = await kjob('describe', 'pod', pods[0]!.metadata.name);
    expect(described.stdout).toMatch(/Status:\s+Pending/);
    expect(described.stdout).toMatch(/Normal\s+Pulling\s+.*kubelet\s+Pulling image/);
    expect(described.stdout).toMatch(new RegExp(`Warning\\s+Failed\\s+.*kubelet\\s+Failed to pull image "${image.replace(/[.]/g, '\\.')}": .*manifest unknown`));
    expect(described.stdout).toMatch(/Normal\s+BackOff\s+.*kubelet\s+Back-off pulling image/);

    const ended = await env.jobs.wait('missing', { timeoutMs: 90_000 });
    expect(conditions(ended)).toContain('Failed=True:DeadlineExceeded');
  });
});

describe('kjob/testing (images: pull-or-host)', () => {
  test('runs an image it can reach in the image, and the command of one it cannot on the host, saying so', async () => {
    const t = await createJobTestEnvironment({ stateDir: join(env.dir, 'testing-state') });
    try {
      await t.jobs.create(jobManifest('reachable', {}, { image: `${registry.address}/kjob/app:1`, args: ['in', 'image'] }));
      await t.jobs.create(jobManifest('unreachable', {}, { image: '127.0.0.1:1/nowhere/busybox:1', command: ['sh', '-c', `test -e ${process.execPath} && echo on-the-host`] }));
      const [reachable, unreachable] = [await t.jobs.wait('reachable'), await t.jobs.wait('unreachable')];
      expect(conditions(reachable)).toContain('Complete=True:CompletionsReached');
      expect((await t.jobs.logs('reachable'))[0]!.text).toContain('args=in image\n');
      expect(conditions(unreachable)).toContain('Complete=True:CompletionsReached');
      expect((await t.jobs.logs('unreachable'))[0]!.text).toBe('on-the-host\n');
      const events = await t.jobs.events('unreachable');
      expect(events.find((e) => e.reason === 'RunningOnHost')).toMatchObject({
        type: 'Warning',
        involvedObject: { kind: 'Pod' },
        message: expect.stringMatching(/^Container image "127\.0\.0\.1:1\/nowhere\/busybox:1" is not used: its image .* could not be pulled; worker .* runs the container's command on the host instead \(images: pull-or-host\)$/),
      });
      expect(events.find((e) => e.reason === 'Failed')?.message).toMatch(/^Failed to pull image "127\.0\.0\.1:1\/nowhere\/busybox:1": .*connection refused/);
    } finally {
      await t.teardown();
    }
  });
});
