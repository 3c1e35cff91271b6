/**
 * The handler runtime: a container whose image is `kjob.dev/handler/<name>` runs the TypeScript function
 * registered on the worker under `<name>`, in the worker's own process.
 */
import { handlerNameOf } from '../../../src/shared/manifest/handler-image.js';
import type { PodHandlers } from '../../../src/worker/handlers.js';
import type { OnceStore } from '../../../src/worker/once-store.js';
import { startError, type ContainerExit } from '../../container-exit.js';
import type { ContainerRun, ContainerRuntime } from '../../container-runtime.js';
import { containerMounts } from '../../pod-volumes.js';
import { handlerMounts } from './mount-paths.js';
import { podLogger, runHandler } from './run-handler.js';

export interface HandlerRuntimeSettings {
  handlers: PodHandlers;
  /** Where `ctx.once` results are committed. */
  onceStore: OnceStore;
  /** The worker host's name, for the start error of a handler it does not have. */
  nodeName: string;
}

export class HandlerRuntime implements ContainerRuntime {
  constructor(private readonly settings: HandlerRuntimeSettings) {}

  async run({ pod, container, env, args, log }: ContainerRun): Promise<ContainerExit> {
    const { handlers, onceStore, nodeName } = this.settings;
    const handlerName = handlerNameOf(container.image) ?? '';
    const handler = handlers[handlerName];
    if (!handler) return startError(log, `handler ${JSON.stringify(handlerName)} is not registered on worker ${nodeName}`);
    const { input, stop: signal, scratch } = pod;
    const mounted = await containerMounts(container.volumeMounts ?? [], pod.volumes).catch((error: unknown) => error as Error);
    if (mounted instanceof Error) return startError(log, mounted.message);
    const { mounts, path } = handlerMounts(container.name, mounted);
    return runHandler(
      handler,
      {
        jobName: input.job.metadata.name,
        namespace: input.job.metadata.namespace,
        podName: input.podName,
        containerName: container.name,
        index: input.index,
        attempt: input.restartCount,
        env: { ...env, HOSTNAME: input.hostname },
        args,
        mounts,
        path,
        signal,
        heartbeat: (details) => pod.heartbeat.handlerProgress(details, log),
        get scratchDir() {
          return scratch.ensure();
        },
        log: podLogger(log),
        keys: { pod: input.podKey, attempt: input.attemptKey },
        once: (name, fn) =>
          onceStore.once(`${input.podKey}/${name}`, fn, signal, { workflowId: input.workflowId, attemptKey: input.attemptKey, jobUid: input.job.metadata.uid }),
      },
      log,
      pod.gracePeriodMs,
    );
  }
}
