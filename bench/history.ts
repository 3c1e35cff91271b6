/** A workflow history in numbers: events by type, their count and size, and why the run ended if it did not complete. */
import type { Client } from '@temporalio/client';

export interface HistoryFigures {
  /** Events over every run (continue-as-new) and every workflow (shards) of the variant. */
  events: number;
  /** Workflow runs counted, and by workflow type. */
  runs: number;
  workflows: Record<string, number>;
  largestRunEvents: number;
  largestRunBytes: number;
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

/** One run's events: counted into `byType`; returns the reason it ended, if it did not complete. */
function countEvents(events: RawEvent[], byType: Record<string, number>): string | undefined {
  let endReason: string | undefined;
  for (const event of events) {
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
  return endReason;
}

/**
 * Every workflow run on the variant's task queue (its own): the Job's runs across continue-as-new and any
 * child workflows (pod runner shards), summed; plus the largest single run, which the server's limits apply to.
 */
export async function historyFigures(client: Client, taskQueue: string, mainWorkflowId: string): Promise<HistoryFigures> {
  const byType: Record<string, number> = {};
  let events = 0;
  let bytes = 0;
  let largestRunEvents = 0;
  let largestRunBytes = 0;
  let endReason: string | undefined;
  const runs: { workflowId: string; runId: string; type: string }[] = [];
  // Visibility lags the histories a little; list until two listings agree.
  for (let attempt = 0, previous = -1; attempt < 20; attempt++) {
    runs.length = 0;
    for await (const info of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      runs.push({ workflowId: info.workflowId, runId: info.runId, type: info.type });
    }
    if (runs.length === previous && runs.length > 0) break;
    previous = runs.length;
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const run of runs) {
    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const runEvents = history.events?.length ?? description.historyLength;
    const reason = countEvents((history.events ?? []) as unknown as RawEvent[], byType);
    if (run.workflowId === mainWorkflowId && reason) endReason = reason;
    events += runEvents;
    bytes += description.historySize ?? 0;
    largestRunEvents = Math.max(largestRunEvents, runEvents);
    largestRunBytes = Math.max(largestRunBytes, description.historySize ?? 0);
  }
  const workflows: Record<string, number> = {};
  for (const run of runs) workflows[run.type] = (workflows[run.type] ?? 0) + 1;
  return { events, bytes, byType, runs: runs.length, workflows, largestRunEvents, largestRunBytes, ...(endReason ? { endReason } : {}) };
}
