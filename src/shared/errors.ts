/**
 * Typed errors. Each has a stable `name` and a `reason` as the Kubernetes API would report it, and
 * `isKjobError()` works across realms (errors cross the workflow sandbox and process boundaries).
 */
import { formatFieldError, type FieldError } from './manifest/field-errors.js';

const KJOB_ERROR = Symbol.for('kjob.error');

export type KjobErrorReason = 'Invalid' | 'AlreadyExists' | 'NotFound' | 'Conflict' | 'BadRequest' | 'Forbidden' | 'RequestEntityTooLarge' | 'Timeout' | 'ServiceUnavailable';

export class KjobError extends Error {
  override name = 'KjobError';
  readonly [KJOB_ERROR] = true;
  constructor(
    message: string,
    /** Kubernetes' status reason, as kubectl prints it in `Error from server (Reason): ...`. */
    readonly reason: KjobErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isKjobError(error: unknown): error is KjobError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[KJOB_ERROR] === true;
}

export interface InvalidJob {
  /** The Job's name, or `""` when the manifest has none. */
  jobName: string;
  /** Position of the document in a multi-document input, from 0. */
  documentIndex: number;
  causes: FieldError[];
}

/**
 * apimachinery's errors.NewInvalid message. Its ErrorList.ToAggregate drops repeated messages, and the aggregate's
 * Error() prints a single message bare and several as `[a, b]`; with no errors the message ends at "is invalid".
 */
export function invalidObjectMessage(qualifiedKind: string, { jobName, causes }: InvalidJob): string {
  const head = `${qualifiedKind} ${JSON.stringify(jobName)} is invalid`;
  const messages = [...new Set(causes.map(formatFieldError))];
  if (messages.length === 0) return head;
  return `${head}: ${messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`}`;
}

/** One or more manifests broke Kubernetes' validation rules; lists every violation of every document. */
export class JobValidationError extends KjobError {
  override name = 'JobValidationError';
  /** The kind as kubectl's `The Job "x" is invalid` names it. */
  readonly objectKind: string = 'Job';
  constructor(readonly invalid: InvalidJob[]) {
    super(invalid.map((job) => invalidObjectMessage('Job.batch', job)).join('\n'), 'Invalid');
  }
  /** Every violation, formatted as `field: Type: value: detail`. */
  get violations(): string[] {
    return this.invalid.flatMap((job) => job.causes.map(formatFieldError));
  }
}

/** The input is not YAML or JSON that holds Job objects. */
export class ManifestParseError extends KjobError {
  override name = 'ManifestParseError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'BadRequest', options);
  }
}

/**
 * A document larger than the API server reads in one request: kube-apiserver's limitedReadBody answers 413 with
 * apimachinery's NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", limit)).
 */
export class RequestEntityTooLargeError extends KjobError {
  override name = 'RequestEntityTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`Request entity too large: limit is ${limitBytes}`, 'RequestEntityTooLarge');
  }
}

export class AlreadyExistsError extends KjobError {
  override name = 'AlreadyExistsError';
  constructor(
    readonly namespace: string,
    readonly jobName: string,
  ) {
    super(`jobs.batch ${JSON.stringify(jobName)} already exists`, 'AlreadyExists');
  }
}

export class NotFoundError extends KjobError {
  override name = 'NotFoundError';
  constructor(
    readonly namespace: string,
    readonly jobName: string,
    /** kubectl's resource name: `jobs.batch`, or `pods` for a pod of a Job. */
    resource = 'jobs.batch',
  ) {
    super(`${resource} ${JSON.stringify(jobName)} not found`, 'NotFound');
  }
}

/** A change kjob cannot make to an existing Job yet (apply with a different spec). */
export class UnsupportedChangeError extends KjobError {
  override name = 'UnsupportedChangeError';
  constructor(message: string) {
    super(message, 'BadRequest');
  }
}

export class WaitTimeoutError extends KjobError {
  override name = 'WaitTimeoutError';
  constructor(jobName: string, condition: string) {
    super(`timed out waiting for the condition on jobs/${jobName} (${condition})`, 'Timeout');
  }
}

/**
 * A Secret written by a client without payload encryption: its values would be stored in Temporal in plain text,
 * so the write is refused before anything is sent (kubectl's `secrets "x" is forbidden: …`).
 */
export class EncryptionRequiredError extends KjobError {
  override name = 'EncryptionRequiredError';
  constructor(namespace: string, name: string) {
    super(
      `secrets ${JSON.stringify(name)} is forbidden: kjob stores Secrets only with payload encryption on, and this client has no ` +
        `encryption key (set KJOB_ENCRYPTION_KEY or KJOB_ENCRYPTION_KEY_FILE, or run where \`kjob dev\` made .kjob/encryption-keys; ` +
        `namespace ${JSON.stringify(namespace)})`,
      'Forbidden',
    );
  }
}

/** No Temporal server binary could be found, built or downloaded. */
export class ProvisioningError extends KjobError {
  override name = 'ProvisioningError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'ServiceUnavailable', options);
  }
}
