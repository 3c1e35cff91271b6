/**
 * The process a container runs in its image: its argv, env and working directory, from the container's command,
 * args, env and workingDir merged with the image's config. The kubelet passes the container's fields on
 * (pkg/kubelet/kuberuntime/kuberuntime_container.go, generateContainerConfig); the CRI runtime merges them
 * with the image (containerd's pkg/cri/opts WithProcessArgs and its containerSpec; cri-o does the same).
 */
import type { ImageConfig } from '../../../src/images/image-config.js';
import { absolute, CONTAINER_PATH } from '../process/sandbox.js';

/**
 * Kubernetes' rules for command and args against ENTRYPOINT and CMD. An empty `command` or `args` counts as
 * not given (the CRI's protobuf has no empty list): command set: it replaces ENTRYPOINT and CMD is dropped;
 * only args: they replace CMD and ENTRYPOINT is kept; neither: ENTRYPOINT then CMD. Docker's `ENTRYPOINT [""]`
 * means no entrypoint. An empty result is containerd's "no command specified".
 */
export function imageArgv(command: readonly string[] | undefined, args: readonly string[], config: ImageConfig): string[] {
  if (command !== undefined && command.length > 0) return [...command, ...args];
  const entrypoint = config.entrypoint ?? [];
  const kept = entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint;
  return [...kept, ...(args.length > 0 ? args : (config.cmd ?? []))];
}

/**
 * The container's env: PATH's default and HOSTNAME first, then the image's Env over them, then the container's
 * own env over that (containerd's order: WithDefaultPathEnv, HOSTNAME, image Env, container env). An image
 * entry without `=` unsets the name, as containerd's WithEnv does. HOME, when neither set it, is the user's home
 * from the image's /etc/passwd, or `/`, as runc sets it.
 */
export function imageEnv(config: ImageConfig, containerEnv: Record<string, string>, hostname: string, home: string): Record<string, string> {
  const env: Record<string, string> = { PATH: CONTAINER_PATH, HOSTNAME: hostname };
  for (const entry of config.env ?? []) {
    const equals = entry.indexOf('=');
    if (equals === -1) delete env[entry];
    else env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  Object.assign(env, containerEnv);
  if (!Object.hasOwn(env, 'HOME')) env.HOME = home;
  return env;
}

/** The container's workingDir, else the image's WORKDIR, else the root (containerd's WithProcessCwd). */
export function imageWorkingDir(workingDir: string | undefined, config: ImageConfig): string {
  return absolute(workingDir || config.workingDir || '/');
}
