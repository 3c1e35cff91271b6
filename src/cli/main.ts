/** The `kjob` command: kubectl's grammar for Jobs on Temporal. */
import { Command, Option } from 'commander';
import { JobClient, type JobClientOptions } from '../client.js';
import { NotFoundError } from '../errors.js';
import { provisionTemporalCli, provisionTestServer } from '../provision/index.js';
import type { Job } from '../types.js';
import { describeJob } from './describe.js';
import { printError } from './errors.js';
import { jobRows, podRows, renderObjects } from './format.js';
import { loadHandlers } from './load-handlers.js';
import { parseDuration, readManifestText } from './read-input.js';
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

function jobClient(): JobClient {
  const opts = program.opts<GlobalOptions>();
  const options: JobClientOptions = { namespace: opts.namespace, taskQueue: opts.taskQueue };
  if (opts.address) options.address = opts.address;
  if (opts.temporalNamespace) options.temporalNamespace = opts.temporalNamespace;
  return new JobClient(options);
}

/** Runs a client command, prints errors kubectl's way, and sets the exit code. */
function withClient(fn: (jobs: JobClient, ...args: any[]) => Promise<number | void>) {
  return async (...args: unknown[]) => {
    const jobs = jobClient();
    try {
      process.exitCode = (await fn(jobs, ...args)) ?? 0;
    } catch (error) {
      process.exitCode = printError(error);
    } finally {
      await jobs.close().catch(() => undefined);
    }
  };
}

const workerOptions = (cmd: Command) =>
  cmd
    .option('--handlers <module>', 'JavaScript module exporting TypeScript-handler pods (`export const handlers = {...}`)')
    .option('--no-command-pods', 'refuse containers that run commands on this host')
    .option('--backoff-cap <seconds>', 'cap of the pod-recreation backoff (Kubernetes docs: 360; its code: 600)', '360')
    .option('--heartbeat-timeout <seconds>', 'seconds of silence after which a pod is lost with its worker', '10')
    .addOption(new Option('--pod-sandbox <mode>', 'run command pods in bubblewrap').choices(['auto', 'required', 'off']).default('auto'))
    .addOption(new Option('--pod-network <network>', "sandboxed pods' network").choices(['none', 'host']).default('none'))
    .option('--pod-read-only-path <path...>', 'more host folders sandboxed pods see read-only');

interface WorkerFlags {
  handlers?: string;
  commandPods: boolean;
  backoffCap: string;
  heartbeatTimeout: string;
  podSandbox: 'auto' | 'required' | 'off';
  podNetwork: 'none' | 'host';
  podReadOnlyPath?: string[];
}

async function toWorkerOptions(opts: WorkerFlags) {
  return {
    handlers: await loadHandlers(opts.handlers),
    commandPods: opts.commandPods,
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
).action(async (opts) => {
  try {
    await runDev({ dbFile: opts.dbFile, port: Number(opts.port), uiPort: Number(opts.uiPort), worker: await toWorkerOptions(opts) });
  } catch (error) {
    process.exitCode = printError(error);
  }
});

workerOptions(program.command('worker').description('run a kjob worker against TEMPORAL_ADDRESS (a real cluster)')).action(async (opts) => {
  try {
    const { createJobWorker } = await import('../worker.js');
    const { onShutdownSignal } = await import('./serve.js');
    const { quietTemporalRuntime } = await import('../runtime-logging.js');
    quietTemporalRuntime();
    const global = program.opts<GlobalOptions>();
    const worker = await createJobWorker({
      ...(await toWorkerOptions(opts)),
      ...(global.temporalNamespace ? { namespace: global.temporalNamespace } : {}),
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
  .description('create Jobs from a file, a folder or stdin (-f -)')
  .requiredOption('-f, --filename <path>', 'manifest file, folder, or - for stdin')
  .action(
    withClient(async (jobs, opts: { filename: string }) => {
      for (const job of await jobs.createAll(await readManifestText(opts.filename))) {
        process.stdout.write(`job.batch/${job.metadata.name} created\n`);
      }
    }),
  );

program
  .command('apply')
  .description('create Jobs that do not exist; identical ones stay unchanged')
  .requiredOption('-f, --filename <path>', 'manifest file, folder, or - for stdin')
  .action(
    withClient(async (jobs, opts: { filename: string }) => {
      for (const { job, action } of await jobs.apply(await readManifestText(opts.filename))) {
        process.stdout.write(`job.batch/${job.metadata.name} ${action}\n`);
      }
    }),
  );

program
  .command('get')
  .description('show Jobs (get jobs [NAME]) or their pods (get pods)')
  .argument('<resource>', 'jobs | job | pods | pod')
  .argument('[name]')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml', 'wide', 'name']))
  .option('-A, --all-namespaces', 'Jobs of every namespace')
  .option('-l, --selector <job-name=NAME>', 'for pods: only those of one Job')
  .action(
    withClient(async (jobs, resource: string, name: string | undefined, opts: { output?: string; allNamespaces?: boolean; selector?: string }) => {
      const now = Date.now();
      if (resource.startsWith('job')) {
        const list: Job[] = name ? [await jobs.get(name)] : await jobs.list({ allNamespaces: opts.allNamespaces ?? false });
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
  .description('print the kept log tail of a Job (job/NAME: every pod) or of one pod')
  .argument('<target>', 'job/NAME or POD')
  .option('-c, --container <name>')
  .option('--prefix', 'prefix each line with the pod and container')
  .action(
    withClient(async (jobs, target: string, opts: { container?: string; prefix?: boolean }) => {
      let jobName: string;
      let pod: string | undefined;
      if (target.startsWith('job/') || target.startsWith('jobs/')) jobName = target.slice(target.indexOf('/') + 1);
      else {
        pod = target.replace(/^pods?\//, '');
        const owner = (await jobs.list()).find((j) => pod?.startsWith(`${j.metadata.name}-`));
        if (!owner) throw new NotFoundError(jobs.namespace, pod);
        jobName = owner.metadata.name;
      }
      for (const log of await jobs.logs(jobName, { ...(pod ? { pod } : {}), ...(opts.container ? { container: opts.container } : {}) })) {
        if (log.truncatedBytes > 0) process.stderr.write(`(${log.truncatedBytes} earlier bytes of ${log.pod}/${log.container} not kept)\n`);
        const text = opts.prefix ? log.text.replace(/^(?=.)/gm, `[pod/${log.pod}/${log.container}] `) : log.text;
        process.stdout.write(text);
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
      const job = await jobs.wait(name, { timeoutMs });
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
  .description('delete Jobs: pods are terminated and records removed')
  .argument('[resource]', 'job')
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
      let targets = names;
      if (opts.filename) {
        const { readDocuments } = await import('../manifest/parse.js');
        targets = readDocuments(await readManifestText(opts.filename)).map((d) => String((d as { metadata?: { name?: string } }).metadata?.name ?? ''));
      } else if (resource?.includes('/')) targets = [resource.slice(resource.indexOf('/') + 1), ...names];
      let code = 0;
      for (const name of targets) {
        try {
          await jobs.delete(name, { propagationPolicy });
          process.stdout.write(`job.batch "${name}" deleted\n`);
        } catch (error) {
          code = printError(error);
        }
      }
      return code;
    }),
  );

await program.parseAsync(process.argv);
