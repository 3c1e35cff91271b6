/**
 * Where a handler pod finds its volumes: a handler runs in the worker's process, not behind mounts, so its
 * container's volumeMounts become host folders (`ctx.mounts`), and `ctx.path` turns a path the manifest speaks
 * of (`/etc/config/app.yaml`) into the host file, through the innermost mount that holds it.
 */
import { posix } from 'node:path';
import type { ContainerMount } from '../../pod-volumes.js';

export interface HandlerMounts {
  mounts: Record<string, string>;
  path(containerPath: string): string;
}

export function handlerMounts(containerName: string, mounts: readonly ContainerMount[]): HandlerMounts {
  const byTarget = new Map(mounts.map((m) => [posix.normalize(`/${m.target}`).replace(/(.)\/$/, '$1'), m.source]));
  // Longest mount path first: the innermost mount decides, as in a container.
  const targets = [...byTarget.keys()].sort((a, b) => b.length - a.length);
  return {
    mounts: Object.fromEntries(mounts.map((m) => [m.target, m.source])),
    path(containerPath: string): string {
      const path = posix.normalize(`/${containerPath}`);
      for (const target of targets) {
        if (path === target) return byTarget.get(target)!;
        const inside = target === '/' ? path.slice(1) : path.startsWith(`${target}/`) ? path.slice(target.length + 1) : undefined;
        if (inside !== undefined) return posix.join(byTarget.get(target)!, inside);
      }
      throw new Error(`${containerPath} is not under a volume mount of container ${JSON.stringify(containerName)}`);
    },
  };
}
