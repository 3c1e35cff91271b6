/**
 * `kjob provision`, `dev`, `worker` and `demo`: the commands that provision and run Temporal servers and kjob
 * workers. Each loads that code (the worker, its bundler and activities, the provisioning) when it runs, so the
 * client commands load none of it.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { IMAGE_MODES, type ImageMode } from '../../shared/images/image-mode.js';
import { parseQuantity } from '../../shared/manifest/quantity.js';
import type { JobWorkerOptions } from '../../worker/create-worker.js';
import { plainAction, type GlobalOptions } from '../context.js';

/**
 * The worker flags. Command pods run processes on the worker's host, so a worker for a shared cluster runs them
 * only when started with --command-pods; `kjob dev` (a developer's own machine) runs them unless --no-command-pods.
 */
const workerOptions = (cmd: Command, commandPodsByDefault: boolean) =>
  cmd
    .option('--handlers <module>', 'JavaScript module exporting TypeScript-handler pods (`export const handlers = {...}`)')
    .option(
      commandPodsByDefault ? '--no-command-pods' : '--command-pods',
      commandPodsByDefault ? 'refuse containers that run commands on this host' : 'run containers that have a command as processes on this host (sandboxed)',
    )
    .option('--backoff-cap <seconds>', 'cap of the pod-recreation backoff (Kubernetes docs: 360; its code: 600)', '360')
    .option('--heartbeat-timeout <seconds>', 'seconds of silence after which a pod is lost with its worker', '10')
    .addOption(new Option('--pod-sandbox <mode>', 'run command pods in bubblewrap').choices(['auto', 'required', 'off']).default('auto'))
    .addOption(new Option('--pod-network <network>', "sandboxed pods' network").choices(['none', 'host']).default('none'))
    .option('--pod-read-only-path <path...>', 'more host folders sandboxed pods see read-only')
    .addOption(
      new Option('--images <mode>', "command pods' images: run in them (pull), use the host's programs (host), or the host where a pull fails")
        .choices(IMAGE_MODES)
        .default('pull'),
    )
    .option('--registry-mirror <registry=mirror...>', 'pull images of a registry from a mirror, e.g. docker.io=mirror.example:5000 (repeatable)')
    .option('--insecure-registry <registry...>', 'registries reached over plain HTTP (localhost and 127.0.0.0/8 always are)')
    .option('--registry-auth-file <path>', "registry credentials (containers' auth.json or Docker's config.json; default: the standard places)")
    .option('--image-cache-size <bytes>', "disk budget of the worker's image cache (default 20Gi)")
    .option('--state-dir <path>', "the worker's state on this host: image cache, pod process groups (and ctx.once commits with --once-store=file)", '.kjob')
    .addOption(
      new Option('--once-store <store>', "where ctx.once commits: through the Job's workflow, seen by every worker (temporal), or in <state-dir>/once on this host (file)")
        .choices(['temporal', 'file'])
        .default('temporal'),
    )
    .option('--metrics-address <host:port>', "serve Prometheus metrics (the SDK's and kjob's) at this address, under /metrics")
    .addOption(new Option('--log-format <format>', 'worker log lines').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'worker log level').choices(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'));

interface WorkerFlags {
  handlers?: string;
  commandPods?: boolean;
  backoffCap: string;
  heartbeatTimeout: string;
  podSandbox: 'auto' | 'required' | 'off';
  podNetwork: 'none' | 'host';
  podReadOnlyPath?: string[];
  images: ImageMode;
  registryMirror?: string[];
  insecureRegistry?: string[];
  registryAuthFile?: string;
  imageCacheSize?: string;
  stateDir: string;
  onceStore: 'temporal' | 'file';
  metricsAddress?: string;
  logFormat: 'text' | 'json';
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** The process's Temporal runtime (logs, metrics): installed before any connection or worker exists. */
async function installRuntime(opts: WorkerFlags): Promise<void> {
  const { installTemporalRuntime } = await import('../../worker/runtime-logging.js');
  installTemporalRuntime({ logLevel: opts.logLevel, logFormat: opts.logFormat, ...(opts.metricsAddress ? { metricsAddress: opts.metricsAddress } : {}) });
}

async function toWorkerOptions(program: Command, opts: WorkerFlags): Promise<JobWorkerOptions> {
  const { loadHandlers } = await import('../load-handlers.js');
  const onceStore = opts.onceStore === 'file' ? { onceStore: await fileOnceStore(opts.stateDir) } : {};
  return {
    ...onceStore,
    handlers: await loadHandlers(opts.handlers),
    commandPods: opts.commandPods ?? false,
    podSandbox: opts.podSandbox,
    podNetwork: opts.podNetwork,
    podReadOnlyPaths: opts.podReadOnlyPath ?? [],
    images: opts.images,
    stateDir: opts.stateDir,
    imageStore: {
      ...(opts.registryMirror ? { mirrors: registryMirrors(opts.registryMirror) } : {}),
      ...(opts.insecureRegistry ? { insecureRegistries: opts.insecureRegistry } : {}),
      ...(opts.registryAuthFile ? { authFile: opts.registryAuthFile } : {}),
      ...(opts.imageCacheSize ? { maxBytes: byteSize(opts.imageCacheSize, '--image-cache-size') } : {}),
    },
    podBackoffCapSeconds: Number(opts.backoffCap),
    podHeartbeatTimeoutSeconds: Number(opts.heartbeatTimeout),
    taskQueue: program.opts<GlobalOptions>().taskQueue,
  };
}

async function fileOnceStore(stateDir: string) {
  const { FileOnceStore } = await import('../../worker/once-store.js');
  const { join } = await import('node:path');
  return new FileOnceStore(join(stateDir, 'once'));
}

/** `--registry-mirror docker.io=127.0.0.1:5000`, repeatable: mirrors per registry, tried in the order given. */
function registryMirrors(flags: readonly string[]): Record<string, string[]> {
  const mirrors: Record<string, string[]> = {};
  for (const flag of flags) {
    const [registry, mirror] = flag.split('=', 2);
    if (!registry || !mirror) throw new InvalidArgumentError(`--registry-mirror ${flag}: expected REGISTRY=MIRROR, e.g. docker.io=mirror.example:5000`);
    (mirrors[registry] ??= []).push(mirror);
  }
  return mirrors;
}

/** A byte count in Kubernetes' quantity grammar (20Gi, 500M) or plain bytes. */
function byteSize(value: string, flag: string): number {
  const bytes = parseQuantity(value);
  if (bytes === undefined || bytes <= 0) throw new InvalidArgumentError(`${flag} ${value}: expected a size such as 20Gi or 500M`);
  return bytes;
}

export function registerServerCommands(program: Command): void {
  program
    .command('provision')
    .description('find or build the Temporal CLI and the time-skipping test server (cached in .cache/kjob)')
    .action(
      plainAction(async () => {
        const { provisionTemporalCli, provisionTestServer } = await import('../../provision/index.js');
        for (const [what, provision] of [
          ['Temporal CLI (dev server)', provisionTemporalCli],
          ['time-skipping test server', provisionTestServer],
        ] as const) {
          const found = await provision();
          const detail = found.type === 'existing-path' ? found.path : `not found locally; the SDK will try to download it\n${found.failures.join('\n')}`;
          process.stdout.write(`${what}: ${found.source}: ${detail}\n`);
        }
      }),
    );

  workerOptions(
    program
      .command('dev')
      .description('start the embedded Temporal dev server (SQLite, Web UI) and a kjob worker; Ctrl-C stops both')
      .option('--db-file <path>', 'SQLite file for the server state', '.kjob/dev.db')
      .option('--port <port>', 'Temporal gRPC port', '7233')
      .option('--ui-port <port>', 'Web UI port', '8233')
      .option('--codec-port <port>', "port of the codec endpoint the Web UI decrypts payloads through (default: a free one)"),
    true,
  ).action(
    plainAction(async (opts: WorkerFlags & { dbFile: string; port: string; uiPort: string; codecPort?: string }) => {
      await installRuntime(opts);
      const { runDev } = await import('../serve.js');
      await runDev({
        dbFile: opts.dbFile,
        port: Number(opts.port),
        uiPort: Number(opts.uiPort),
        ...(opts.codecPort ? { codecPort: Number(opts.codecPort) } : {}),
        worker: await toWorkerOptions(program, opts),
      });
    }),
  );

  workerOptions(program.command('worker').description('run a kjob worker against TEMPORAL_ADDRESS (a real cluster)'), false).action(
    plainAction(async (opts: WorkerFlags) => {
      const { createJobWorker } = await import('../../worker/create-worker.js');
      const { onShutdownSignal } = await import('../shutdown-signal.js');
      await installRuntime(opts);
      const global = program.opts<GlobalOptions>();
      const worker = await createJobWorker({
        ...(await toWorkerOptions(program, opts)),
        ...(global.temporalNamespace ? { namespace: global.temporalNamespace } : {}),
        ...(global.address ? { address: global.address } : {}),
      });
      process.stdout.write(`kjob worker polling task queue ${global.taskQueue}\n`);
      const running = worker.run();
      onShutdownSignal(async () => {
        worker.shutdown();
        await running;
      });
      await running;
    }),
  );

  program
    .command('codec-server')
    .description("serve the payload codec (this host's encryption keys) to the Temporal Web UI and CLI: POST /encode, /decode")
    .option('--port <port>', 'port to listen on', '8081')
    .option('--host <address>', 'address to listen on (anyone who reaches it reads every payload)', '127.0.0.1')
    .option('--ui-origin <origin...>', 'origins of the Web UI pages allowed to call it', ['http://localhost:8233', 'http://127.0.0.1:8233'])
    .option('--state-dir <path>', 'the state folder whose encryption-keys file is used when no key is set in the environment', '.kjob')
    .action(
      plainAction(async (opts: { port: string; host: string; uiOrigin: string[]; stateDir: string }) => {
        const { runCodecServer } = await import('../codec-server.js');
        await runCodecServer({ port: Number(opts.port), host: opts.host, uiOrigins: opts.uiOrigin, stateDir: opts.stateDir });
      }),
    );

  program
    .command('demo')
    .description("run the Kubernetes docs' pi Job on the embedded dev server and show its status, log and Web UI address")
    .option('--keep', 'keep the server, UI and worker running afterwards')
    .option('--db-file <path>', 'SQLite file for the server state', '.kjob/dev.db')
    .action(
      plainAction(async (opts: { keep?: boolean; dbFile: string }) => {
        const { runDemo } = await import('../demo/demo.js');
        await runDemo({ keep: opts.keep ?? false, dbFile: opts.dbFile });
      }),
    );
}
