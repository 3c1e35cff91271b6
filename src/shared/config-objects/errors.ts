/** The typed errors of the ConfigMap and Secret clients, worded as the API server words them for core/v1 (`configmaps "x" not found`). */
import { AlreadyExistsError, invalidObjectMessage, JobValidationError, KjobError, NotFoundError, type InvalidJob } from '../errors.js';
import type { ConfigObjectKind } from './types.js';

export type ConfigObjectResource = 'configmaps' | 'secrets';

export class ConfigObjectAlreadyExistsError extends AlreadyExistsError {
  override name = 'ConfigObjectAlreadyExistsError';
  constructor(
    readonly resource: ConfigObjectResource,
    namespace: string,
    name: string,
  ) {
    super(namespace, name);
    this.message = `${resource} ${JSON.stringify(name)} already exists`;
  }
}

export class ConfigObjectNotFoundError extends NotFoundError {
  override name = 'ConfigObjectNotFoundError';
  constructor(resource: ConfigObjectResource, namespace: string, name: string) {
    super(namespace, name, resource);
  }
}

/** `invalid[].jobName` holds the object's name; no message quotes a Secret's values. */
export class ConfigObjectValidationError extends JobValidationError {
  override name = 'ConfigObjectValidationError';
  override readonly objectKind: ConfigObjectKind;
  constructor(kind: ConfigObjectKind, invalid: InvalidJob[]) {
    super(invalid);
    this.objectKind = kind;
    this.message = invalid.map((object) => invalidObjectMessage(kind, object)).join('\n');
  }
}

/** A replace that named a resourceVersion other than the stored one (apimachinery's NewConflict). */
export class ConfigObjectConflictError extends KjobError {
  override name = 'ConfigObjectConflictError';
  constructor(resource: ConfigObjectResource, name: string) {
    super(
      `Operation cannot be fulfilled on ${resource} ${JSON.stringify(name)}: the object has been modified; please apply your changes to the latest version and try again`,
      'Conflict',
    );
  }
}
