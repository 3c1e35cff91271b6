/**
 * Reading one ConfigMap or Secret from its workflow (workflows/config-object.ts): the object it holds while it
 * runs; none when there is no such workflow, or it has closed (a delete terminates it before deleting it, so a
 * deleted object reads as gone at once, also where the server cannot delete and only marks).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ConfigObject } from '../shared/config-objects/types.js';
import { QUERY_CONFIG_OBJECT } from '../shared/protocol/names.js';

export async function readConfigObject(client: Client, workflowId: string): Promise<ConfigObject | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
    return await handle.query<ConfigObject>(QUERY_CONFIG_OBJECT);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
