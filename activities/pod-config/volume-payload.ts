/**
 * The files of a secret or configMap volume, as the kubelet's volume plugins make them (pkg/volume/secret
 * MakePayload, pkg/volume/configmap MakePayload): every key (a ConfigMap's data and binaryData) under its own name
 * with the default mode (0644), or only the `items`, each at its path with its mode. A missing object is the
 * volume's FailedMount, retried, unless the volume is optional: then it is empty.
 */
import type { ConfigMapObject, SecretObject } from '../../src/shared/config-objects/types.js';
import type { KeyToPath, Volume } from '../../src/shared/manifest/schema.js';
import { notFoundMessage, PodConfigError, secretBytes, type PodObjects } from './object-reads.js';

/** SecretVolumeSourceDefaultMode and ConfigMapVolumeSourceDefaultMode. */
export const OBJECT_VOLUME_DEFAULT_MODE = 0o644;

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileProjection>;

/** The payload of a secret or configMap volume; throws the kubelet's MountVolume.SetUp error while it cannot be made. */
export async function objectVolumePayload(volume: Volume, objects: PodObjects): Promise<Payload> {
  const setUpFailed = (why: string) => new PodConfigError(`MountVolume.SetUp failed for volume "${volume.name}" : ${why}`);
  if (volume.secret) {
    const { secretName, items, defaultMode, optional } = volume.secret;
    const secret: SecretObject | undefined = await objects.secret(secretName);
    if (!secret && optional !== true) throw setUpFailed(notFoundMessage('secret', secretName));
    const values = new Map(Object.entries(secret?.data ?? {}).map(([key, value]) => [key, secretBytes(value)]));
    return payloadOf(values, items, defaultMode ?? OBJECT_VOLUME_DEFAULT_MODE, optional === true, (key) => setUpFailed(`references non-existent secret key: ${key}`));
  }
  if (volume.configMap) {
    const { name, items, defaultMode, optional } = volume.configMap;
    const configMap: ConfigMapObject | undefined = await objects.configMap(name);
    if (!configMap && optional !== true) throw setUpFailed(notFoundMessage('configmap', name));
    const values = new Map<string, Buffer>([
      ...Object.entries(configMap?.data ?? {}).map(([key, value]): [string, Buffer] => [key, Buffer.from(value, 'utf8')]),
      ...Object.entries(configMap?.binaryData ?? {}).map(([key, value]): [string, Buffer] => [key, Buffer.from(value, 'base64')]),
    ]);
    return payloadOf(values, items, defaultMode ?? OBJECT_VOLUME_DEFAULT_MODE, optional === true, (key) => setUpFailed(`configmap references non-existent config key: ${key}`));
  }
  return new Map();
}

function payloadOf(values: ReadonlyMap<string, Buffer>, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean, missingKey: (key: string) => Error): Payload {
  const payload: Payload = new Map();
  if (!items?.length) {
    for (const [key, data] of values) payload.set(key, { data, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = values.get(item.key);
    if (data === undefined) {
      if (optional) continue;
      throw missingKey(item.key);
    }
    payload.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return payload;
}
