/** The verbs kjob has for Jobs (and their pods): `events`, `patch`, `describe`, `logs`, `wait`, `suspend` and `resume`. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { CONFIGMAPS, JOBS, kindOfResource, SECRETS } from '../../client/kinds.js';
import type { ClientSet } from '../../client/client-set.js';
import { ConfigMapClient, SecretClient } from '../../client/config-object-client.js';
import { describeConfigMap, describeSecret } from '../config-object-format.js';
import { followLogs, lastLines } from '../../client/log-follow.js';
import type { JobClient } from '../../client/job-client.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Pod } from '../../shared/kubernetes-types.js';
import { JOB_COMPLETION_INDEX } from '../../shared/manifest/defaults.js';
import { clientAction } from '../context.js';
import { describeJob } from '../describe.js';
import { describePod } from '../describe-pod.js';
import { eventRows } from '../events.js';
import { mergePatch } from '../merge-patch.js';
import { waitWithProgress } from '../progress.js';
import { parseDuration } from '../read-input.js';
import { isPodResource, jobName, typedName } from '../resource-args.js';

function registerEvents(program: Command): void {
  program
    .command('events')
    .description("the events of the Jobs and their pods, oldest first (kubectl events)")
    .option('--for <job/NAME|pod/NAME>', 'only the events of one Job, or of one pod')
    .action(
      clientAction(program, async ({ jobs }, opts: { for?: string }) => {
        // As kubectl's --for, only that object's own events: a Job's, or a pod's (the kubelet's).
        const pod = opts.for ? podName(opts.for, undefined) : undefined;
        const names = pod ? [(await findPod(jobs, pod)).job] : opts.for ? [jobName(opts.for)] : (await jobs.list()).map((j) => j.metadata.name);
        const events = (await Promise.all(names.map(async (job) => (await jobs.events(job)).map((event) => ({ job, event })))))
          .flat()
          .filter(({ event }) => !opts.for || (pod ? event.involvedObject?.name === pod : !event.involvedObject));
        if (events.length === 0) {
          process.stderr.write(`No events found in ${jobs.namespace} namespace.\n`);
          return;
        }
        process.stdout.write(`${eventRows(events, Date.now())}\n`);
      }),
    );
}

function registerPatch(program: Command): void {
  program
    .command('patch')
    .description("change a Job's mutable fields with a JSON merge patch (kubectl patch job NAME -p '{\"spec\":{\"parallelism\":3}}')")
    .argument('<resource>', 'job, or job/NAME')
    .argument('[name]')
    .requiredOption('-p, --patch <json>', 'the patch, JSON or YAML')
    .addOption(new Option('--type <type>', 'patch type').choices(['merge', 'strategic']).default('strategic'))
    .action(
      clientAction(program, async ({ jobs }, resource: string, name: string | undefined, opts: { patch: string }) => {
        const target = jobName(resource, name);
        const current = await jobs.get(target);
        // For the fields a Job can change (scalars), a strategic merge patch is a JSON merge patch.
        const desired = mergePatch({ apiVersion: 'batch/v1', kind: 'Job', metadata: current.metadata, spec: current.spec }, parseYaml(opts.patch));
        const [result] = await jobs.apply(desired as object);
        process.stdout.write(`job.batch/${target} ${result?.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`);
      }),
    );
}

function registerDescribe(program: Command): void {
  program
    .command('describe')
    .description("show a Job, a pod of one, a Secret or a ConfigMap in kubectl's describe layout")
    .argument('<resource>', 'job, job/NAME, pod or pod/NAME, secret, configmap')
    .argument('[name]')
    .action(
      clientAction(program, async (clients, resource: string, name: string | undefined) => {
        const { jobs } = clients;
        const pod = podName(resource, name);
        if (pod !== undefined) {
          const found = await findPod(jobs, pod);
          process.stdout.write(`${describePod(found.pod, await jobs.events(found.job), Date.now())}\n`);
          return;
        }
        const configObject = await describedConfigObject(clients, resource, name);
        if (configObject !== undefined) {
          process.stdout.write(`${configObject}\n`);
          return;
        }
        const target = jobName(resource, name);
        const [job, events] = await Promise.all([jobs.get(target), jobs.events(target)]);
        process.stdout.write(`${describeJob(job, events, Date.now())}\n`);
      }),
    );
}

/** A Secret or ConfigMap described, when the resource words name one (`secret NAME`, `cm/NAME`). */
async function describedConfigObject(clients: ClientSet, resource: string, name: string | undefined): Promise<string | undefined> {
  const typed = typedName(resource) ?? { type: resource, name };
  const kind = kindOfResource(typed.type);
  if (kind !== SECRETS && kind !== CONFIGMAPS) return undefined;
  if (!typed.name) throw new InvalidArgumentError(`describe ${kind.resource.singular} needs the object's name`);
  if (kind === SECRETS) return describeSecret(await clients.of(SecretClient).get(typed.name));
  return describeConfigMap(await clients.of(ConfigMapClient).get(typed.name));
}

