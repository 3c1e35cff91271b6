/** Prints errors as kubectl does (to stderr) and chooses the exit code. */
import { formatFieldError } from '../shared/manifest/field-errors.js';
import { isKjobError, JobValidationError } from '../shared/errors.js';

export function printError(error: unknown): number {
  if (error instanceof JobValidationError) {
    for (const job of error.invalid) {
      const lines = job.causes.map(formatFieldError);
      const head = `The ${error.objectKind} ${JSON.stringify(job.jobName)} is invalid: `;
      process.stderr.write(lines.length === 1 ? `${head}${lines[0]}\n` : `${head}\n${lines.map((l) => `* ${l}`).join('\n')}\n`);
    }
  } else if (isKjobError(error) && (error.reason === 'NotFound' || error.reason === 'AlreadyExists' || error.reason === 'Forbidden' || error.reason === 'Conflict' || error.reason === 'RequestEntityTooLarge')) {
    process.stderr.write(`Error from server (${error.reason}): ${error.message}\n`);
  } else if (isKjobError(error) && error.reason === 'Timeout') {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`error: ${messageChain(error)}\n`);
  }
  return 1;
}

/**
 * An error's message with its causes' ("Failed to connect to Temporal server: 16 UNAUTHENTICATED: …"): the SDK
 * wraps the reason a connection failed, and without the cause the message says nothing useful.
 */
function messageChain(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && messages.length < 5; e = e instanceof Error ? e.cause : undefined) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.join(': ');
}
