/**
 * `kjob image load|ls|rm`: the worker host's image store (`<state dir>/images`, the state dir being the worker's,
 * `.kjob` in the folder it runs in), for air-gapped hosts, as `kind load`, `podman load` and `crictl images|rmi`
 * serve theirs. The store is loaded when a verb runs, so the other commands never load it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseImageReference, repositoryName } from '../../shared/images/image-reference.js';
import { plainAction } from '../context.js';
import { humanSize, renderTable } from '../format.js';

interface StoreFlags {
  stateDir: string;
}

async function openStore(opts: StoreFlags) {
  const { ImageStore } = await import('../../images/index.js');
  return new ImageStore({ root: join(opts.stateDir, 'images') });
}

/** Whether the cache exists: `ls` and `rm` do not make one where there is none. */
const storeExists = (opts: StoreFlags) => existsSync(join(opts.stateDir, 'images'));

/** crictl images' columns: the repository, the tag (`<none>` for an image known by digest only), 12 hex of the ID. */
function imageRow(image: { reference: string; id: string; sizeBytes: number }): string[] {
  const ref = parseImageReference(image.reference);
  return [repositoryName(ref), ref.digest ? '<none>' : (ref.tag ?? 'latest'), image.id.replace(/^sha256:/, '').slice(0, 12), humanSize(image.sizeBytes)];
}

export function registerImageCommands(program: Command): void {
  const image = program.command('image').description("the worker host's image cache: load archives, list, remove");
  const stateDir = (cmd: Command) => cmd.option('--state-dir <path>', "the worker's state folder; the cache is its images/ folder", '.kjob');

  stateDir(image.command('load').description('load the images of a docker-archive or oci-archive (docker save, podman save, skopeo copy)'))
    .requiredOption('-i, --input <archive>', 'the archive file')
    .option('--name <image>', 'name the image so (for an archive that holds one image)')
    .action(
      plainAction(async (opts: StoreFlags & { input: string; name?: string }) => {
        const loaded = await (await openStore(opts)).load(opts.input, opts.name ? { name: opts.name } : {});
        for (const image of loaded) process.stdout.write(`Loaded image: ${image.reference}\n`);
      }),
    );

  stateDir(image.command('ls').alias('list').description('list the cached images'))
    .option('-q, --quiet', 'only show image IDs')
    .action(
      plainAction(async (opts: StoreFlags & { quiet?: boolean }) => {
        const images = storeExists(opts) ? await (await openStore(opts)).list() : [];
        if (opts.quiet) {
          const ids = [...new Set(images.map((i) => i.id))];
          process.stdout.write(ids.map((id) => `${id}\n`).join(''));
          return;
        }
        process.stdout.write(`${renderTable(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], images.map(imageRow))}\n`);
      }),
    );

  stateDir(image.command('rm').alias('rmi').description('remove images by name or image ID (not one a container uses)'))
    .argument('<image...>', 'names (busybox:1) or image IDs')
    .action(
      plainAction(async (names: string[], opts: StoreFlags) => {
        const store = storeExists(opts) ? await openStore(opts) : undefined;
        let failed = false;
        for (const name of names) {
          try {
            if (await store?.remove(name)) process.stdout.write(`Deleted: ${name}\n`);
            else {
              process.stderr.write(`error: no such image: ${name}\n`);
              failed = true;
            }
          } catch (error) {
            process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
            failed = true;
          }
        }
        if (failed) process.exitCode = 1;
      }),
    );
}
