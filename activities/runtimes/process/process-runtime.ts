/**
 * The process runtime: a container's command runs as a process on the worker host, in the pod sandbox
 * (bubblewrap) where the host has it, under cgroups for its resources.limits where the host allows them. The
 * image is not pulled: the host's programs stand in for it, so the container must give its command.
 */
import type { Container } from '../../../src/shared/kubernetes-types.js';
import { HANDLER_IMAGE_PREFIX } from '../../../src/shared/manifest/handler-image.js';
import { expandReferences } from '../../container-env.js';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { ContainerRun, ContainerRuntime } from '../../container-runtime.js';
import { containerMounts } from '../../pod-volumes.js';
import { runContained, type ProcessHost } from './run-contained.js';
import { commandExistsInSandbox, CONTAINER_PATH, sandboxArgs, type Sandbox } from './sandbox.js';

/** The process registry and cgroups (ProcessHost) come with the rest of what the runtime needs. */
export interface ProcessRuntimeSettings extends ProcessHost {
  /** Whether containers may run as processes on this host (the worker's `commandPods`). */
  enabled: boolean;
  /** The worker host's name, for the start errors. */
  nodeName: string;
  /** PATH handed to unsandboxed pods, standing in for the image's PATH. */
  podPath: string;
  /** The pods' sandbox, or why this host has none (then pods with volume mounts cannot start). */
  sandbox: Sandbox | { unavailable: string };
}

export class ProcessRuntime implements ContainerRuntime {
  constructor(private readonly settings: ProcessRuntimeSettings) {}

  async run({ pod, container, env, args, log }: ContainerRun): Promise<ContainerExit> {
    const { enabled, nodeName, sandbox } = this.settings;
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
    const sandboxed = !('unavailable' in sandbox);
    return runContained(this.settings, { pod, container, log }, {
      argv,
      // In the sandbox the working directory is set inside it; outside, the run's scratch directory stands in.
      cwd: sandboxed ? '/' : (container.workingDir ?? pod.scratch.ensure()),
      // A pod sees only its declared env and what Kubernetes sets, never the worker's own environment.
      env: sandboxed
        ? { PATH: CONTAINER_PATH, HOME: '/root', HOSTNAME: input.hostname, ...env }
        : { PATH: this.settings.podPath, HOME: pod.scratch.ensure(), HOSTNAME: input.hostname, ...env },
      ...(sandboxed ? { spareOnTerm: sandbox.bwrap } : {}),
    });
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
