/** The typed errors of JobClient, worded for CronJobs (`cronjobs.batch "x" already exists`). */
import { AlreadyExistsError, invalidObjectMessage, JobValidationError, NotFoundError, type InvalidJob } from '../errors.js';

export class CronJobAlreadyExistsError extends AlreadyExistsError {
  override name = 'CronJobAlreadyExistsError';
  constructor(namespace: string, name: string) {
    super(namespace, name);
    this.message = `cronjobs.batch ${JSON.stringify(name)} already exists`;
  }
}

export class CronJobNotFoundError extends NotFoundError {
  override name = 'CronJobNotFoundError';
  constructor(namespace: string, name: string) {
    super(namespace, name);
    this.message = `cronjobs.batch ${JSON.stringify(name)} not found`;
  }
}

/** `invalid[].jobName` holds the CronJob's name. */
export class CronJobValidationError extends JobValidationError {
  override name = 'CronJobValidationError';
  override readonly objectKind = 'CronJob';
  constructor(invalid: InvalidJob[]) {
    super(invalid);
    this.message = invalid.map((cronJob) => invalidObjectMessage('CronJob.batch', cronJob)).join('\n');
  }
}
