/**
 * Hands a container to the runtime that serves it, with its env and args worked out as the kubelet does. A
 * container whose env reads ConfigMaps or Secrets waits for them first: while one is missing it stays waiting
 * with CreateContainerConfigError, the kubelet's Failed event and message, and is tried again (pod-config/).
 */
import type { Container } from '../src/shared/kubernetes-types.js';
import { containerRuntimeOf } from '../src/shared/manifest/container-runtime.js';
import type { ContainerExit } from './container-exit.js';
import type { ContainerRun, PodRunContext } from './container-runtime.js';
import { containerEnv, expandReferences } from './container-env.js';
import type { LogTail } from './log-tail.js';
import { untilConfigured } from './pod-config/config-retry.js';
import { readEnvSources, readsConfigObjects, type EnvSources } from './pod-config/env-sources.js';
import type { PodRun } from './pod-run.js';

export async function dispatchContainer(pod: PodRun, container: Container, log: LogTail): Promise<ContainerExit> {
  const runtime = pod.runner.runtimes[containerRuntimeOf(container)];
  if (!readsConfigObjects(container)) return runtime.run(containerRun(pod, pod, container, log));
  // Said before the first await: the pod runner counts the pod as started once no container waits.
  pod.status.wait(container.name, 'ContainerCreating');
  const sources = await untilConfigured(
    () => readEnvSources(container, pod.objects.fresh(), pod.status),
    (message) => {
      pod.status.event('Warning', 'Failed', `Error: ${message}`);
      pod.status.wait(container.name, 'CreateContainerConfigError', message);
    },
    pod.runner.configRetryMs,
    pod.stop,
  );
  if (!sources) return { exitCode: 128, reason: 'CreateContainerConfigError', neverStarted: true };
  // A runtime that makes the container wait again (an image to pull) says so before its first await, and says
  // when it is ready; for the others the container is ready now.
  let waitsAgain = false;
  const status: PodRunContext['status'] = {
    event: (...args) => pod.status.event(...args),
    wait: (...args) => {
      waitsAgain = true;
      pod.status.wait(...args);
    },
    ready: (name) => pod.status.ready(name),
  };
  const exit = runtime.run(containerRun({ ...pod, status }, pod, container, log, sources));
  if (!waitsAgain) pod.status.ready(container.name);
  return exit;
}

function containerRun(pod: PodRunContext, { fieldRefs }: PodRun, container: Container, log: LogTail, sources?: EnvSources): ContainerRun {
  const env = containerEnv(container, fieldRefs, pod.input.index, sources);
  const args = (container.args ?? []).map((a) => expandReferences(a, env));
  return { pod, container, env, args, log };
}
