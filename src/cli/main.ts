/** The `kjob` command: kubectl's grammar for Jobs on Temporal. */
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { JobClient, type JobClientOptions } from '../client/job-client.js';
import { NotFoundError } from '../shared/errors.js';
import { JOB_COMPLETION_INDEX } from '../shared/manifest/defaults.js';
import { followLogs, lastLines } from '../client/log-follow.js';
import { provisionTemporalCli, provisionTestServer } from '../provision/index.js';
import type { Job } from '../shared/kubernetes-types.js';
import { jobFromImage } from './create-job.js';
import { CronJobClient } from '../client/cronjob-client.js';
import { cronJobRows } from './cronjob-format.js';
import { describeJob } from './describe.js';
import { parseLabelSelector } from './label-selector.js';
import { createOrApply } from './manifests.js';
import { eventRows } from './events.js';
import { mergePatch } from './merge-patch.js';
import { waitWithProgress } from './progress.js';
import { watchJobs } from './watch.js';
import { printError } from './errors.js';
import { jobRows, podRows, renderObjects } from './format.js';
import { loadHandlers } from './load-handlers.js';
import { parseDuration, readManifestText } from './read-input.js';
import { installTemporalRuntime } from '../worker/runtime-logging.js';
import { runDemo, runDev } from './serve.js';

interface GlobalOptions {
  address?: string;
  namespace?: string;
  temporalNamespace?: string;
  taskQueue?: string;
}

const program = new Command('kjob')
  .description('Kubernetes batch/v1 Jobs as durable Temporal workflows')
  .option('--address <host:port>', 'Temporal frontend (default TEMPORAL_ADDRESS or localhost:7233)')
  .option('-n, --namespace <namespace>', 'Kubernetes namespace of the Jobs', 'default')
  .option('--temporal-namespace <namespace>', 'Temporal namespace (default TEMPORAL_NAMESPACE or "default")')
  .option('--task-queue <queue>', 'Temporal task queue of the kjob workers', 'kjob')
  .showHelpAfterError();

function clientOptions(): JobClientOptions {
  const opts = program.opts<GlobalOptions>();
  const options: JobClientOptions = { namespace: opts.namespace, taskQueue: opts.taskQueue };
  if (opts.address) options.address = opts.address;
  if (opts.temporalNamespace) options.temporalNamespace = opts.temporalNamespace;
  return options;
}

let cronJobClientInstance: CronJobClient | undefined;
/** The CronJob client, made on first use by the commands that take CronJobs. */
function cronJobs(): CronJobClient {
  cronJobClientInstance ??= new CronJobClient(clientOptions());
  return cronJobClientInstance;
}

/** Runs a client command, prints errors kubectl's way, and sets the exit code. */
function withClient(fn: (jobs: JobClient, ...args: any[]) => Promise<number | void>) {
  return async (...args: unknown[]) => {
    const jobs = new JobClient(clientOptions());
    try {
      process.exitCode = (await fn(jobs, ...args)) ?? 0;
    } catch (error) {
      process.exitCode = printError(error);
    } finally {
      await cronJobClientInstance?.close().catch(() => undefined);
      await jobs.close().catch(() => undefined);
    }
  };
}

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
  metricsAddress?: string;
  logFormat: 'text' | 'json';
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** The process's Temporal runtime (logs, metrics): installed before any connection or worker exists. */
function installRuntime(opts: WorkerFlags): void {
  installTemporalRuntime({ logLevel: opts.logLevel, logFormat: opts.logFormat, ...(opts.metricsAddress ? { metricsAddress: opts.metricsAddress } : {}) });
}

async function toWorkerOptions(opts: WorkerFlags) {
  return {
    handlers: await loadHandlers(opts.handlers),
    commandPods: opts.commandPods ?? false,
    podSandbox: opts.podSandbox,
    podNetwork: opts.podNetwork,
    podReadOnlyPaths: opts.podReadOnlyPath ?? [],
    podBackoffCapSeconds: Number(opts.backoffCap),
    podHeartbeatTimeoutSeconds: Number(opts.heartbeatTimeout),
    taskQueue: program.opts<GlobalOptions>().taskQueue,
  };
}

