/** apply's first step for any kind: the object as it exists, or the one just created (a racing create counts as existing). */
import { AlreadyExistsError, NotFoundError } from '../shared/errors.js';

export type ExistingOrCreated<T> = { existing: T; created?: undefined } | { created: T; existing?: undefined };

export async function existingOrCreated<T>(get: () => Promise<T>, create: () => Promise<T>): Promise<ExistingOrCreated<T>> {
  try {
    return { existing: await get() };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  try {
    return { created: await create() };
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    return { existing: await get() };
  }
}
