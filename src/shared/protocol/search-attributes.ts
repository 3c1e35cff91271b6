/**
 * The search attributes kjob sets on each Job workflow, so the Temporal Web UI's filter box and `temporal
 * workflow list --query` find Jobs the way kubectl does: by name, Kubernetes namespace, status, completion mode
 * and labels (`KjobPhase = "Failed" AND KjobNamespace = "x"`). Workflow-safe: imports only @temporalio/common.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTE_KEYS = {
  /** metadata.name */
  name: defineSearchAttributeKey('KjobName', SearchAttributeType.KEYWORD),
  /** metadata.namespace (Kubernetes', not Temporal's) */
  namespace: defineSearchAttributeKey('KjobNamespace', SearchAttributeType.KEYWORD),
  /** kubectl's STATUS column: Running, Suspended, Complete, Failed, FailureTarget, SuccessCriteriaMet */
  phase: defineSearchAttributeKey('KjobPhase', SearchAttributeType.KEYWORD),
  /** spec.completionMode */
  completionMode: defineSearchAttributeKey('KjobCompletionMode', SearchAttributeType.KEYWORD),
  /** metadata.labels as `key=value` entries */
  labels: defineSearchAttributeKey('KjobLabels', SearchAttributeType.KEYWORD_LIST),
} as const;

/** Names and types as `temporal server start-dev --search-attribute` and `temporal operator search-attribute create` take them. */
export const SEARCH_ATTRIBUTE_DEFINITIONS = Object.values(SEARCH_ATTRIBUTE_KEYS).map((key) => ({
  name: key.name,
  type: key.type === SearchAttributeType.KEYWORD_LIST ? 'KeywordList' : 'Keyword',
}));

/** `key=value` entries of a label map, the form KjobLabels holds and a query matches (`KjobLabels = "app=pi"`). */
export function labelEntries(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .sort();
}
