/**
 * One run of a pod: init containers one after another, then the main containers together, as the kubelet runs
 * them. The activity heartbeats so a lost worker is noticed, reports the start to the Job workflow, and on
 * cancellation terminates the containers and still returns what they did.
 */
import { Context } from '@temporalio/activity';
import { mkdirSync } from 'node:fs';
import { chmod, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ContainerResult, type PodHeartbeatDetails, type PodRunInput, type PodRunResult, type PodStartedSignal } from '../src/shared/protocol/pod-runs.js';
import { SIGNAL_POD_STARTED } from '../src/shared/protocol/names.js';
import type { PodHandlers } from '../src/worker/handlers.js';
import { handlerNameOf } from '../src/shared/manifest/handler-image.js';
import type { OnceStore } from '../src/worker/once-store.js';
import type { Container, ContainerLog } from '../src/shared/kubernetes-types.js';
import { parseQuantity } from '../src/shared/manifest/quantity.js';
import type { FieldRefSource } from '../src/shared/manifest/field-refs.js';
import { runCommand, type ContainerExit } from './command-container.js';
import { containerEnv, expandReferences } from './container-env.js';
import { MAX_TIMER_MS, podLogger, runHandler } from './handler-container.js';
import { LogTail } from './log-tail.js';
import { containerMounts, preparePodVolumes, VolumeSetupError, type PodVolume } from './pod-volumes.js';
import { podMetrics } from './pod-metrics.js';
import type { ProcessRegistry } from './process-registry.js';
import type { CgroupDriver, ContainerLimits } from './resource-limits.js';
import { commandExistsInSandbox, CONTAINER_PATH, sandboxArgs, type Sandbox } from './sandbox.js';

export interface PodRuntime {
  handlers: PodHandlers;
  onceStore: OnceStore;
  /** Where each pod run gets its scratch directory. */
  scratchRoot: string;
  /** Bytes of log kept per container (the tail). */
  logTailBytes: number;
  /** Whether containers with a `command` may run as processes on this host. */
  commandPods: boolean;
  /** The worker host's name: the pods' spec.nodeName. */
  nodeName: string;
  /** PATH handed to command pods, standing in for the image's PATH. */
  podPath: string;
  /** Where command pods' process groups are recorded, so a later worker can kill what a dead one left. */
  processes?: ProcessRegistry;
  /** The command pods' sandbox, or why this host has none (then pods with volume mounts cannot start). */
  sandbox: Sandbox | { unavailable: string };
  /** cgroups for resources.limits; without them limits are not enforced (the worker said so at start). */
  cgroups?: CgroupDriver;
}

const HEARTBEAT_INTERVAL_MS = 1000;
/** Log bytes per running container a heartbeat carries for `kjob logs -f`. */
const LIVE_LOG_BYTES = 4096;
/** Bytes of a handler's own heartbeat details kjob passes on. */
const MAX_PROGRESS_BYTES = 256 * 1024;

