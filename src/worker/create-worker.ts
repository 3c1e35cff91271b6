/**
 * `createJobWorker`: a Temporal worker that runs Job workflows (the controller) and their pods (activities).
 * Many workers may share a task queue; each runs pods on its own host.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { PodOwners } from '../../activities/pod-owners.js';
import { BatchStops } from '../../activities/batch-stops.js';
import { createActivities } from '../../activities/index.js';
import { PodRunStops } from '../../activities/pod-run-stops.js';
import { HandlerRuntime } from '../../activities/runtimes/handler/handler-runtime.js';
import type { ImageMode } from '../shared/images/image-mode.js';
import { imageRuntimeFor } from '../../activities/runtimes/image/image-runtime-setup.js';
import { detectCgroups } from '../../activities/runtimes/process/cgroups.js';
import { ProcessRegistry } from '../../activities/runtimes/process/process-registry.js';
import { ProcessRuntime } from '../../activities/runtimes/process/process-runtime.js';
import { detectSandbox, type SandboxSettings } from '../../activities/runtimes/process/sandbox.js';
import { sweepStalePodDirectories } from '../../activities/scratch-sweep.js';
import { TemporalConfigObjectSource } from '../client/config-object-source.js';
import { temporalTargetFromEnv } from '../client/connection.js';
import { encryptingDataConverter } from '../codec/data-converter.js';
import { encryptionKeysFromEnv, type EncryptionKey } from '../codec/encryption-keys.js';
import type { ImageStoreOptions } from '../images/index.js';
import type { ConfigObjectSource } from '../shared/config-objects/types.js';
import { KUBELET_CONFIG_RETRY_MS } from '../../activities/pod-config/config-retry.js';
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from '../shared/protocol/pod-runs.js';
import { DEFAULT_TASK_QUEUE } from '../shared/protocol/names.js';
import type { PodHandlers } from './handlers.js';
import type { OnceStore } from './once-store.js';
import { TemporalOnceStore } from './temporal-once-store.js';


export interface JobWorkerOptions {
  /** TypeScript handler pods, by the name a manifest gives in `image: kjob.dev/handler/<name>`. */
  handlers?: PodHandlers;
  /** A connection to reuse; otherwise one is made from TEMPORAL_ADDRESS and friends. */
  connection?: NativeConnection;
  /** Temporal namespace (default TEMPORAL_NAMESPACE or "default"). */
  namespace?: string;
  /** Temporal frontend when no connection is given (default TEMPORAL_ADDRESS, then the config file, then localhost:7233). */
  address?: string;
  taskQueue?: string;
  /**
   * Run containers that have a `command` as processes on this host (default false: a Job author's command would
   * run on the worker's host, so a worker runs them only when told to).
   */
  commandPods?: boolean;
  /** Cap of the pod-recreation backoff in seconds (default 360, as Kubernetes' docs say; its code uses 600). */
  podBackoffCapSeconds?: number;
  /** First pod-recreation backoff in seconds (default 10, as Kubernetes). */
  podBackoffBaseSeconds?: number;
  /** A pod whose worker is silent this long is lost (default 10). */
  podHeartbeatTimeoutSeconds?: number;
  /**
   * How often a running pod's heartbeat reaches the server, in seconds (default 1). Termination (deadline,
   * backoff limit, delete) reaches a pod on its next heartbeat, so this bounds how late SIGTERM arrives.
   */
  podHeartbeatIntervalSeconds?: number;
  /** Log bytes kept per container (the tail; default 16 KiB). */
  logTailBytes?: number;
  /** Log bytes kept per Job over all its pods (default 512 KiB). */
  jobLogBudgetBytes?: number;
  /**
   * History length at which a Job's workflow continues as new (default 10,000 events, under Temporal's warning at
   * 10,240): it stops starting pods, lets the running ones end, and hands its compact state to a new run.
   */
  continueAsNewAfterEvents?: number;
  /**
   * Pod runs a Job's workflow holds itself (default 1,000; Temporal's default cap is 2,000 pending activities per
   * workflow); runs beyond go to pod runner shards, child workflows taking up to as many each.
   */
  maxPodRunsPerWorkflow?: number;
  /** Runs a pod runner shard takes before a fresh one takes over (default 500; keeps shard histories short). */
  maxRunsPerShard?: number;
  /**
   * Pods of one Job in flight at most (default 2,000), whatever its parallelism: the Job's state with its
   * unfinished pods must fit in one continue-as-new input, under Temporal's 2 MB payload limit.
   */
  maxPodsInFlight?: number;
  /**
   * This worker's state on its host (default `.kjob` in the working directory): the image cache and the process
   * groups of running command pods, which the next worker started on the host kills if this one dies.
   */
  stateDir?: string;
  /**
   * Where `ctx.once` results are committed: by default through the Job's workflow (TemporalOnceStore), seen by
   * every worker of the cluster; `new FileOnceStore(dir)` commits to a folder on this host instead.
   */
  onceStore?: OnceStore;
  /**
   * The command pods' sandbox (bubblewrap): `auto` (default) uses it where the host allows and says at start
   * when it cannot; `required` refuses to start without it; `off` runs command pods straight on the host (then
   * pods with volume mounts cannot start).
   */
  podSandbox?: 'auto' | 'required' | 'off';
  /** The sandboxed pods' network: `none` (default, loopback only) or the worker host's `host` network. */
  podNetwork?: SandboxSettings['network'];
  /** More host folders sandboxed pods see read-only, besides /usr, /bin, /lib*, /etc and /opt. */
  podReadOnlyPaths?: string[];
  /**
   * How command pods treat their images: `pull` (default) runs each container in its image, pulled into the
   * worker's image cache (`<stateDir>/images`) as its imagePullPolicy says, and a pod whose image cannot be
   * pulled stays Pending (ImagePullBackOff), as in Kubernetes; `host` runs the container's command with the
   * host's programs instead, as kjob did before images; `pull-or-host` runs in the image when it can be pulled
   * and on the host when not. A pod that runs on the host says so in its events.
   */
  images?: ImageMode;
  /** The image cache and its registries: mirrors, insecure registries, the credentials file, the disk budget. */
  imageStore?: Omit<ImageStoreOptions, 'root'> & { root?: string };
  /** The image pull back-off (default as the kubelet: 10 s, doubling up to 300 s). */
  imagePullBackoffSeconds?: { initial: number; cap: number };
  /**
   * Where pods read the ConfigMaps and Secrets their specs name (env, envFrom, volumes, imagePullSecrets), made
   * from the worker's Temporal client (default: the objects kjob stores in Temporal, `kjob create secret` and
   * friends, read at each pod start).
   */
  configObjects?: (client: Client) => ConfigObjectSource;
  /** Seconds a pod whose ConfigMap, Secret or key is missing waits before it tries again (default 10, the kubelet's). */
  podConfigRetrySeconds?: number;
  /** Root of the pods' scratch directories (default the OS temp dir). */
  scratchRoot?: string;
  /**
   * The server is Temporal's time-skipping test server, and this worker the only one of the task queue: Jobs
   * work around the server's faults (`kjob/testing` sets it). Pods are stopped through this worker (a local
   * activity) rather than by cancelling their activities, so they must run in this process.
   */
  timeSkippingTestServer?: boolean;
  /**
   * Payload encryption keys, the first encrypting (default: KJOB_ENCRYPTION_KEY, then KJOB_ENCRYPTION_KEY_FILE,
   * then `<stateDir>/encryption-keys`, then `./.kjob/encryption-keys`; `[]` for none). Clients need the same keys (README "Encryption").
   */
  encryptionKeys?: readonly EncryptionKey[];
  /**
   * A data converter of your own instead of kjob's (then `encryptionKeys` is not used). Its failure converter, by
   * path, is bundled into the workflows too.
   */
  dataConverter?: DataConverter;
  /** Passed to the Temporal Worker as is. */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowBundle' | 'workflowsPath' | 'dataConverter'>>;
}

