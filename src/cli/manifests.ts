/**
 * `kjob create|apply -f` with objects of every kind in one input: every document is read and validated once,
 * before anything is created (an invalid one creates nothing), then each goes, as validated, to its kind's client,
 * in document order.
 */
import type { ClientSet } from '../client/client-set.js';
import { KIND_VALIDATIONS, kindNamed, qualifiedResource } from '../client/kinds.js';
import { readDocuments, type ManifestInput } from '../shared/manifest/documents.js';
import { validateAll } from '../shared/manifest/validated.js';

/** Lines as kubectl prints them: `job.batch/pi created`, `cronjob.batch/hello configured`. */
export async function createOrApply(clients: ClientSet, input: ManifestInput, mode: 'create' | 'apply'): Promise<string[]> {
  const lines: string[] = [];
  for (const manifest of validateAll(readDocuments(input), KIND_VALIDATIONS)) {
    const kind = kindNamed(manifest.kind);
    const client = kind.client(clients);
    const resource = qualifiedResource(kind);
    if (mode === 'create') lines.push(`${resource}/${(await client.create(manifest)).metadata.name} created`);
    else for (const { object, action } of await client.apply(manifest)) lines.push(`${resource}/${object.metadata.name} ${action}`);
  }
  return lines;
}
