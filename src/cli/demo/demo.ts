/**
 * `kjob demo` (`npm run demo`), the README's first command: the Kubernetes docs' pi Job on the embedded dev
 * server, start to finish, in its image. Where Docker Hub is out of reach (an air-gapped machine), the same
 * manifest runs in a stand-in image built from this host's perl (host-perl-image.ts), and the demo says so. It
 * reports only what happened: a Job that fails is reported failed, with its pods and log, and exits non-zero.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { JobClient } from '../../client/job-client.js';
import { ImagePullError, ImageStore } from '../../images/index.js';
import { packageRoot } from '../../provision/paths.js';
import { jobStatusColumn } from '../../shared/controller/job-phase.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Job } from '../../shared/kubernetes-types.js';
import { jobWorkflowId } from '../../shared/protocol/names.js';
import { jobRows, podRows } from '../format.js';
import { startDevStack } from '../serve.js';
import { onShutdownSignal } from '../shutdown-signal.js';
import { DemoImageError, hostPerlImage } from './host-perl-image.js';

const DOCS_IMAGE = 'perl:5.34.0';
/** A network that drops packets rather than refusing them gets this long before the demo builds its stand-in. */
const PULL_TIMEOUT_MS = 120_000;

export async function runDemo(options: { keep: boolean; dbFile: string }): Promise<void> {
  const started = Date.now();
  const stateDir = dirname(options.dbFile);
  const say = (text: string) => process.stdout.write(`${text}\n`);
  const manifest = await readFile(join(packageRoot(), 'examples', 'job-pi.yaml'), 'utf8');
  const submitted = await demoManifest(manifest, new ImageStore({ root: join(stateDir, 'images') }), say);
  const stack = await startDevStack({ dbFile: options.dbFile, worker: { commandPods: true, images: 'pull', stateDir } });
  const { server, running } = stack;
  const stop = () => stack.stop();
  let job: Job;
  try {
    const jobs = new JobClient({ address: server.address, encryptionKeys: stack.keys.keys });
    await jobs.delete('pi').catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
    say(`Temporal dev server ${server.address}, state in ${options.dbFile}`);
    say(`$ kjob create -f examples/job-pi.yaml${submitted === manifest ? '' : '   (its image replaced, as said above)'}\njob.batch/pi created`);
    await jobs.create(submitted);
    job = await jobs.wait('pi', { timeoutMs: 600_000 });
    say(`\n$ kjob get jobs\n${jobRows([job], Date.now())}`);
    say(`\n$ kjob get pods\n${podRows(await jobs.pods('pi'), Date.now())}`);
    const text = (await jobs.logs('pi')).map((l) => l.text).join('');
    say(`\n$ kjob logs job/pi\n${text.trimEnd()}`);
    const phase = jobStatusColumn(job);
    if (phase === 'Complete') say(`\n(${text.replace(/[^0-9]/g, '').length} digits of pi, ${Math.round((Date.now() - started) / 1000)}s in all)`);
    else say(`\nThe Job did not complete: it is ${phase}${lastCondition(job)}. \`kjob describe pod\` and \`kjob events\` tell why.`);
    const url = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(jobWorkflowId('default', 'pi'))}`;
    say(`\nTemporal Web UI: ${server.uiUrl}\nThis Job in the UI: ${url}`);
    await jobs.close();
    if (options.keep) {
      say('Server and worker keep running; press Ctrl-C to stop.');
      onShutdownSignal(stop);
      await running;
      return;
    }
    say('(Run `npx kjob dev` to start the server and UI again on the same state; `npm run demo -- --keep` keeps them up now.)');
  } catch (error) {
    await stop();
    throw error;
  }
  await stop();
  if (jobStatusColumn(job) !== 'Complete') process.exitCode = 1;
}

/**
 * The manifest to submit: the docs' one as it is when its image is here or can be pulled; otherwise the same
 * with the stand-in image, after saying why.
 */
async function demoManifest(manifest: string, store: ImageStore, say: (text: string) => void): Promise<string> {
  if (await store.find(DOCS_IMAGE)) return manifest;
  try {
    say(`Pulling ${DOCS_IMAGE} (the image the docs' manifest names)...`);
    await store.pull(DOCS_IMAGE, { signal: AbortSignal.timeout(PULL_TIMEOUT_MS) });
    return manifest;
  } catch (error) {
    const why = error instanceof ImagePullError ? error.message : error instanceof Error && error.name === 'TimeoutError' ? `no answer in ${PULL_TIMEOUT_MS / 1000} s` : String(error);
    say(`Cannot pull ${DOCS_IMAGE}: ${why}`);
  }
  const document = parseDocument(manifest);
  const command = document.getIn(['spec', 'template', 'spec', 'containers', 0, 'command']) as { toJSON(): string[] };
  try {
    const { image, notes } = await hostPerlImage(store, command.toJSON());
    say(`So the demo runs the same manifest in ${image.reference}, an image ${notes.length > 0 ? `it built from ${notes.join(', and ')}` : 'an earlier run built from the host\'s perl'}.`);
    say(`On a machine that reaches Docker Hub it runs in ${DOCS_IMAGE}.\n`);
    document.setIn(['spec', 'template', 'spec', 'containers', 0, 'image'], image.reference);
    return document.toString();
  } catch (error) {
    if (error instanceof DemoImageError) throw new Error(`kjob demo: no image can run the pi Job here: ${error.message}`);
    throw error;
  }
}

function lastCondition(job: Job): string {
  const last = job.status?.conditions?.at(-1);
  return last ? ` (${last.reason ?? last.type}${last.message ? `: ${last.message}` : ''})` : '';
}