function workflowsEntry(): string {
  // From source (tests) the workflows are TypeScript; from the built package, JavaScript. The bundler takes both.
  const js = fileURLToPath(new URL('../../workflows/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
}

const bundles = new Map<string, ReturnType<typeof bundleWorkflowCode>>();
/**
 * The workflow bundle, built once per process for each failure converter (webpack takes seconds): an encrypting
 * worker's workflows put failure messages in encrypted payloads too.
 */
export function jobWorkflowBundle(failureConverterPath?: string): ReturnType<typeof bundleWorkflowCode> {
  let bundle = bundles.get(failureConverterPath ?? '');
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: quietBundlerLogger, ...(failureConverterPath ? { failureConverterPath } : {}) });
    bundles.set(failureConverterPath ?? '', bundle);
  }
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: (message: string) => console.error(message), log: noop };

/**
 * The kubelet backs secret volumes with tmpfs: /dev/shm where the host has it (one folder per user, private),
 * else a folder beside the scratch root. /dev/shm is writable by all and the name predictable, so a folder there
 * that is not this user's own and private (made first by someone else, or a link) is passed over for a fresh one.
 */
function secretVolumeRootFor(scratchRoot: string): string {
  const onTmpfs = existsSync('/dev/shm');
  const root = onTmpfs ? join('/dev/shm', `kjob-secrets-${process.getuid?.() ?? 'user'}`) : `${scratchRoot}-secrets`;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const info = lstatSync(root);
  const own = info.isDirectory() && (process.getuid === undefined || info.uid === process.getuid()) && (info.mode & 0o077) === 0;
  return own ? root : mkdtempSync(join(onTmpfs ? '/dev/shm' : dirname(root), 'kjob-secrets-'));
}

