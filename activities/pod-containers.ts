/**
 * A pod's containers in the kubelet's order: the init containers one after another (the first that fails ends
 * the pod), then the main containers together. Each container's result and log are kept in that order.
 */
import { Context } from '@temporalio/activity';
import type { Container, ContainerLog } from '../src/shared/kubernetes-types.js';
import { SIGNAL_POD_STARTED } from '../src/shared/protocol/names.js';
import type { ContainerResult, PodStartedSignal } from '../src/shared/protocol/pod-runs.js';
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
    const ran = await runContainer(pod, container, true);
    if (!ran) break;
    pod.results.push(ran.result);
    pod.logs.push(ran.log);
    if (ran.result.exitCode !== 0) {
      initFailed = true;
      break;
    }
  }
  if (initFailed || pod.stop.aborted) return undefined;
  // As in Kubernetes, the pod is Running (and ready) once its init containers are done and its containers have
  // started (their images pulled). The start is signalled only to a pod still running after a heartbeat
  // interval: a short pod's start comes with its result (containersStartedMsAgo), which spares the Job a history
  // event and two server calls per pod.
  let startedAt: number | undefined;
  let report: NodeJS.Timeout | undefined;
  const running = podSpec.containers.map((c) => runContainer(pod, c, false));
  pod.status.whenNoneWaiting(() => {
    const at = (startedAt = Date.now());
    report = setTimeout(() => void reportStarted(pod, Date.now() - at), HEARTBEAT_INTERVAL_MS);
  });
  try {
    for (const ran of await Promise.all(running)) {
      if (!ran) continue;
      pod.results.push(ran.result);
      pod.logs.push(ran.log);
    }
  } finally {
    clearTimeout(report);
  }
  return startedAt;
}

/** Runs one container; undefined when it never started (stopped while its image was being pulled). */
async function runContainer(pod: PodRun, container: Container, init: boolean): Promise<{ result: ContainerResult; log: ContainerLog } | undefined> {
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
    pod.status.gaveUp(container.name, pod.stop.aborted);
  }
  if (exit.neverStarted) return undefined;
  const { neverStarted: _, ...ended } = exit;
  return {
    result: { name: container.name, image: container.image ?? '', init, ...ended },
    log: { container: container.name, ...log.result() },
  };
}

async function reportStarted(pod: PodRun, runningForMs: number): Promise<void> {
  const { input, runner } = pod;
  const events = pod.status.take();
  const report: PodStartedSignal = {
    podName: input.podName,
    restartCount: input.restartCount,
    nodeName: runner.nodeName,
    runningForMs,
    ...(events.length > 0 ? { events } : {}),
  };
  try {
    await Context.current().client.workflow.getHandle(input.workflowId).signal(SIGNAL_POD_STARTED, report);
  } catch (error) {
    // The pod still runs; only its Running phase is reported late (at exit).
    Context.current().log.warn('could not report pod start', { pod: input.podName, error: String(error) });
  }
}
