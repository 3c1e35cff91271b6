/**
 * A batch of pod runs in one activity (workflows/pod-batches.ts): every pod runs as runPod would run it (its own
 * volumes, containers, deadline, termination and result), all at once, and the batch returns their results in
 * order. Its heartbeat lists the pods that ended so far (a worker lost with the batch loses only the others)
 * and the running pods' output for `kjob logs -f`. One pod stops alone when its Job lists it (batch-stops.ts);
 * the activity's cancellation stops them all. A batch that runs over a second tells its Job of each pod that
 * ends from then on (SIGNAL_POD_BATCH_ENDED, once a second), so the Job sees it ended as it would see a pod alone.
 */
import { Context } from '@temporalio/activity';
import { setMaxListeners } from 'node:events';
import { BATCH_REPORTS_ENDS_AFTER_MS } from '../src/shared/controller/pod-batching.js';
import { SIGNAL_POD_BATCH_ENDED } from '../src/shared/protocol/names.js';
import type { PodBatchEnded, PodBatchEntry, PodBatchHeartbeat, PodBatchRequest, PodBatchResult } from '../src/shared/protocol/pod-runs.js';
import { compactPodRunResult, expandPodRunRequest } from '../src/shared/protocol/pod-run-wire.js';
import { ownerOfRequest } from './pod-owners.js';
import { HEARTBEAT_INTERVAL_MS, PodHeartbeat } from './pod-heartbeat.js';
import type { PodRunner } from './pod-run.js';
import { runPodInput } from './run-pod.js';

/** Log bytes a batch's result carries in all (its pods' tails are cut to share it): the payload stays small. */
export const BATCH_LOG_BUDGET_BYTES = 256 * 1024;

export async function runPodBatch(runner: PodRunner, request: PodBatchRequest): Promise<PodBatchResult> {
  const ctx = Context.current();
  // Every pod of the batch listens for the activity's cancellation.
  setMaxListeners(request.pods.length + 10, ctx.cancellationSignal);
  const workflowId = request.workflowId ?? ctx.info.workflowExecution?.workflowId ?? '';
  const owner = await ownerOfRequest(runner.owners, ctx, workflowId, request.job);
  const spec = owner.spec.template.spec;
  const ended: (PodBatchEntry | undefined)[] = new Array<PodBatchEntry | undefined>(request.pods.length);
  const running = new Map<number, PodHeartbeat>();
  const startedAt = Date.now();
  const reported = new Set<number>();
  let reporting: Promise<void> = Promise.resolve();
  // The pods that ended and the Job has not heard of; once the batch has run a while it hears of them now.
  const reportEnds = () => {
    if (Date.now() - startedAt < BATCH_REPORTS_ENDS_AFTER_MS) return;
    const fresh: [number, PodBatchEntry][] = [];
    ended.forEach((entry, position) => {
      if (entry && !reported.has(position)) fresh.push([position, entry]);
    });
    if (fresh.length === 0) return;
    for (const [position] of fresh) reported.add(position);
    const report: PodBatchEnded = { batchId: request.batchId, ended: withinLogBudget(fresh.map(([, entry]) => entry)).map((entry, i) => [fresh[i]![0], entry]) };
    reporting = reporting.then(async () => {
      try {
        await ctx.client.workflow.getHandle(workflowId).signal(SIGNAL_POD_BATCH_ENDED, report);
      } catch (error) {
        // The batch's result carries them all the same.
        ctx.log.warn('could not report ended pods of a batch', { batchId: request.batchId, error: String(error) });
      }
    });
  };
  const beat = () => {
    ctx.heartbeat(batchHeartbeat(request.batchId, ended, running));
    reportEnds();
  };
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  // In kjob/testing pods stop through runner.stops (runPodInput); elsewhere a batched pod stops when listed.
  const unwatch = runner.stops ? undefined : runner.batchStops.watch(ctx.client, workflowId);
  try {
    await Promise.all(
      request.pods.map(async (member, position) => {
        const input = expandPodRunRequest({ ...member, job: request.job }, { workflowId, owner });
        const heartbeat = new PodHeartbeat(undefined, input);
        running.set(position, heartbeat);
        const cancellation = runner.stops ? undefined : runner.batchStops.track(input.attemptKey, ctx.cancellationSignal);
        try {
          const result = await runPodInput(runner, input, { ctx, cancellation: cancellation ?? ctx.cancellationSignal, heartbeat });
          ended[position] = { result: compactPodRunResult(spec, result) };
        } catch (error) {
          ended[position] = { aborted: error instanceof Error ? error.message : String(error) };
        } finally {
          running.delete(position);
          cancellation?.release();
        }
      }),
    );
  } finally {
    clearInterval(timer);
    unwatch?.();
    await reporting;
  }
  return { results: withinLogBudget(ended.map((entry) => entry ?? { aborted: 'the pod did not run' })) };
}

/** The ended pods without their logs (the result carries those), and the running pods that have output. */
function batchHeartbeat(batchId: string, ended: (PodBatchEntry | undefined)[], running: Map<number, PodHeartbeat>): PodBatchHeartbeat {
  const done: [number, PodBatchEntry][] = [];
  ended.forEach((entry, position) => {
    if (!entry) return;
    if ('result' in entry) {
      const { logs: _logs, ...result } = entry.result;
      done.push([position, { result }]);
    } else done.push([position, entry]);
  });
  const pods = [...running.values()].filter((pod) => pod.showsAnything).map((pod) => pod.details());
  return { batchId, ended: done, pods };
}

/** Cuts the longest logs to their tails until the batch's logs fit BATCH_LOG_BUDGET_BYTES (most pods print little). */
function withinLogBudget(entries: PodBatchEntry[]): PodBatchEntry[] {
  const logs = entries.flatMap((entry) => ('result' in entry ? (entry.result.logs ?? []) : []));
  if (logs.reduce((sum, log) => sum + log.text.length, 0) <= BATCH_LOG_BUDGET_BYTES) return entries;
  // Each log keeps at most an equal share of the budget; shorter ones keep all they have.
  const share = Math.floor(BATCH_LOG_BUDGET_BYTES / logs.length);
  for (const log of logs) {
    if (log.text.length <= share) continue;
    const cut = log.text.length - share;
    log.truncatedBytes += cut;
    log.text = log.text.slice(cut);
  }
  return entries;
}
