/**
 * `kjob get jobs -w`: kubectl's watch. The table once, then one row (no header) each time a Job changes, until
 * Ctrl-C. The clock alone (AGE, DURATION) is not a change, as in kubectl.
 */
import type { JobClient } from '../client/job-client.js';
import type { Job } from '../shared/kubernetes-types.js';
import { jobRows } from './format.js';

export interface WatchOptions {
  name?: string;
  allNamespaces: boolean;
  wide: boolean;
  intervalMs?: number;
  signal: AbortSignal;
  write: (text: string) => void;
}

const changeKey = (job: Job) => JSON.stringify({ spec: job.spec, status: job.status });

export async function watchJobs(jobs: JobClient, options: WatchOptions): Promise<void> {
  const seen = new Map<string, string>();
  let headerPrinted = false;
  const rowOptions = { wide: options.wide, allNamespaces: options.allNamespaces };
  while (!options.signal.aborted) {
    const list = options.name ? [await jobs.get(options.name)] : await jobs.list({ allNamespaces: options.allNamespaces });
    const changed = list.filter((job) => seen.get(`${job.metadata.namespace}/${job.metadata.name}`) !== changeKey(job));
    for (const job of changed) seen.set(`${job.metadata.namespace}/${job.metadata.name}`, changeKey(job));
    if (changed.length > 0) {
      const table = jobRows(changed, Date.now(), rowOptions).split('\n');
      options.write(`${(headerPrinted ? table.slice(1) : table).join('\n')}\n`);
      headerPrinted = true;
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 1000);
      options.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(undefined); }, { once: true });
    });
  }
}