export async function runPod(runtime: PodRuntime, input: PodRunInput): Promise<PodRunResult> {
  const ctx = Context.current();
  const live = new Map<string, LogTail>();
  /** A handler's own progress (ctx.heartbeat), kept beside kjob's details rather than replacing them. */
  let progress: unknown;
  const liveDetails = (): PodHeartbeatDetails => ({
    pod: input.podName,
    restartCount: input.restartCount,
    logs: [...live].map(([container, log]) => ({ container, totalBytes: log.totalBytes, tail: log.peek(LIVE_LOG_BYTES) })),
    ...(progress !== undefined ? { progress } : {}),
  });
  const heartbeat = setInterval(() => ctx.heartbeat(liveDetails()), HEARTBEAT_INTERVAL_MS);
  /**
   * A handler's heartbeat: its details travel with kjob's, bounded so that a large value cannot make the server
   * fail the pod (Temporal refuses heartbeat details over 2 MiB); an oversized value is dropped and logged.
   */
  const handlerHeartbeat = (details: unknown, log: LogTail) => {
    let size = 0;
    try {
      size = details === undefined ? 0 : JSON.stringify(details).length;
    } catch {
      size = Number.POSITIVE_INFINITY;
    }
    if (size > MAX_PROGRESS_BYTES) {
      log.write(`kjob: heartbeat details of ${Number.isFinite(size) ? `${size} bytes` : 'an unserializable value'} dropped (the limit is ${MAX_PROGRESS_BYTES})\n`);
    } else progress = details;
    ctx.heartbeat(liveDetails());
  };
  const metrics = podMetrics(ctx.metricMeter, { namespace: input.job.metadata.namespace, name: input.job.metadata.name });
  metrics.started();
  let outcome: { result: 'succeeded' | 'failed'; reason: string } = { result: 'failed', reason: 'Error' };
  // Made on first use only: most pods never touch it, and a directory per pod is measurable work.
  const scratch = lazyDirectory(join(runtime.scratchRoot, `${input.podName}-${input.restartCount}`));
  // Volumes belong to the pod, not the run: an emptyDir outlives an in-place restart (restartPolicy OnFailure).
  const podDir = join(runtime.scratchRoot, input.podName);
  let keepVolumes = false;
  let containersStartedAt: number | undefined;
  const results: ContainerResult[] = [];
  const logs: ContainerLog[] = [];
  // The pod's own activeDeadlineSeconds ends it like a termination, and marks it DeadlineExceeded.
  const deadline = new AbortController();
  const podDeadline =
    input.podDeadlineMs === undefined ? undefined : setTimeout(() => deadline.abort(), Math.min(input.podDeadlineMs, MAX_TIMER_MS));
  const stop = eitherAborts(ctx.cancellationSignal, deadline.signal);
  try {
    const podSpec = input.job.spec.template.spec;
    const fieldRefs = fieldRefSource(input, runtime.nodeName);
    let volumes: Map<string, PodVolume>;
    try {
      volumes = await preparePodVolumes(podSpec.volumes ?? [], podDir, fieldRefs);
    } catch (error) {
      // The kubelet would keep the pod Pending with a FailedMount event; kjob ends the run with the reason.
      const log = new LogTail(runtime.logTailBytes);
      const first = podSpec.initContainers?.[0] ?? podSpec.containers[0];
      const exit = startError(log, error instanceof VolumeSetupError ? error.message : `volume setup failed: ${String(error)}`);
      outcome = { result: 'failed', reason: 'StartError' };
      return {
        containers: first ? [{ name: first.name, image: first.image ?? '', init: first !== podSpec.containers[0], ...exit }] : [],
        logs: first ? [{ container: first.name, ...log.result() }] : [],
        nodeName: runtime.nodeName,
        terminated: false,
      };
    }
    const run = async (container: Container, init: boolean) => {
      const log = new LogTail(runtime.logTailBytes);
      live.set(container.name, log);
      try {
        return await runContainer(runtime, input, container, init, { scratch, volumes, fieldRefs, log, heartbeat: handlerHeartbeat }, stop);
      } catch (error) {
        // kjob failing to start the container (a cgroup it could not make, say) is that container's StartError;
        // it must not end the pod run while sibling containers are still running.
        const exit = startError(log, `kjob could not run the container: ${error instanceof Error ? error.message : String(error)}`);
        return { result: { name: container.name, image: container.image ?? '', init, ...exit }, log: { container: container.name, ...log.result() } };
      } finally {
        live.delete(container.name);
      }
    };
    let initFailed = false;
    for (const container of podSpec.initContainers ?? []) {
      if (stop.aborted) break;
      const { result, log } = await run(container, true);
      results.push(result);
      logs.push(log);
      if (result.exitCode !== 0) {
        initFailed = true;
        break;
      }
    }
    if (!initFailed && !stop.aborted) {
      // As in Kubernetes, the pod is Running (and ready) once its init containers are done. The start is signalled
      // only to a pod still running after a heartbeat interval: a short pod's start comes with its result
      // (containersStartedMsAgo), which spares the Job a history event and two server calls per pod.
      containersStartedAt = Date.now();
      const startedAt = containersStartedAt;
      const report = setTimeout(() => void reportStarted(input, runtime.nodeName, Date.now() - startedAt), HEARTBEAT_INTERVAL_MS);
      try {
        for (const { result, log } of await Promise.all(podSpec.containers.map((c) => run(c, false)))) {
          results.push(result);
          logs.push(log);
        }
      } finally {
        clearTimeout(report);
      }
    }
    keepVolumes =
      podSpec.restartPolicy === 'OnFailure' && !stop.aborted && results.some((r) => r.exitCode !== 0);
    const failedContainer = results.find((r) => r.exitCode !== 0);
    outcome = ctx.cancellationSignal.aborted
      ? { result: 'failed', reason: 'Terminated' }
      : deadline.signal.aborted
        ? { result: 'failed', reason: 'DeadlineExceeded' }
        : failedContainer
          ? { result: 'failed', reason: failedContainer.reason }
          : { result: 'succeeded', reason: 'Completed' };
    return {
      containers: results,
      logs,
      nodeName: runtime.nodeName,
      terminated: ctx.cancellationSignal.aborted,
      ...(containersStartedAt !== undefined ? { containersStartedMsAgo: Date.now() - containersStartedAt } : {}),
      ...(deadline.signal.aborted && !ctx.cancellationSignal.aborted ? { deadlineExceeded: true } : {}),
    };
  } finally {
    metrics.finished(outcome.result, outcome.reason);
    clearInterval(heartbeat);
    clearTimeout(podDeadline);
    stop.release();
    if (scratch.created) await removeTree(scratch.path);
    if (!keepVolumes && (input.job.spec.template.spec.volumes?.length ?? 0) > 0) await removeTree(podDir);
  }
}

