/** Hands a container to the runtime that serves it, with its env and args worked out as the kubelet does. */
import type { Container } from '../src/shared/kubernetes-types.js';
import { containerRuntimeOf } from '../src/shared/manifest/container-runtime.js';
import type { ContainerExit } from './container-exit.js';
import { containerEnv, expandReferences } from './container-env.js';
import type { LogTail } from './log-tail.js';
import type { PodRun } from './pod-run.js';

export function dispatchContainer(pod: PodRun, container: Container, log: LogTail): Promise<ContainerExit> {
  const env = containerEnv(container, pod.fieldRefs, pod.input.index);
  const args = (container.args ?? []).map((a) => expandReferences(a, env));
  return pod.runner.runtimes[containerRuntimeOf(container)].run({ pod, container, env, args, log });
}
