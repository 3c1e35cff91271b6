/**
 * `kjobConfigObject`: one ConfigMap or Secret, kept in memory by its own small workflow (the API server's
 * storage, for these kinds). The query `object` answers it; the update `replaceObject` takes a new object after
 * its validator has run Kubernetes' update rules (so a refused change changes nothing and leaves no history),
 * and bumps resourceVersion. It continues as new with the current object before its history grows long. The
 * object is the workflow's input and its updates' arguments, so it is only ever in payloads (which a codec
 * encrypts); no id, search attribute or failure message holds a value.
 */
import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, defineQuery, defineUpdate, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ConfigObject } from '../src/shared/config-objects/types.js';
import { validateConfigObjectUpdate } from '../src/shared/config-objects/validate.js';
import { formatFieldError } from '../src/shared/manifest/field-errors.js';
import { CONFIG_OBJECT_CONFLICT, CONFIG_OBJECT_INVALID, QUERY_CONFIG_OBJECT, UPDATE_REPLACE_CONFIG_OBJECT } from '../src/shared/protocol/names.js';

/** Past this many events the object goes on in a new run (replays stay short for every reader's query). */
const MAX_HISTORY_EVENTS = 1_000;

export const configObjectQuery = defineQuery<ConfigObject>(QUERY_CONFIG_OBJECT);
export const replaceConfigObjectUpdate = defineUpdate<ConfigObject, [ConfigObject]>(UPDATE_REPLACE_CONFIG_OBJECT);

export async function kjobConfigObject(initial: ConfigObject): Promise<void> {
  let current = initial;
  setHandler(configObjectQuery, () => current);
  setHandler(
    replaceConfigObjectUpdate,
    (next) => {
      current = { ...next, metadata: { ...next.metadata, resourceVersion: String(Number(current.metadata.resourceVersion) + 1) } } as ConfigObject;
      return current;
    },
    {
      validator: (next) => {
        // A replace that names a version must name the stored one (optimistic concurrency); none means any.
        if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
          throw ApplicationFailure.create({ type: CONFIG_OBJECT_CONFLICT, message: 'the object has been modified', nonRetryable: true });
        }
        const causes = validateConfigObjectUpdate({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } } as ConfigObject, current);
        if (causes.length > 0) {
          throw ApplicationFailure.create({ type: CONFIG_OBJECT_INVALID, message: causes.map(formatFieldError).join('; '), details: [causes], nonRetryable: true });
        }
      },
    },
  );
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof kjobConfigObject>(current);
}
