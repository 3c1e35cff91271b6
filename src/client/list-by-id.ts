/**
 * Listing objects kept under ids `<prefix><namespace>/<name>` (a Job's workflow, a CronJob's Schedule): the ids of
 * one namespace or of all, each object read by its name, those gone in the meantime skipped, sorted by namespace
 * and name as kubectl lists them.
 */
import { NotFoundError } from '../shared/errors.js';

interface Named {
  metadata: { namespace: string; name: string };
}

export async function listById<E, T extends Named>(
  entries: AsyncIterable<E>,
  idOf: (entry: E) => string,
  prefix: string,
  read: (namespace: string, name: string) => Promise<T>,
): Promise<T[]> {
  const objects: T[] = [];
  for await (const entry of entries) {
    const id = idOf(entry);
    if (!id.startsWith(prefix)) continue;
    const [, namespace = '', name = ''] = id.split('/');
    try {
      objects.push(await read(namespace, name));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  const key = (object: T) => `${object.metadata.namespace}/${object.metadata.name}`;
  return objects.sort((a, b) => key(a).localeCompare(key(b)));
}