/**
 * A signal that aborts when either source does. Not `AbortSignal.any`: Node keeps a composite signal that has
 * abort listeners alive until it aborts, and with it all the listeners reach (a handler's closures, the
 * activity's context), so every pod that ended without being stopped leaked (about 5 KB each). `release()`
 * detaches it from its sources once the pod has ended.
 */
function eitherAborts(a: AbortSignal, b: AbortSignal): AbortSignal & { release(): void } {
  const controller = new AbortController();
  // The first source's reason carries over (Temporal's cancellation, or the pod's deadline).
  const abortA = () => controller.abort(a.reason);
  const abortB = () => controller.abort(b.reason);
  const release = () => {
    a.removeEventListener('abort', abortA);
    b.removeEventListener('abort', abortB);
  };
  if (a.aborted) abortA();
  else if (b.aborted) abortB();
  else {
    a.addEventListener('abort', abortA, { once: true });
    b.addEventListener('abort', abortB, { once: true });
  }
  return Object.assign(controller.signal, { release });
}

interface LazyDirectory {
  path: string;
  readonly created: boolean;
  /** Makes the directory (once) and returns its path. */
  ensure(): string;
}

function lazyDirectory(path: string): LazyDirectory {
  let created = false;
  return {
    path,
    get created() {
      return created;
    },
    ensure() {
      if (!created) mkdirSync(path, { recursive: true });
      created = true;
      return path;
    },
  };
}

/** A pod's leftovers must not turn its result into a failure; a directory it made read-only is made writable. */
async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(async () => {
    await chmodTree(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) =>
      Context.current().log.warn('could not remove a pod directory', { dir, error: String(error) }),
    );
  });
}

function fieldRefSource(input: PodRunInput, nodeName: string): FieldRefSource {
  return {
    podName: input.podName,
    namespace: input.job.metadata.namespace,
    podUid: input.podUid,
    nodeName,
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    labels: input.labels ?? {},
    annotations: input.annotations ?? {},
  };
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

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await chmodTree(join(dir, entry.name));
  }
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

