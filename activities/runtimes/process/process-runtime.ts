/**
 * The process runtime: a container's command runs as a process on the worker host, in the pod sandbox
 * (bubblewrap) where the host has it, under cgroups for its resources.limits where the host allows them. The
 * image is not pulled: the host's programs stand in for it, so the container must give its command.
 */
import type { Container } from '../../../src/shared/kubernetes-types.js';
import { HANDLER_IMAGE_PREFIX } from '../../../src/shared/manifest/handler-image.js';
import { parseQuantity } from '../../../src/shared/manifest/quantity.js';
import { expandReferences } from '../../container-env.js';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { ContainerRun, ContainerRuntime } from '../../container-runtime.js';
import { containerMounts } from '../../pod-volumes.js';
import type { CgroupDriver, ContainerLimits } from './cgroups.js';
import type { ProcessRegistry } from './process-registry.js';
import { runCommand } from './run-command.js';
import { commandExistsInSandbox, CONTAINER_PATH, sandboxArgs, type Sandbox } from './sandbox.js';

export interface ProcessRuntimeSettings {
  /** Whether containers may run as processes on this host (the worker's `commandPods`). */
  enabled: boolean;
  /** The worker host's name, for the start errors. */
  nodeName: string;
  /** PATH handed to unsandboxed pods, standing in for the image's PATH. */
  podPath: string;
  /** Where the pods' process groups are recorded, so a later worker can kill what a dead one left. */
  processes?: ProcessRegistry;
  /** The pods' sandbox, or why this host has none (then pods with volume mounts cannot start). */
  sandbox: Sandbox | { unavailable: string };
  /** cgroups for resources.limits; without them limits are not enforced (the worker said so at start). */
  cgroups?: CgroupDriver;
}

export class ProcessRuntime implements ContainerRuntime {
  constructor(private readonly settings: ProcessRuntimeSettings) {}

  async run({ pod, container, env, args, log }: ContainerRun): Promise<ContainerExit> {
    const { enabled, nodeName, sandbox, cgroups, processes } = this.settings;
    if (!enabled) {
      return startError(log, `command pods are disabled on worker ${nodeName} (start it with --command-pods, or commandPods: true)`);
    }
    if (!container.command?.length) return startError(log, noCommand(container));
    const { input } = pod;
    const command = container.command.map((a) => expandReferences(a, env));
    const mounts = container.volumeMounts ?? [];
    let argv = [...command, ...args];
    if ('unavailable' in sandbox) {
      if (mounts.length > 0) {
        return startError(log, `volume mounts need the pod sandbox, which worker ${nodeName} does not have: ${sandbox.unavailable}`);
      }
    } else {
      const sandboxMounts = await containerMounts(mounts, pod.volumes).catch((error: unknown) => error as Error);
      if (sandboxMounts instanceof Error) return startError(log, sandboxMounts.message);
      const pathVar = env.PATH ?? CONTAINER_PATH;
      if (argv[0] === undefined || !commandExistsInSandbox(sandbox, argv[0], sandboxMounts, pathVar)) {
        return startError(log, `exec: ${JSON.stringify(argv[0] ?? '')}: executable file not found in $PATH`);
      }
      argv = [sandbox.bwrap, ...sandboxArgs(sandbox, { argv, hostname: input.hostname, mounts: sandboxMounts, workingDir: container.workingDir })];
    }
    const limits = limitsOf(container);
    const cgroup = limits && cgroups ? await cgroups.create(`${input.podName}-${input.restartCount}-${container.name}`, limits) : undefined;
    try {
      const sandboxed = !('unavailable' in sandbox);
      const exit = await runCommand({
        argv: cgroup ? cgroup.wrap(argv) : argv,
        // In the sandbox the working directory is set inside it; outside, the run's scratch directory stands in.
        cwd: sandboxed ? '/' : (container.workingDir ?? pod.scratch.ensure()),
        // A pod sees only its declared env and what Kubernetes sets, never the worker's own environment.
        env: sandboxed
          ? { PATH: CONTAINER_PATH, HOME: '/root', HOSTNAME: input.hostname, ...env }
          : { PATH: this.settings.podPath, HOME: pod.scratch.ensure(), HOSTNAME: input.hostname, ...env },
        log,
        signal: pod.stop,
        gracePeriodMs: pod.gracePeriodMs,
        ...(sandboxed ? { spareOnTerm: sandbox.bwrap } : {}),
        onSpawn: (pid) => void processes?.record(pid).catch(() => undefined),
        onExit: (pid) => void processes?.forget(pid).catch(() => undefined),
      });
      // The kernel's OOM killer ended a process of the container: the runtime reports the container OOMKilled.
      if (cgroup && exit.exitCode !== 0 && (await cgroup.oomKilled())) return { exitCode: exit.exitCode, reason: 'OOMKilled' };
      return exit;
    } finally {
      await cgroup?.remove();
    }
  }
}

/** Kubernetes runs the image's entrypoint when a container gives no command (or an empty one); this runtime cannot. */
function noCommand(container: Container): string {
  return (
    `container ${JSON.stringify(container.name)} has no command: the process runtime runs a container's command on the worker host ` +
    `and cannot read the entrypoint of its image ${JSON.stringify(container.image ?? '')}; give the command, ` +
    `or use the image ${HANDLER_IMAGE_PREFIX}<name> for a TypeScript handler`
  );
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
