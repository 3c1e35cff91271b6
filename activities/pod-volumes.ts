/**
 * A pod's volumes on the worker host, as the kubelet sets them up before the containers start: emptyDir
 * folders shared by the pod's containers, hostPath folders checked against their type, and downwardAPI, secret
 * and configMap files written as the kubelet's AtomicWriter writes them (pod-config/atomic-writer.ts), read-only.
 * Secret volumes go on the worker's memory-backed folder, as the kubelet backs them with tmpfs.
 */
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveFieldRef, type FieldRefSource } from '../src/shared/manifest/field-refs.js';
import type { Volume, VolumeMount } from '../src/shared/manifest/schema.js';
import { writeAtomically } from './pod-config/atomic-writer.js';
import type { PodObjects } from './pod-config/object-reads.js';
import { objectVolumePayload, type Payload } from './pod-config/volume-payload.js';

export interface PodVolume {
  hostPath: string;
  readOnly: boolean;
}

/** A volume as a container sees it: the host folder or file bound at its mount path. */
export interface ContainerMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** A volume that could not be set up: the pod cannot start, as Kubernetes reports a FailedMount. */
export class VolumeSetupError extends Error {}

const DOWNWARD_API_DEFAULT_MODE = 0o644;

/** Where a pod's volumes go: its own folder, and its folder on memory-backed storage (secret volumes). */
export interface PodVolumeDirs {
  podDir: string;
  secretDir: string;
}

/**
 * Sets up each volume under the pod's folders (emptyDir, downwardAPI, configMap, secret) or on the host
 * (hostPath). A secret or configMap that cannot be read yet is a PodConfigError (the kubelet's FailedMount).
 */
export async function preparePodVolumes(volumes: readonly Volume[], dirs: PodVolumeDirs, pod: FieldRefSource, objects: PodObjects): Promise<Map<string, PodVolume>> {
  const prepared = new Map<string, PodVolume>();
  for (const volume of volumes) {
    const own = join(dirs.podDir, 'volumes', volume.name);
    if (volume.emptyDir) {
      await mkdir(own, { recursive: true, mode: 0o777 });
      await chmod(own, 0o777);
      prepared.set(volume.name, { hostPath: own, readOnly: false });
    } else if (volume.hostPath) {
      await checkHostPath(volume.name, volume.hostPath.path, volume.hostPath.type ?? '');
      prepared.set(volume.name, { hostPath: volume.hostPath.path, readOnly: false });
    } else if (volume.downwardAPI) {
      const defaultMode = volume.downwardAPI.defaultMode ?? DOWNWARD_API_DEFAULT_MODE;
      const payload: Payload = new Map();
      for (const item of volume.downwardAPI.items ?? []) {
        const text = item.fieldRef ? resolveFieldRef(item.fieldRef.fieldPath, pod) : '';
        payload.set(item.path, { data: Buffer.from(text), mode: item.mode ?? defaultMode });
      }
      await writeAtomically(own, payload);
      // Kubernetes mounts downwardAPI, secret and configMap volumes read-only.
      prepared.set(volume.name, { hostPath: own, readOnly: true });
    } else if (volume.secret || volume.configMap) {
      const payload = await objectVolumePayload(volume, objects);
      const target = volume.secret ? join(dirs.secretDir, volume.name) : own;
      await writeAtomically(target, payload);
      prepared.set(volume.name, { hostPath: target, readOnly: true });
    }
  }
  return prepared;
}

/** The kubelet's hostPath type checks (pkg/volume/hostpath); an empty type checks nothing and makes a folder. */
async function checkHostPath(name: string, path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string) => {
    throw new VolumeSetupError(`MountVolume.SetUp failed for volume "${name}" : hostPath type check failed: ${path} ${what}`);
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail('is not a directory');
      return;
    case 'Directory':
      if (!info?.isDirectory()) fail('is not a directory');
      return;
    case 'FileOrCreate':
      if (!info) await writeFile(path, '', { mode: 0o644 });
      else if (!info.isFile()) fail('is not a file');
      return;
    case 'File':
      if (!info?.isFile()) fail('is not a file');
      return;
    case 'Socket':
      if (!info?.isSocket()) fail('is not a socket file');
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) fail('is not a character device');
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) fail('is not a block device');
      return;
    default:
      // As a container runtime does for an unchecked hostPath that is missing.
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
  }
}

/** Where a container's volume mounts come from on the host; a missing subPath is made as a folder, as the kubelet does. */
export async function containerMounts(mounts: readonly VolumeMount[], volumes: ReadonlyMap<string, PodVolume>): Promise<ContainerMount[]> {
  const result: ContainerMount[] = [];
  for (const mount of mounts) {
    const volume = volumes.get(mount.name);
    if (!volume) throw new VolumeSetupError(`volume ${JSON.stringify(mount.name)} is not set up`);
    let source = volume.hostPath;
    if (mount.subPath) {
      source = join(source, mount.subPath);
      if (!(await stat(source).catch(() => undefined))) await mkdir(source, { recursive: true });
    }
    result.push({ source, target: mount.mountPath, readOnly: volume.readOnly || mount.readOnly === true });
  }
  return result;
}