async function runContainer(
  runtime: PodRuntime,
  input: PodRunInput,
  container: Container,
  init: boolean,
  pod: {
    scratch: LazyDirectory;
    volumes: ReadonlyMap<string, PodVolume>;
    fieldRefs: FieldRefSource;
    log: LogTail;
    heartbeat: (details: unknown, log: LogTail) => void;
  },
  signal: AbortSignal,
): Promise<{ result: ContainerResult; log: ContainerLog }> {
  const { job } = input;
  const { scratch, log } = pod;
  const env = containerEnv(container, pod.fieldRefs, input.index);
  const args = (container.args ?? []).map((a) => expandReferences(a, env));
  const image = container.image ?? '';
  const handlerName = handlerNameOf(image);
  let exit: ContainerExit;
  if (handlerName !== undefined) {
    const handler = runtime.handlers[handlerName];
    if (!handler) {
      exit = startError(log, `handler ${JSON.stringify(handlerName)} is not registered on worker ${runtime.nodeName}`);
    } else {
      exit = await runHandler(
        handler,
        {
          jobName: job.metadata.name,
          namespace: job.metadata.namespace,
          podName: input.podName,
          containerName: container.name,
          index: input.index,
          attempt: input.restartCount,
          env: { ...env, HOSTNAME: input.hostname },
          args,
          signal,
          heartbeat: (details) => pod.heartbeat(details, log),
          get scratchDir() {
            return scratch.ensure();
          },
          log: podLogger(log),
          keys: { pod: input.podKey, attempt: input.attemptKey },
          once: (name, fn) => runtime.onceStore.once(`${input.podKey}/${name}`, fn, signal),
        },
        log,
        job.spec.template.spec.terminationGracePeriodSeconds * 1000,
      );
    }
  } else if (!runtime.commandPods) {
    exit = startError(log, `command pods are disabled on worker ${runtime.nodeName} (start it with --command-pods, or commandPods: true)`);
  } else {
    const command = (container.command ?? []).map((a) => expandReferences(a, env));
    exit = await runCommandContainer(runtime, input, container, [...command, ...args], env, pod, log, signal);
  }
  return {
    result: { name: container.name, image, init, ...exit },
    log: { container: container.name, ...log.result() },
  };
}

async function runCommandContainer(
  runtime: PodRuntime,
  input: PodRunInput,
  container: Container,
  command: string[],
  env: Record<string, string>,
  pod: { scratch: LazyDirectory; volumes: ReadonlyMap<string, PodVolume> },
  log: LogTail,
  signal: AbortSignal,
): Promise<ContainerExit> {
  const { sandbox } = runtime;
  const mounts = container.volumeMounts ?? [];
  let argv = command;
  if ('unavailable' in sandbox) {
    if (mounts.length > 0) {
      return startError(log, `volume mounts need the pod sandbox, which worker ${runtime.nodeName} does not have: ${sandbox.unavailable}`);
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
  const cgroup = limits && runtime.cgroups ? await runtime.cgroups.create(`${input.podName}-${input.restartCount}-${container.name}`, limits) : undefined;
  try {
    const sandboxed = !('unavailable' in sandbox);
    const exit = await runCommand({
      argv: cgroup ? cgroup.wrap(argv) : argv,
      // In the sandbox the working directory is set inside it; outside, the run's scratch directory stands in.
      cwd: sandboxed ? '/' : (container.workingDir ?? pod.scratch.ensure()),
      // A pod sees only its declared env and what Kubernetes sets, never the worker's own environment.
      env: sandboxed
        ? { PATH: CONTAINER_PATH, HOME: '/root', HOSTNAME: input.hostname, ...env }
        : { PATH: runtime.podPath, HOME: pod.scratch.ensure(), HOSTNAME: input.hostname, ...env },
      log,
      signal,
      gracePeriodMs: input.job.spec.template.spec.terminationGracePeriodSeconds * 1000,
      ...(sandboxed ? { spareOnTerm: sandbox.bwrap } : {}),
      onSpawn: (pid) => void runtime.processes?.record(pid).catch(() => undefined),
      onExit: (pid) => void runtime.processes?.forget(pid).catch(() => undefined),
    });
    // The kernel's OOM killer ended a process of the container: the runtime reports the container OOMKilled.
    if (cgroup && exit.exitCode !== 0 && (await cgroup.oomKilled())) return { exitCode: exit.exitCode, reason: 'OOMKilled' };
    return exit;
  } finally {
    await cgroup?.remove();
  }
}

function startError(log: LogTail, message: string): ContainerExit {
  log.write(`${message}\n`);
  return { exitCode: 128, reason: 'StartError', message };
}
