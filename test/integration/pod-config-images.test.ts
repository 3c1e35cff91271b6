/**
 * ConfigMaps and Secrets for pods in their images, on the dev server: a pod in an image reads env, a secret
 * volume and a configMap volume (bound into the image's sandbox), and imagePullSecrets authenticate pulls from a
 * registry with a password (test/registry.ts, htpasswd) while the worker itself has no credentials. A pull secret
 * that is missing is named in a FailedToRetrieveImagePullSecret event, the pull fails, and the next pull (after
 * the back-off) reads the secret again once it exists. The worker reads an in-memory ConfigObjectSource.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Pod } from '../../src/shared/kubernetes-types.js';
import { StoredConfigObjects } from '../config-objects.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, eventually, jobManifest } from '../helpers.js';
import { startRegistry, type TestRegistry } from '../registry.js';
import { buildTestImage, pushTestImage, removeTestImages } from '../test-images.js';

let env: DevEnvironment;
let registry: TestRegistry;
let secured: TestRegistry;
const credentials = { username: 'kjob', password: 'pull-secret-77' };
let objects: StoredConfigObjects;
const dockerconfigjson = (host: string) => ({
  '.dockerconfigjson': JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } } }),
});

beforeAll(async () => {
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: credentials })]);
  const app = await buildTestImage({ files: { 'etc/image-marker': 'from-the-image\n' }, cmd: ['cat', '/etc/image-marker'] });
  await Promise.all([pushTestImage(app, `${registry.address}/kjob/cfg-app:1`), pushTestImage(app, `${secured.address}/kjob/private-app:1`, { credentials })]);
  // The worker's own credentials: none, so only a pull secret can open the secured registry.
  const authFile = join(mkdtempSync(join(tmpdir(), 'kjob-podconfig-auth-')), 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: {} }));
  env = await startDevEnvironment('podconfig-images', {
    worker: { images: 'pull', imageStore: { authFile }, imagePullBackoffSeconds: { initial: 1, cap: 2 }, podConfigRetrySeconds: 1 },
  });
  objects = StoredConfigObjects.connect({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: env.keys });
  await objects.putConfigMap('image-config', { GREETING: 'hello', 'settings.ini': '[main]\nlevel=3\n' });
  await objects.putSecret('image-secret', { token: 'tok-123' });
  await objects.putSecret('regcred', dockerconfigjson(secured.address), 'kubernetes.io/dockerconfigjson');
}, 180_000);
afterAll(async () => {
  await objects?.close();
  await env?.stop();
  await Promise.all([registry?.stop(), secured?.stop()]);
  await removeTestImages();
});

async function runToEnd(name: string, container: Record<string, unknown>, podSpec: Record<string, unknown> = {}): Promise<string> {
  await env.jobs.create(jobManifest(name, { backoffLimit: 0 }, container, podSpec));
  const job = await env.jobs.wait(name, { timeoutMs: 120_000 });
  const log = (await env.jobs.logs(name)).map((l) => l.text).join('');
  expect(conditions(job), log).toContain('Complete=True:CompletionsReached');
  return log;
}

describe('a pod in its image', () => {
  test('reads env from a ConfigMap and a Secret, and both volume kinds at their mount paths', async () => {
    const script = 'echo "$GREETING $TOKEN"; cat /etc/image-marker /config/settings.ini /secret/token.txt; echo; stat -c %a /secret/..data/token.txt';
    const log = await runToEnd(
      'image-config',
      {
        image: `${registry.address}/kjob/cfg-app:1`,
        command: ['sh', '-c', script],
        envFrom: [{ configMapRef: { name: 'image-config' } }],
        env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'image-secret', key: 'token' } } }],
        volumeMounts: [
          { name: 'cfg', mountPath: '/config' },
          { name: 'sec', mountPath: '/secret' },
        ],
      },
      {
        volumes: [
          { name: 'cfg', configMap: { name: 'image-config', items: [{ key: 'settings.ini', path: 'settings.ini' }] } },
          { name: 'sec', secret: { secretName: 'image-secret', items: [{ key: 'token', path: 'token.txt', mode: 0o440 }] } },
        ],
      },
    );
    expect(log).toBe('hello tok-123\nfrom-the-image\n[main]\nlevel=3\ntok-123\n440\n');
  });
});

describe('imagePullSecrets', () => {
  test('a kubernetes.io/dockerconfigjson secret authenticates the pull; a missing one is named in an event and the pull goes on', async () => {
    const log = await runToEnd('pull-secret', { image: `${secured.address}/kjob/private-app:1` }, { imagePullSecrets: [{ name: 'absent' }, { name: 'regcred' }] });
    expect(log).toBe('from-the-image\n');
    const events = (await env.jobs.events('pull-secret')).filter((e) => e.involvedObject?.kind === 'Pod');
    expect(events.find((e) => e.reason === 'FailedToRetrieveImagePullSecret')).toMatchObject({
      type: 'Warning',
      message: 'Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.',
    });
    expect(JSON.stringify(events)).not.toContain(credentials.password);
  });

  test('without a usable pull secret the pull fails (ImagePullBackOff); once the secret exists the next pull reads it', async () => {
    const image = `${secured.address}/kjob/private-app:1`;
    await env.jobs.create(jobManifest('pull-later', { backoffLimit: 0 }, { image, imagePullPolicy: 'Always' }, { imagePullSecrets: [{ name: 'regcred-later' }] }));
    const backingOff = (pods: Pod[]) => {
      const state = pods[0]?.status.containerStatuses?.[0]?.state;
      return !!state && 'waiting' in state && (state.waiting.reason === 'ImagePullBackOff' || state.waiting.reason === 'ErrImagePull');
    };
    const pods = await eventually(() => env.jobs.pods('pull-later'), backingOff, 90_000);
    expect(backingOff(pods)).toBe(true);
    expect(pods[0]!.status.phase).toBe('Pending');
    await objects.putSecret('regcred-later', dockerconfigjson(secured.address), 'kubernetes.io/dockerconfigjson');
    const job = await env.jobs.wait('pull-later', { timeoutMs: 120_000 });
    expect(conditions(job)).toContain('Complete=True:CompletionsReached');
    expect((await env.jobs.logs('pull-later'))[0]!.text).toBe('from-the-image\n');
  });
});
