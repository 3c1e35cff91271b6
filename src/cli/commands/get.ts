/** `kjob get`: objects of any kind in kubectl's tables (or JSON, YAML, names), the pods of Jobs, `-w` for Jobs. */
import { Option, type Command } from 'commander';
import type { ClientSet } from '../../client/client-set.js';
import { JOBS, qualifiedResource } from '../../client/kinds.js';
import { NotFoundError } from '../../shared/errors.js';
import { clientAction } from '../context.js';
import { podRows, renderObjects } from '../format.js';
import { objectTable } from '../kind-tables.js';
import { parseLabelSelector } from '../label-selector.js';
import { isPodResource, kindOfResourceOrThrow } from '../resource-args.js';
import { watchJobs } from '../watch.js';

interface GetOptions {
  output?: 'json' | 'yaml' | 'wide' | 'name';
  allNamespaces?: boolean;
  selector?: string;
  watch?: boolean;
}

/** The pods of one Job (`-l job-name=NAME`) or of all, or the one named. */
async function getPods(clients: ClientSet, name: string | undefined, opts: GetOptions): Promise<void> {
  const { jobs } = clients;
  const jobName = /^(?:batch\.kubernetes\.io\/)?job-name=(.+)$/.exec(opts.selector ?? '')?.[1];
  const owners = jobName ? [jobName] : (await jobs.list()).map((j) => j.metadata.name);
  let pods = (await Promise.all(owners.map((owner) => jobs.pods(owner)))).flat();
  if (name) pods = pods.filter((p) => p.metadata.name === name);
  if (name && pods.length === 0) throw new NotFoundError(jobs.namespace, name, 'pods');
  if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(`${renderObjects(pods, opts.output)}\n`);
  else process.stdout.write(`${podRows(pods, Date.now())}\n`);
}

async function watch(clients: ClientSet, name: string | undefined, opts: GetOptions): Promise<void> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await watchJobs(clients.jobs, {
    ...(name ? { name } : {}),
    allNamespaces: opts.allNamespaces ?? false,
    wide: opts.output === 'wide',
    signal: stop.signal,
    write: (text) => process.stdout.write(text),
  });
}

export function registerGet(program: Command): void {
  program
    .command('get')
    .description('show Jobs (get jobs [NAME]), CronJobs (get cronjobs), the pods of Jobs (get pods), Secrets or ConfigMaps')
    .argument('<resource>', 'jobs | cronjobs | cj | pods | secrets | configmaps | cm (or the singular)')
    .argument('[name]')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml', 'wide', 'name']))
    .option('-A, --all-namespaces', 'objects of every namespace')
    .option('-l, --selector <selector>', 'label selector (app=pi,tier!=web); for pods, job-name=NAME')
    .option('-w, --watch', 'Jobs: after the list, print a row each time a Job changes (until Ctrl-C)')
    .action(
      clientAction(program, async (clients, resource: string, name: string | undefined, opts: GetOptions) => {
        if (isPodResource(resource)) return getPods(clients, name, opts);
        const kind = kindOfResourceOrThrow(resource);
        if (kind === JOBS && opts.watch) return watch(clients, name, opts);
        const allNamespaces = opts.allNamespaces ?? false;
        const client = kind.client(clients);
        const selector = opts.selector ? parseLabelSelector(opts.selector) : () => true;
        const list = (name ? [await client.get(name)] : await client.list({ allNamespaces })).filter((object) => selector(object.metadata.labels));
        if (list.length === 0) {
          process.stderr.write(`No resources found in ${clients.namespace} namespace.\n`);
          return;
        }
        if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(`${renderObjects(list, opts.output)}\n`);
        else if (opts.output === 'name') process.stdout.write(list.map((object) => `${qualifiedResource(kind)}/${object.metadata.name}\n`).join(''));
        else process.stdout.write(`${objectTable(kind, list, Date.now(), { wide: opts.output === 'wide', allNamespaces })}\n`);
      }),
    );
}
