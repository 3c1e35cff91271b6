/** Prints errors as kubectl does (to stderr) and chooses the exit code. */
import { formatFieldError } from '../manifest/field-errors.js';
import { isKjobError, JobValidationError } from '../errors.js';

export function printError(error: unknown): number {
  if (error instanceof JobValidationError) {
    for (const job of error.invalid) {
      const lines = job.causes.map(formatFieldError);
      const kind = error.name === 'CronJobValidationError' ? 'CronJob' : 'Job';
      const head = `The ${kind} ${JSON.stringify(job.jobName)} is invalid: `;
      process.stderr.write(lines.length === 1 ? `${head}${lines[0]}\n` : `${head}\n${lines.map((l) => `* ${l}`).join('\n')}\n`);
    }
  } else if (isKjobError(error) && (error.reason === 'NotFound' || error.reason === 'AlreadyExists')) {
    process.stderr.write(`Error from server (${error.reason}): ${error.message}\n`);
  } else if (isKjobError(error) && error.reason === 'Timeout') {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return 1;
}
