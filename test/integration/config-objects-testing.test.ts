/**
 * ConfigMaps and Secrets on the time-skipping test server (kjob/testing), which cannot delete workflows: create,
 * AlreadyExists, replace seen by the reader, delete (terminated and marked) read as gone, the name free again.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TemporalConfigObjectSource } from '../../src/client/config-object-source.js';
import { ConfigObjectAlreadyExistsError } from '../../src/shared/config-objects/errors.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';

let testing: JobTestEnvironment;
beforeAll(async () => {
  testing = await createJobTestEnvironment();
});
afterAll(async () => testing?.teardown());

test('create, replace, read, delete and create again', async () => {
  const { configMaps, secrets } = testing;
  const source = new TemporalConfigObjectSource(testing.env.client);
  await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'one' } });
  await expect(configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' } })).rejects.toThrow(ConfigObjectAlreadyExistsError);
  await configMaps.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'two' } });
  expect((await source.configMap('default', 'app'))?.data).toEqual({ mode: 'two' });
  await configMaps.delete('app');
  expect(await source.configMap('default', 'app')).toBeUndefined();
  await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'three' } });
  expect((await configMaps.get('app')).data).toEqual({ mode: 'three' });

  await secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, stringData: { token: 't' } });
  expect((await source.secret('default', 'token'))?.data).toEqual({ token: Buffer.from('t').toString('base64') });
});
