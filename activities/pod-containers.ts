/**
 * A pod's containers in the kubelet's order: the init containers one after another (the first that fails ends
 * the pod), then the main containers together. Each container's result and log are kept in that order.
 */
import { Context } from '@temporalio/activity';
import type { Container, ContainerLog } from '../src/shared/kubernetes-types.js';
import { SIGNAL_POD_STARTED } from '../src/shared/protocol/names.js';
import type { ContainerResult, PodRunInput, PodStartedSignal } from '../src/shared/protocol/pod-runs.js';
import { dispatchContainer } from './container-dispatch.js';
import { startError, type ContainerExit } from './container-exit.js';
import { LogTail } from './log-tail.js';
import { HEARTBEAT_INTERVAL_MS } from './pod-heartbeat.js';
import type { PodRun } from './pod-run.js';

/** Runs the pod's containers into `pod.results` and `pod.logs`; returns when the main containers started, if they did. */
export async function runContainers(pod: PodRun): Promise<number | undefined> {
  const podSpec = pod.input.job.spec.template.spec;
  let initFailed = false;
  for (const container of podSpec.initContainers ?? []) {
    if (pod.stop.aborted) break;
    const { result, log } = await runContainer(pod, container, true);
    pod.results.push(result);
    pod.logs.push(log);
    if (result.exitCode !== 0) {
      initFailed = true;
      break;
    }
  }
  if (initFailed || pod.stop.aborted) return undefined;
  // As in Kubernetes, the pod is Running (and ready) once its init containers are done. The start is signalled
  // only to a pod still running after a heartbeat interval: a short pod's start comes with its result
  // (containersStartedMsAgo), which spares the Job a history event and two server calls per pod.
  const startedAt = Date.now();
  const report = setTimeout(() => void reportStarted(pod.input, pod.runner.nodeName, Date.now() - startedAt), HEARTBEAT_INTERVAL_MS);
  try {
    for (const { result, log } of await Promise.all(podSpec.containers.map((c) => runContainer(pod, c, false)))) {
      pod.results.push(result);
      pod.logs.push(log);
    }
  } finally {
    clearTimeout(report);
  }
  return startedAt;
}

async function runContainer(pod: PodRun, container: Container, init: boolean): Promise<{ result: ContainerResult; log: ContainerLog }> {
  const log = new LogTail(pod.runner.logTailBytes);
  pod.heartbeat.live.set(container.name, log);
  let exit: ContainerExit;
  try {
    exit = await dispatchContainer(pod, container, log);
  } catch (error) {
    // kjob failing to start the container (a cgroup it could not make, say) is that container's StartError;
    // it must not end the pod run while sibling containers are still running.
    exit = startError(log, `kjob could not run the container: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    pod.heartbeat.live.delete(container.name);
  }
  return {
    result: { name: container.name, image: container.image ?? '', init, ...exit },
    log: { container: container.name, ...log.result() },
  };
}

async function reportStarted(input: PodRunInput, nodeName: string, runningForMs: number): Promise<void> {
  const report: PodStartedSignal = { podName: input.podName, restartCount: input.restartCount, nodeName, runningForMs };
  try {
    await Context.current().client.workflow.getHandle(input.workflowId).signal(SIGNAL_POD_STARTED, report);
  } catch (error) {
    // The pod still runs; only its Running phase is reported late (at exit).
    Context.current().log.warn('could not report pod start', { pod: input.podName, error: String(error) });
  }
}