/** The pod's name when the resource words name a pod (`pod NAME`, `pods/NAME`, `po NAME`). */
function podName(resource: string, name: string | undefined): string | undefined {
  const [kind, inline] = resource.split('/', 2);
  if (!isPodResource(kind ?? '')) return undefined;
  const pod = inline ?? name;
  if (!pod) throw new InvalidArgumentError('describe pod needs the pod\'s name');
  return pod;
}

/** The pod of that name among the Jobs' pods (its job-name label names its Job). */
async function findPod(jobs: JobClient, name: string): Promise<{ job: string; pod: Pod }> {
  for (const job of await jobs.list()) {
    const pod = (await jobs.pods(job.metadata.name)).find((p) => p.metadata.name === name);
    if (pod) return { job: job.metadata.name, pod };
  }
  throw new NotFoundError(jobs.namespace, name, 'pods');
}

interface LogsOptions {
  container?: string;
  prefix?: boolean;
  follow?: boolean;
  tail: string;
  index?: string;
}

function registerLogs(program: Command): void {
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
      clientAction(program, async ({ jobs }, target: string, opts: LogsOptions) => {
        const typed = typedName(target);
        let job: string;
        let pod: string | undefined;
        if (typed && kindOfResource(typed.type) === JOBS) job = typed.name;
        else {
          pod = typed && isPodResource(typed.type) ? typed.name : target;
          const owner = (await jobs.list()).find((j) => pod?.startsWith(`${j.metadata.name}-`));
          if (!owner) throw new NotFoundError(jobs.namespace, pod, 'pods');
          job = owner.metadata.name;
        }
        const tailLines = Number(opts.tail);
        // --index: the pods of one completion index, as the annotation Kubernetes puts on Indexed pods says.
        const indexPods =
          opts.index === undefined
            ? undefined
            : new Set((await jobs.pods(job)).filter((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX] === opts.index).map((p) => p.metadata.name));
        if (indexPods?.size === 0) throw new Error(`no pods of job/${job} with completion index ${opts.index}`);
        const shown = (log: { pod: string }) => !indexPods || indexPods.has(log.pod);
        const print = (log: { pod: string; container: string; text: string }) =>
          process.stdout.write(opts.prefix ? log.text.replace(/^(?=.)/gm, `[pod/${log.pod}/${log.container}] `) : log.text);
        if (opts.follow) {
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          const follow = followLogs(jobs, job, {
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
        for (const log of await jobs.logs(job, { ...(pod ? { pod } : {}), ...(opts.container ? { container: opts.container } : {}) })) {
          if (!shown(log)) continue;
          if (log.truncatedBytes > 0 && tailLines < 0) process.stderr.write(`(${log.truncatedBytes} earlier bytes of ${log.pod}/${log.container} not kept)\n`);
          print({ ...log, text: tailLines >= 0 ? lastLines(log.text, tailLines) : log.text });
        }
      }),
    );
}

function registerWait(program: Command): void {
  program
    .command('wait')
    .description('wait for a Job condition, as kubectl wait')
    .argument('<target>', 'job/NAME')
    .requiredOption('--for <condition>', 'condition=Complete or condition=Failed')
    .option('--timeout <duration>', 'give up after this long (30s, 5m, ...)', '30s')
    .action(
      clientAction(program, async ({ jobs }, target: string, opts: { for: string; timeout: string }) => {
        const name = jobName(target);
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
}

function registerSuspendResume(program: Command): void {
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
        clientAction(program, async ({ jobs }, resource: string | undefined, name: string | undefined) => {
          const target = resource === undefined ? name : jobName(resource, name);
          if (!target) throw new Error(`${verb} needs a Job name`);
          await jobs.patch(target, { suspend });
          process.stdout.write(`job.batch/${target} patched\n`);
        }),
      );
  }
}

export function registerJobCommands(program: Command): void {
  registerEvents(program);
  registerPatch(program);
  registerDescribe(program);
  registerLogs(program);
  registerWait(program);
  registerSuspendResume(program);
}
