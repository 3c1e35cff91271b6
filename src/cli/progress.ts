/**
 * Progress while `kjob wait` waits: a bar (cli-progress) on a terminal, and a plain line per change otherwise
 * (CI logs). Both go to stderr, so stdout keeps kubectl's one line ("condition met").
 */
import { SingleBar } from 'cli-progress';
import type { JobClient } from '../client/job-client.js';
import { WaitTimeoutError } from '../shared/errors.js';
import { isFinished } from '../shared/controller/job-phase.js';
import type { Job, JobStatus } from '../shared/kubernetes-types.js';

export function progressLine(job: Job): string {
  const status: Partial<JobStatus> = job.status ?? {};
  const total = job.spec.completions ?? 1;
  return `job.batch/${job.metadata.name}: ${status.succeeded ?? 0}/${total} succeeded, ${status.active ?? 0} active, ${status.failed ?? 0} failed`;
}

/** Polls the Job until it finishes or the timeout passes, showing its progress on `stream`. */
export async function waitWithProgress(
  jobs: JobClient,
  name: string,
  options: { timeoutMs: number; stream: NodeJS.WriteStream; intervalMs?: number },
): Promise<Job> {
  const deadline = Date.now() + options.timeoutMs;
  const bar = options.stream.isTTY
    ? new SingleBar({
        stream: options.stream,
        format: `job.batch/${name} [{bar}] {value}/{total} succeeded | {active} active | {failed} failed`,
        hideCursor: true,
        clearOnComplete: false,
      })
    : undefined;
  let lastLine = '';
  try {
    for (;;) {
      const job = await jobs.get(name);
      const status: Partial<JobStatus> = job.status ?? {};
      const payload = { active: status.active ?? 0, failed: status.failed ?? 0 };
      if (bar) {
        if (lastLine === '') bar.start(job.spec.completions ?? 1, status.succeeded ?? 0, payload);
        else bar.update(status.succeeded ?? 0, payload);
        lastLine = 'started';
      } else {
        const line = progressLine(job);
        if (line !== lastLine) options.stream.write(`${line}\n`);
        lastLine = line;
      }
      if (isFinished(job)) return job;
      if (Date.now() >= deadline) throw new WaitTimeoutError(name, 'condition');
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? 1000, Math.max(deadline - Date.now(), 0))));
    }
  } finally {
    bar?.stop();
  }
}
