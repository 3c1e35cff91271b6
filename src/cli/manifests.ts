/**
 * `kjob create|apply -f` with Jobs and CronJobs in one input: every document is validated before anything is
 * created (an invalid one creates nothing), then each is created or applied in document order.
 */
import type { CronJobClient } from '../client/cronjob-client.js';
import { parseCronJobManifests } from '../shared/cronjob/validate.js';
import type { JobClient } from '../client/job-client.js';
import { parseJobManifests, readDocuments, type ManifestInput } from '../shared/manifest/parse.js';

const isCronJob = (doc: unknown) => (doc as { kind?: unknown } | null)?.kind === 'CronJob';

/** Lines as kubectl prints them: `job.batch/pi created`, `cronjob.batch/hello configured`. */
export async function createOrApply(jobs: JobClient, cronJobs: CronJobClient, input: ManifestInput, mode: 'create' | 'apply'): Promise<string[]> {
  const docs = readDocuments(input);
  const jobDocs = docs.filter((doc) => !isCronJob(doc));
  const cronDocs = docs.filter(isCronJob);
  // Validation of both kinds first: each parse throws with every violation of its documents.
  if (jobDocs.length > 0 || cronDocs.length === 0) parseJobManifests(jobDocs as object[]);
  if (cronDocs.length > 0) parseCronJobManifests(cronDocs as object[]);
  const lines: string[] = [];
  for (const doc of docs) {
    if (isCronJob(doc)) {
      if (mode === 'create') lines.push(`cronjob.batch/${(await cronJobs.create(doc as object)).metadata.name} created`);
      else for (const { cronJob, action } of await cronJobs.apply(doc as object)) lines.push(`cronjob.batch/${cronJob.metadata.name} ${action}`);
    } else if (mode === 'create') {
      lines.push(`job.batch/${(await jobs.create(doc as object)).metadata.name} created`);
    } else {
      for (const { job, action } of await jobs.apply(doc as object)) lines.push(`job.batch/${job.metadata.name} ${action}`);
    }
  }
  return lines;
}
