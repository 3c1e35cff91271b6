/** Whether a Temporal namespace has kjob's search attributes (src/shared/protocol/search-attributes.ts). */
import type { Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../shared/protocol/search-attributes.js';

export async function searchAttributesRegistered(client: Client): Promise<boolean> {
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
    return SEARCH_ATTRIBUTE_DEFINITIONS.every(({ name }) => Object.hasOwn(customAttributes ?? {}, name));
  } catch {
    // A server without the operator API (the time-skipping test server) has none.
    return false;
  }
}