export async function createJobWorker(options: JobWorkerOptions = {}): Promise<Worker> {
  const target = temporalTargetFromEnv({ address: options.address, namespace: options.namespace });
  const connection = options.connection ?? (await NativeConnection.connect(target.connectionOptions));
  const settings: ControllerSettings = {
    podBackoffBaseSeconds: options.podBackoffBaseSeconds ?? DEFAULT_CONTROLLER_SETTINGS.podBackoffBaseSeconds,
    podBackoffCapSeconds: options.podBackoffCapSeconds ?? DEFAULT_CONTROLLER_SETTINGS.podBackoffCapSeconds,
    podHeartbeatTimeoutSeconds: options.podHeartbeatTimeoutSeconds ?? DEFAULT_CONTROLLER_SETTINGS.podHeartbeatTimeoutSeconds,
    jobLogBudgetBytes: options.jobLogBudgetBytes ?? DEFAULT_CONTROLLER_SETTINGS.jobLogBudgetBytes,
    continueAsNewAfterEvents: options.continueAsNewAfterEvents ?? DEFAULT_CONTROLLER_SETTINGS.continueAsNewAfterEvents!,
    maxPodRunsPerWorkflow: options.maxPodRunsPerWorkflow ?? DEFAULT_CONTROLLER_SETTINGS.maxPodRunsPerWorkflow!,
    maxRunsPerShard: options.maxRunsPerShard ?? DEFAULT_CONTROLLER_SETTINGS.maxRunsPerShard!,
    maxPodsInFlight: options.maxPodsInFlight ?? DEFAULT_CONTROLLER_SETTINGS.maxPodsInFlight!,
    combineSimilarEvents: true,
    ...(options.timeSkippingTestServer ? { timeSkippingTestServer: true } : {}),
  };
  const stateDir = options.stateDir ?? join(process.cwd(), '.kjob');
  const dataConverter = options.dataConverter ?? encryptingDataConverter(options.encryptionKeys ?? encryptionKeysFromEnv({ stateDir }));
  const processes = new ProcessRegistry(join(stateDir, 'processes'));
  const reaped = await processes.reapOrphans();
  if (reaped > 0) console.warn(`kjob: killed ${reaped} command pod process group(s) left by a worker that is gone`);
  const scratchRoot = options.scratchRoot ?? join(tmpdir(), 'kjob-pods');
  const secretVolumeRoot = secretVolumeRootFor(scratchRoot);
  for (const root of [scratchRoot, secretVolumeRoot]) {
    await sweepStalePodDirectories(root);
    setInterval(() => void sweepStalePodDirectories(root), 60 * 60 * 1000).unref();
  }
  const commandPods = options.commandPods ?? false;
  const sandboxMode = options.podSandbox ?? 'auto';
  const sandbox =
    sandboxMode === 'off' || !commandPods
      ? { unavailable: 'the worker was started with the pod sandbox off' }
      : await detectSandbox({ network: options.podNetwork ?? 'none', readOnlyPaths: options.podReadOnlyPaths ?? [] });
  if ('unavailable' in sandbox && commandPods) {
    if (sandboxMode === 'required') throw new Error(`kjob: the pod sandbox is required but unavailable: ${sandbox.unavailable}`);
    if (sandboxMode === 'auto') {
      console.warn(`kjob: command pods run unsandboxed on this host, and pods with volume mounts cannot start: ${sandbox.unavailable}`);
    }
  }
  const cgroupProbe = commandPods ? await detectCgroups(String(process.pid)) : { unavailable: 'command pods are off' };
  if ('unavailable' in cgroupProbe && commandPods) {
    console.warn(`kjob: resources.limits are not enforced on this host: ${cgroupProbe.unavailable}`);
  }
  const nodeName = hostname();
  const hostRuntime = new ProcessRuntime({
    enabled: commandPods,
    nodeName,
    podPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    processes,
    sandbox: 'sandbox' in sandbox ? sandbox.sandbox : sandbox,
    ...('cgroups' in cgroupProbe ? { cgroups: cgroupProbe.cgroups } : {}),
  });
  const imageMode = options.images ?? 'pull';
  const imageRuntime = await imageRuntimeFor(imageMode, commandPods, hostRuntime, {
    nodeName,
    stateDir,
    scratchRoot,
    network: options.podNetwork ?? 'none',
    processes,
    ...('cgroups' in cgroupProbe ? { cgroups: cgroupProbe.cgroups } : {}),
    ...(options.imageStore ? { store: options.imageStore } : {}),
    ...(options.imagePullBackoffSeconds ? { backoffSeconds: options.imagePullBackoffSeconds } : {}),
  });
  const activities = createActivities({
    settings,
    pods: {
      scratchRoot,
      logTailBytes: options.logTailBytes ?? 16 * 1024,
      nodeName,
      configObjects: (options.configObjects ?? ((client) => new TemporalConfigObjectSource(client)))(
        new Client({ connection, namespace: target.namespace, ...(dataConverter ? { dataConverter } : {}) }),
      ),
      configRetryMs: (options.podConfigRetrySeconds ?? KUBELET_CONFIG_RETRY_MS / 1000) * 1000,
      secretVolumeRoot,
      owners: new PodOwners(),
      batchStops: new BatchStops(),
      ...(settings.timeSkippingTestServer ? { stops: new PodRunStops() } : {}),
      // One runtime per name that containerRuntimeOf gives (src/shared/manifest/container-runtime.ts).
      runtimes: {
        handler: new HandlerRuntime({
          handlers: options.handlers ?? {},
          onceStore: options.onceStore ?? new TemporalOnceStore(),
          nodeName,
        }),
        image: imageRuntime,
      },
    },
  });
  return Worker.create({
    maxHeartbeatThrottleInterval: `${options.podHeartbeatIntervalSeconds ?? 1} seconds`,
    // A Job's next workflow task waits this long for a sticky worker that may be dead (the one that lost the
    // pods) before any worker may take it: the SDK's 10 s default would delay noticing lost pods by as much.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...options.workerOptions,
    connection,
    namespace: target.namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowBundle: await jobWorkflowBundle(dataConverter?.failureConverterPath),
    ...(dataConverter ? { dataConverter } : {}),
    activities,
  });
}