program
  .command('provision')
  .description('find or build the Temporal CLI and the time-skipping test server (cached in .cache/kjob)')
  .action(async () => {
    try {
      for (const [what, provision] of [
        ['Temporal CLI (dev server)', provisionTemporalCli],
        ['time-skipping test server', provisionTestServer],
      ] as const) {
        const found = await provision();
        const detail = found.type === 'existing-path' ? found.path : `not found locally; the SDK will try to download it\n${found.failures.join('\n')}`;
        process.stdout.write(`${what}: ${found.source}: ${detail}\n`);
      }
    } catch (error) {
      process.exitCode = printError(error);
    }
  });

workerOptions(
  program
    .command('dev')
    .description('start the embedded Temporal dev server (SQLite, Web UI) and a kjob worker; Ctrl-C stops both')
    .option('--db-file <path>', 'SQLite file for the server state', '.kjob/dev.db')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Web UI port', '8233'),
  true,
).action(async (opts) => {
  try {
    installRuntime(opts);
    await runDev({ dbFile: opts.dbFile, port: Number(opts.port), uiPort: Number(opts.uiPort), worker: await toWorkerOptions(opts) });
  } catch (error) {
    process.exitCode = printError(error);
  }
});

workerOptions(program.command('worker').description('run a kjob worker against TEMPORAL_ADDRESS (a real cluster)'), false).action(async (opts) => {
  try {
    const { createJobWorker } = await import('../worker/create-worker.js');
    const { onShutdownSignal } = await import('./serve.js');
    installRuntime(opts);
    const global = program.opts<GlobalOptions>();
    const worker = await createJobWorker({
      ...(await toWorkerOptions(opts)),
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
  } catch (error) {
    process.exitCode = printError(error);
  }
});

program
  .command('demo')
  .description("run the Kubernetes docs' pi Job on the embedded dev server and show its status, log and Web UI address")
  .option('--keep', 'keep the server, UI and worker running afterwards')
  .option('--db-file <path>', 'SQLite file for the server state', '.kjob/dev.db')
  .action(async (opts: { keep?: boolean; dbFile: string }) => {
    try {
      await runDemo({ keep: opts.keep ?? false, dbFile: opts.dbFile });
    } catch (error) {
      process.exitCode = printError(error);
    }
  });

program
  .command('create')
  .description('create Jobs from a file, a folder or stdin (-f -), or one Job: create job NAME --image=IMAGE -- [COMMAND] [args...]')
  .argument('[resource]', 'job, with NAME, --image and a command after --')
  .argument('[name]')
  .argument('[command...]', 'the container command and its arguments, after --')
  .option('-f, --filename <path>', 'manifest file, folder, or - for stdin')
  .option('--from <cronjob/NAME>', 'create the Job from a CronJob\'s jobTemplate, as kubectl create job NAME --from=cronjob/X')
  .option('--image <image>', 'image of the Job\'s one container (informational for command pods; kjob.dev/handler/<name> for a handler)')
  .action(
    withClient(
      async (jobs, resource: string | undefined, name: string | undefined, command: string[], opts: { filename?: string; image?: string; from?: string }) => {
        if (opts.filename) {
          const lines = await createOrApply(jobs, cronJobs(), await readManifestText(opts.filename), 'create');
          process.stdout.write(lines.map((line) => `${line}\n`).join(''));
          return;
        }
        const fromCronJob = /^cronjobs?(?:\.batch)?\/(.+)$/.exec(opts.from ?? '')?.[1];
        if (resource === 'job' && name && opts.from) {
          if (!fromCronJob) {
            process.stderr.write(`error: from must be an existing cronjob: ${opts.from}\n`);
            return 1;
          }
          const job = await cronJobs().createJobFromCronJob(fromCronJob, name);
          process.stdout.write(`job.batch/${job.metadata.name} created\n`);
          return;
        }
        if (resource !== 'job' || !name) {
          process.stderr.write('error: must specify one of -f and -k, or create job NAME --image=IMAGE -- [COMMAND] [args...]\n');
          return 1;
        }
        if (!opts.image) {
          process.stderr.write('error: required flag(s) "image" not set\n');
          return 1;
        }
        const job = await jobs.create(jobFromImage(name, opts.image, command));
        process.stdout.write(`job.batch/${job.metadata.name} created\n`);
      },
    ),
  );

program
  .command('apply')
  .description('create Jobs that do not exist; identical ones stay unchanged')
  .requiredOption('-f, --filename <path>', 'manifest file, folder, or - for stdin')
  .action(
    withClient(async (jobs, opts: { filename: string }) => {
      const lines = await createOrApply(jobs, cronJobs(), await readManifestText(opts.filename), 'apply');
      process.stdout.write(lines.map((line) => `${line}\n`).join(''));
    }),
  );

program
  .command('get')
  .description('show Jobs (get jobs [NAME]) or their pods (get pods)')
  .argument('<resource>', 'jobs | job | pods | pod | cronjobs | cronjob')
  .argument('[name]')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml', 'wide', 'name']))
  .option('-A, --all-namespaces', 'Jobs of every namespace')
  .option('-l, --selector <selector>', 'label selector (app=pi,tier!=web); for pods, job-name=NAME')
  .option('-w, --watch', 'after the list, print a row each time a Job changes (until Ctrl-C)')
  .action(
    withClient(async (jobs, resource: string, name: string | undefined, opts: { output?: string; allNamespaces?: boolean; selector?: string; watch?: boolean }) => {
      const now = Date.now();
      if (resource.startsWith('cronjob') || resource === 'cj') {
        const list = name ? [await cronJobs().get(name)] : await cronJobs().list({ allNamespaces: opts.allNamespaces ?? false });
        if (list.length === 0) {
          process.stderr.write(`No resources found in ${jobs.namespace} namespace.\n`);
          return;
        }
        if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(`${renderObjects(list, opts.output)}\n`);
        else if (opts.output === 'name') process.stdout.write(list.map((c) => `cronjob.batch/${c.metadata.name}\n`).join(''));
        else process.stdout.write(`${cronJobRows(list, now, { allNamespaces: opts.allNamespaces ?? false })}\n`);
        return;
      }
      if (resource.startsWith('job') && opts.watch) {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await watchJobs(jobs, {
          ...(name ? { name } : {}),
          allNamespaces: opts.allNamespaces ?? false,
          wide: opts.output === 'wide',
          signal: stop.signal,
          write: (text) => process.stdout.write(text),
        });
        return;
      }
      if (resource.startsWith('job')) {
        const selector = opts.selector ? parseLabelSelector(opts.selector) : () => true;
        const list: Job[] = (name ? [await jobs.get(name)] : await jobs.list({ allNamespaces: opts.allNamespaces ?? false })).filter((j) =>
          selector(j.metadata.labels),
        );
        if (list.length === 0) {
          process.stderr.write(`No resources found in ${jobs.namespace} namespace.\n`);
          return;
        }
        if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(`${renderObjects(list, opts.output)}\n`);
        else if (opts.output === 'name') process.stdout.write(list.map((j) => `job.batch/${j.metadata.name}\n`).join(''));
        else process.stdout.write(`${jobRows(list, now, { wide: opts.output === 'wide', allNamespaces: opts.allNamespaces ?? false })}\n`);
        return;
      }
      if (resource.startsWith('pod')) {
        const jobName = /^(?:batch\.kubernetes\.io\/)?job-name=(.+)$/.exec(opts.selector ?? '')?.[1];
        const owners = jobName ? [jobName] : (await jobs.list()).map((j) => j.metadata.name);
        let pods = (await Promise.all(owners.map((owner) => jobs.pods(owner)))).flat();
        if (name) pods = pods.filter((p) => p.metadata.name === name);
        if (name && pods.length === 0) throw new NotFoundError(jobs.namespace, name);
        if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(`${renderObjects(pods, opts.output)}\n`);
        else process.stdout.write(`${podRows(pods, now)}\n`);
        return;
      }
      process.stderr.write(`error: the server doesn't have a resource type "${resource}"\n`);
      return 1;
    }),
  );

program
  .command('events')
  .description("the Jobs' events, oldest first (kubectl events)")
  .option('--for <job/NAME>', 'only the events of one Job')
  .action(
    withClient(async (jobs, opts: { for?: string }) => {
      const names = opts.for ? [opts.for.replace(/^jobs?(\.batch)?\//i, '')] : (await jobs.list()).map((j) => j.metadata.name);
      const events = (await Promise.all(names.map(async (job) => (await jobs.events(job)).map((event) => ({ job, event }))))).flat();
      if (events.length === 0) {
        process.stderr.write(`No events found in ${jobs.namespace} namespace.\n`);
        return;
      }
      process.stdout.write(`${eventRows(events, Date.now())}\n`);
    }),
  );

program
  .command('patch')
  .description("change a Job's mutable fields with a JSON merge patch (kubectl patch job NAME -p '{\"spec\":{\"parallelism\":3}}')")
  .argument('<resource>', 'job, or job/NAME')
  .argument('[name]')
  .requiredOption('-p, --patch <json>', 'the patch, JSON or YAML')
  .addOption(new Option('--type <type>', 'patch type').choices(['merge', 'strategic']).default('strategic'))
  .action(
    withClient(async (jobs, resource: string, name: string | undefined, opts: { patch: string }) => {
      const target = name ?? resource.replace(/^jobs?(\.batch)?\//, '');
      const current = await jobs.get(target);
      // For the fields a Job can change (scalars), a strategic merge patch is a JSON merge patch.
      const desired = mergePatch({ apiVersion: 'batch/v1', kind: 'Job', metadata: current.metadata, spec: current.spec }, parseYaml(opts.patch));
      const [result] = await jobs.apply(desired as object);
      process.stdout.write(`job.batch/${target} ${result?.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`);
    }),
  );

program
  .command('describe')
  .description("show a Job in kubectl's describe layout, with its events")
  .argument('<resource>', 'job, or job/NAME')
  .argument('[name]')
  .action(
    withClient(async (jobs, resource: string, name: string | undefined) => {
      const target = name ?? resource.replace(/^jobs?(\.batch)?\//, '');
      const [job, events] = await Promise.all([jobs.get(target), jobs.events(target)]);
      process.stdout.write(`${describeJob(job, events, Date.now())}\n`);
    }),
  );

program
  .command('logs')
  .description('print the log of a Job (job/NAME: every pod) or of one pod; -f follows it as it is written')
  .argument('<target>', 'job/NAME or POD')
  .option('-c, --container <name>')
  .option('--prefix', 'prefix each line with the pod and container')
  .option('--index <n>', 'only the pods of one completion index (Indexed Jobs)')
  .option('-f, --follow', 'stream the log until the Job (or the pod) ends')
  .option('--tail <lines>', 'only the last lines of each log (-1: all)', '-1')
  .action(
    withClient(async (jobs, target: string, opts: { container?: string; prefix?: boolean; follow?: boolean; tail: string; index?: string }) => {
      let jobName: string;
      let pod: string | undefined;
      if (target.startsWith('job/') || target.startsWith('jobs/')) jobName = target.slice(target.indexOf('/') + 1);
      else {
        pod = target.replace(/^pods?\//, '');
        const owner = (await jobs.list()).find((j) => pod?.startsWith(`${j.metadata.name}-`));
        if (!owner) throw new NotFoundError(jobs.namespace, pod);
        jobName = owner.metadata.name;
      }
      const tailLines = Number(opts.tail);
      // --index: the pods of one completion index, as the annotation Kubernetes puts on Indexed pods says.
      const indexPods =
        opts.index === undefined
          ? undefined
          : new Set((await jobs.pods(jobName)).filter((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX] === opts.index).map((p) => p.metadata.name));
      if (indexPods?.size === 0) throw new Error(`no pods of job/${jobName} with completion index ${opts.index}`);
      const shown = (log: { pod: string }) => !indexPods || indexPods.has(log.pod);
      const print = (log: { pod: string; container: string; text: string }) =>
        process.stdout.write(opts.prefix ? log.text.replace(/^(?=.)/gm, `[pod/${log.pod}/${log.container}] `) : log.text);
      if (opts.follow) {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        const follow = followLogs(jobs, jobName, {
          ...(pod ? { pod } : {}),
          ...(opts.container ? { container: opts.container } : {}),
          ...(tailLines >= 0 ? { tailLines } : {}),
          signal: stop.signal,
        });
        for await (const chunk of follow) {
          if (!shown(chunk)) continue;
          if (chunk.skippedBytes) process.stderr.write(`(${chunk.skippedBytes} bytes of ${chunk.pod}/${chunk.container} not shown)\n`);
          print(chunk);
        }
        return;
      }
      for (const log of await jobs.logs(jobName, { ...(pod ? { pod } : {}), ...(opts.container ? { container: opts.container } : {}) })) {
        if (!shown(log)) continue;
        if (log.truncatedBytes > 0 && tailLines < 0) process.stderr.write(`(${log.truncatedBytes} earlier bytes of ${log.pod}/${log.container} not kept)\n`);
        print({ ...log, text: tailLines >= 0 ? lastLines(log.text, tailLines) : log.text });
      }
    }),
  );

program
  .command('wait')
  .description('wait for a Job condition, as kubectl wait')
  .argument('<target>', 'job/NAME')
  .requiredOption('--for <condition>', 'condition=Complete or condition=Failed')
  .option('--timeout <duration>', 'give up after this long (30s, 5m, ...)', '30s')
  .action(
    withClient(async (jobs, target: string, opts: { for: string; timeout: string }) => {
      const name = target.replace(/^jobs?(\.batch)?\//, '');
      const wanted = /^condition=(\w+)/i.exec(opts.for)?.[1]?.toLowerCase();
      if (wanted !== 'complete' && wanted !== 'failed') throw new Error(`unrecognized condition: ${JSON.stringify(opts.for)}`);
      const timeoutMs = parseDuration(opts.timeout);
      const deadline = Date.now() + timeoutMs;
      const job = await waitWithProgress(jobs, name, { timeoutMs, stream: process.stderr });
      const met = (job.status?.conditions ?? []).some((c) => c.type.toLowerCase() === wanted && c.status === 'True');
      if (met) {
        process.stdout.write(`job.batch/${name} condition met\n`);
        return 0;
      }
      // The Job finished the other way; like kubectl, wait out the timeout for a condition that cannot come.
      await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
      process.stderr.write(`error: timed out waiting for the condition on jobs/${name}\n`);
      return 1;
    }),
  );

for (const [verb, suspend] of [
  ['suspend', true],
  ['resume', false],
] as const) {
  program
    .command(verb)
    .description(`${verb} a Job (kubectl patch job NAME -p '{"spec":{"suspend":${suspend}}}')`)
    .argument('[resource]', 'job, or job/NAME')
    .argument('[name]')
    .action(
      withClient(async (jobs, resource: string | undefined, name: string | undefined) => {
        const target = name ?? resource?.replace(/^jobs?(\.batch)?\//, '');
        if (!target) throw new Error(`${verb} needs a Job name`);
        await jobs.patch(target, { suspend });
        process.stdout.write(`job.batch/${target} patched\n`);
      }),
    );
}

program
  .command('delete')
  .description('delete Jobs (pods are terminated and records removed) or CronJobs (with their Jobs)')
  .argument('[resource]', 'job or cronjob, or job/NAME')
  .argument('[names...]')
  .option('-f, --filename <path>', 'delete the Jobs a manifest names')
  .addOption(
    new Option('--cascade <strategy>', 'background: the Job goes at once, its pods stop after; foreground: pods stop first; orphan: not supported')
      .choices(['background', 'foreground', 'orphan'])
      .default('background'),
  )
  .action(
    withClient(async (jobs, resource: string | undefined, names: string[], opts: { filename?: string; cascade: string }) => {
      const propagationPolicy = ({ background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const)[opts.cascade as 'background'];
      type Target = { kind: 'job' | 'cronjob'; name: string };
      const kindOf = (word: string | undefined): Target['kind'] => (/^(cronjobs?|cj)(\.batch)?$/.test(word ?? '') ? 'cronjob' : 'job');
      let targets: Target[];
      if (opts.filename) {
        const { readDocuments } = await import('../shared/manifest/parse.js');
        targets = readDocuments(await readManifestText(opts.filename)).map((d) => {
          const doc = d as { kind?: string; metadata?: { name?: string } };
          return { kind: doc.kind === 'CronJob' ? 'cronjob' : 'job', name: String(doc.metadata?.name ?? '') };
        });
      } else if (resource?.includes('/')) {
        targets = [resource, ...names].map((r) => ({ kind: kindOf(r.slice(0, r.indexOf('/'))), name: r.slice(r.indexOf('/') + 1) }));
      } else targets = names.map((name) => ({ kind: kindOf(resource), name }));
      let code = 0;
      for (const { kind, name } of targets) {
        try {
          if (kind === 'cronjob') await cronJobs().delete(name, { propagationPolicy });
          else await jobs.delete(name, { propagationPolicy });
          process.stdout.write(`${kind}.batch "${name}" deleted\n`);
        } catch (error) {
          code = printError(error);
        }
      }
      return code;
    }),
  );

await program.parseAsync(process.argv);
