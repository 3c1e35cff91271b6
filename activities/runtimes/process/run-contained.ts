/**
 * How the runtimes that run a container as host processes (process, image) run its command: under cgroups for
 * its resources.limits where the host has them, recorded in the process registry so a later worker can kill
 * what a dead one left, stopped with the pod's grace period, and reported OOMKilled when the kernel's OOM killer
 * ended it, as the kubelet reports it.
 */
import type { Container } from '../../../src/shared/kubernetes-types.js';
import { parseQuantity } from '../../../src/shared/manifest/quantity.js';
import type { ContainerExit } from '../../container-exit.js';
import type { ContainerRun } from '../../container-runtime.js';
import type { CgroupDriver, ContainerLimits } from './cgroups.js';
import type { ProcessRegistry } from './process-registry.js';
import { runCommand } from './run-command.js';

/** What the worker host gives every contained process. */
export interface ProcessHost {
  /** Where the pods' process groups are recorded. */
  processes?: ProcessRegistry;
  /** cgroups for resources.limits; without them limits are not enforced (the worker said so at start). */
  cgroups?: CgroupDriver;
}

/** The process a runtime made of the container. */
export interface ContainedProcess {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** The sandbox's program, spared the SIGTERM (see runCommand). */
  spareOnTerm?: string;
}

export async function runContained(host: ProcessHost, run: Pick<ContainerRun, 'pod' | 'container' | 'log'>, command: ContainedProcess): Promise<ContainerExit> {
  const { pod, container, log } = run;
  const { input } = pod;
  const limits = limitsOf(container);
  const cgroup = limits && host.cgroups ? await host.cgroups.create(`${input.podName}-${input.restartCount}-${container.name}`, limits) : undefined;
  try {
    const exit = await runCommand({
      argv: cgroup ? cgroup.wrap(command.argv) : command.argv,
      cwd: command.cwd,
      env: command.env,
      log,
      signal: pod.stop,
      gracePeriodMs: pod.gracePeriodMs,
      ...(command.spareOnTerm !== undefined ? { spareOnTerm: command.spareOnTerm } : {}),
      ...(host.processes ? { recordIn: host.processes.dir } : {}),
    });
    // The kernel's OOM killer ended a process of the container: the runtime reports the container OOMKilled.
    if (cgroup && exit.exitCode !== 0 && (await cgroup.oomKilled())) return { exitCode: exit.exitCode, reason: 'OOMKilled' };
    return exit;
  } finally {
    await cgroup?.remove();
  }
}

/** The limits kjob enforces; undefined when the container has none. */
function limitsOf(container: Container): ContainerLimits | undefined {
  const limits = container.resources?.limits ?? {};
  const value = (raw: string | number | undefined) => (raw === undefined ? undefined : typeof raw === 'number' ? raw : parseQuantity(raw));
  const memoryBytes = value(limits.memory);
  const cpuCores = value(limits.cpu);
  if (memoryBytes === undefined && cpuCores === undefined) return undefined;
  return { ...(memoryBytes !== undefined ? { memoryBytes } : {}), ...(cpuCores !== undefined ? { cpuCores } : {}) };
}
