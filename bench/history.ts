/** A workflow history in numbers: events by type, their count and size, and why the run ended if it did not complete. */
import type { Client } from '@temporalio/client';

export interface HistoryFigures {
  events: number;
  /** Bytes, as the server counts them against its history size limit. */
  bytes: number | null;
  byType: Record<string, number>;
  /** The reason of a WorkflowExecutionTerminated event, or the last workflow task failure's message. */
  endReason?: string;
}

interface RawEvent {
  attributes?: string;
  [key: string]: unknown;
}

/** `activityTaskScheduledEventAttributes` → `ActivityTaskScheduled`. */
function typeName(event: RawEvent): string {
  const key = event.attributes ?? Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k] != null) ?? 'unknown';
  const name = key.replace(/EventAttributes$/, '');
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function failureMessage(failure: unknown): string | undefined {
  const f = failure as { message?: string; cause?: unknown } | null | undefined;
  if (!f?.message) return undefined;
  const cause = failureMessage(f.cause);
  return cause ? `${f.message}: ${cause}` : f.message;
}

export async function historyFigures(client: Client, workflowId: string): Promise<HistoryFigures> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const byType: Record<string, number> = {};
  let endReason: string | undefined;
  for (const event of (history.events ?? []) as unknown as RawEvent[]) {
    const type = typeName(event);
    byType[type] = (byType[type] ?? 0) + 1;
    if (type === 'WorkflowExecutionTerminated') {
      const attrs = event.workflowExecutionTerminatedEventAttributes as { reason?: string; identity?: string } | undefined;
      endReason = `WorkflowExecutionTerminated: ${attrs?.reason ?? ''} (by ${attrs?.identity || 'the server'})`;
    } else if (type === 'WorkflowTaskFailed') {
      const attrs = event.workflowTaskFailedEventAttributes as { cause?: number; failure?: unknown } | undefined;
      endReason = `WorkflowTaskFailed (cause ${attrs?.cause}): ${failureMessage(attrs?.failure) ?? ''}`;
    } else if (type === 'WorkflowExecutionFailed') {
      const attrs = event.workflowExecutionFailedEventAttributes as { failure?: unknown } | undefined;
      endReason = `WorkflowExecutionFailed: ${failureMessage(attrs?.failure) ?? ''}`;
    }
  }
  return {
    events: history.events?.length ?? description.historyLength,
    bytes: description.historySize ?? null,
    byType,
    ...(endReason ? { endReason } : {}),
  };
}
