/**
 * `kjob create`, `apply` and `delete`: the verbs every kind takes, its objects found by the kinds table's names.
 * `create job NAME --image` and `--from=cronjob/NAME` are kubectl's two ways to make one Job.
 */
import { Option, type Command } from 'commander';
import { CRONJOBS, kindNamed, kindOfResource, qualifiedResource, type ObjectKind } from '../../client/kinds.js';
import { CronJobClient } from '../../client/cronjob-client.js';
import type { PropagationPolicy } from '../../client/job-client.js';
import { readDocuments } from '../../shared/manifest/documents.js';
import { isObj } from '../../shared/guards.js';
import { clientAction } from '../context.js';
import { jobFromImage } from '../create-job.js';
import { printError } from '../errors.js';
import { createOrApply } from '../manifests.js';
import { readManifestText } from '../read-input.js';
import { kindOfResourceOrThrow, typedName } from '../resource-args.js';
import { registerCreateConfigObjects } from './create-config-objects.js';

const printLines = (lines: string[]) => process.stdout.write(lines.map((line) => `${line}\n`).join(''));

function registerCreate(program: Command): void {
  const create = program.command('create');
  registerCreateConfigObjects(program, create);
  create
    .description('create objects from a file, a folder or stdin (-f -), one Job (create job NAME --image=IMAGE -- [COMMAND] [args...]), a Secret or a ConfigMap')
    .argument('[resource]', 'job, with NAME, --image and a command after --')
    .argument('[name]')
    .argument('[command...]', 'the container command and its arguments, after --')
    .option('-f, --filename <path>', 'manifest file, folder, or - for stdin')
    .option('--from <cronjob/NAME>', "create the Job from a CronJob's jobTemplate, as kubectl create job NAME --from=cronjob/X")
    .option('--image <image>', "image of the Job's one container (informational for command pods; kjob.dev/handler/<name> for a handler)")
    .action(
      clientAction(
        program,
        async (clients, resource: string | undefined, name: string | undefined, command: string[], opts: { filename?: string; image?: string; from?: string }) => {
          if (opts.filename) {
            printLines(await createOrApply(clients, await readManifestText(opts.filename), 'create'));
            return;
          }
          if (resource === 'job' && name && opts.from) {
            const from = typedName(opts.from);
            if (!from || kindOfResource(from.type) !== CRONJOBS) {
              process.stderr.write(`error: from must be an existing cronjob: ${opts.from}\n`);
              return 1;
            }
            const job = await clients.of(CronJobClient).createJobFromCronJob(from.name, name);
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
          const job = await clients.jobs.create(jobFromImage(name, opts.image, command));
          process.stdout.write(`job.batch/${job.metadata.name} created\n`);
        },
      ),
    );
}

function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create the objects that do not exist, change those that do; identical ones stay unchanged')
    .requiredOption('-f, --filename <path>', 'manifest file, folder, or - for stdin')
    .action(
      clientAction(program, async (clients, opts: { filename: string }) => {
        printLines(await createOrApply(clients, await readManifestText(opts.filename), 'apply'));
      }),
    );
}

/** What `delete` names: `-f` documents (by their kind and name), `TYPE/NAME...`, or `TYPE NAME...`. */
async function deleteTargets(resource: string | undefined, names: string[], filename: string | undefined): Promise<{ kind: ObjectKind; name: string }[]> {
  if (filename) {
    return readDocuments(await readManifestText(filename)).map((doc) => {
      const name = isObj(doc) && isObj(doc.metadata) ? doc.metadata.name : undefined;
      return { kind: kindNamed(isObj(doc) ? doc.kind : undefined), name: String(name ?? '') };
    });
  }
  if (resource === undefined) return [];
  if (resource.includes('/')) {
    return [resource, ...names].map((arg) => {
      const typed = typedName(arg) ?? { type: '', name: arg };
      return { kind: kindOfResourceOrThrow(typed.type), name: typed.name };
    });
  }
  const kind = kindOfResourceOrThrow(resource);
  return names.map((name) => ({ kind, name }));
}

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete Jobs (pods are terminated and records removed), CronJobs (with their Jobs), Secrets or ConfigMaps')
    .argument('[resource]', 'job, cronjob, secret or configmap, or job/NAME')
    .argument('[names...]')
    .option('-f, --filename <path>', 'delete the objects a manifest names')
    .addOption(
      new Option('--cascade <strategy>', 'background: the Job goes at once, its pods stop after; foreground: pods stop first; orphan: not supported')
        .choices(['background', 'foreground', 'orphan'])
        .default('background'),
    )
    .action(
      clientAction(program, async (clients, resource: string | undefined, names: string[], opts: { filename?: string; cascade: string }) => {
        const propagationPolicy = ({ background: 'Background', foreground: 'Foreground', orphan: 'Orphan' } as const)[opts.cascade as 'background'] satisfies PropagationPolicy;
        let code = 0;
        for (const { kind, name } of await deleteTargets(resource, names, opts.filename)) {
          try {
            await kind.client(clients).delete(name, { propagationPolicy });
            process.stdout.write(`${qualifiedResource(kind)} "${name}" deleted\n`);
          } catch (error) {
            code = printError(error);
          }
        }
        return code;
      }),
    );
}

/** `create` and `apply`; `delete` comes last in the help, as it did. */
export function registerCreateApply(program: Command): void {
  registerCreate(program);
  registerApply(program);
}
