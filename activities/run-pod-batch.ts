/**
 * A batch of pod runs in one activity (workflows/pod-batches.ts): every pod runs as runPod would run it (its own
 * volumes, containers, deadline, termination and result), all at once, and the batch returns their results in
 * order. Its heartbeat lists the pods that ended so far (a worker lost with the batch loses only the others)
 * and the running pods' output for `kjob logs -f`. One pod stops alone when its Job lists it (batch-stops.ts);
 * the activity's cancellation stops them all. A batch that runs over a second tells its Job of each pod that
 * ends from then on (SIGNAL_POD_BATCH_ENDED, once a second), so the Job sees it ended as it would see a pod alone;
 * pods whose output passes what the result carries are reported so too, before it, with their logs whole.
 */
import { Context } from '@temporalio/activity';
import { setMaxListeners } from 'node:events';
import { BATCH_REPORTS_ENDS_AFTER_MS } from '../src/shared/controller/pod-batching.js';
import { SIGNAL_POD_BATCH_ENDED } from '../src/shared/protocol/names.js';
import type { PodBatchEnded, PodBatchEntry, PodBatchHeartbeat, PodBatchRequest, PodBatchResult, PodHeartbeatDetails } from '../src/shared/protocol/pod-runs.js';
import { compactPodRunResult, expandPodRunRequest } from '../src/shared/protocol/pod-run-wire.js';
import { ownerOfRequest } from './pod-owners.js';
import { HEARTBEAT_INTERVAL_MS, PodHeartbeat } from './pod-heartbeat.js';
import type { PodRunner } from './pod-run.js';
import { runPodInput } from './run-pod.js';

/** Bytes of one report of ended pods at most (Temporal refuses payloads over 2 MiB). */
const REPORT_BYTES = 512 * 1024;
/** Bytes of a batch's heartbeat details at most (a single pod's are bounded by pod-heartbeat.ts). */
const BATCH_HEARTBEAT_BUDGET_BYTES = 512 * 1024;

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
  // Tells the Job of ended pods it has not heard of, in signals of at most REPORT_BYTES, their logs whole.
  const report = (positions: number[]) => {
    for (const position of positions) reported.add(position);
    for (const chunk of bySize(positions.map((position): [number, PodBatchEntry] => [position, ended[position]!]), REPORT_BYTES)) {
      const signal: PodBatchEnded = { batchId: request.batchId, ended: chunk };
      reporting = reporting.then(async () => {
        try {
          await ctx.client.workflow.getHandle(workflowId).signal(SIGNAL_POD_BATCH_ENDED, signal);
        } catch (error) {
          // Told again with the next report (and the batch's result carries them all the same).
          for (const [position] of chunk) reported.delete(position);
          ctx.log.warn('could not report ended pods of a batch', { batchId: request.batchId, error: String(error) });
        }
      });
    }
  };
  const unreported = () => ended.flatMap((entry, position) => (entry && !reported.has(position) ? [position] : []));
  // Once the batch has run a while, the Job hears of each pod's end as it comes, as it would of a pod alone.
  const reportEnds = () => {
    if (Date.now() - startedAt < BATCH_REPORTS_ENDS_AFTER_MS) return;
    const fresh = unreported();
    if (fresh.length > 0) report(fresh);
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
  }
  const results = ended.map((entry) => entry ?? { aborted: 'the pod did not run' });
  // More output than the result may carry: the pods not reported yet are, first, with their logs whole (a pod's
  // tail as it would keep it alone); the result's copies are cut to fit, and count only if a report failed.
  if (logBytes(results) > BATCH_LOG_BUDGET_BYTES) report(unreported());
  await reporting;
  // The Job has counted the reported pods from their reports (in its history before this result): their logs
  // are not sent twice.
  return { results: withinLogBudget(results.map((entry, position) => (reported.has(position) ? withoutLogs(entry) : entry))) };
}

/** An ended pod's entry without its logs (what a heartbeat, or a result after a report, carries of it). */
function withoutLogs(entry: PodBatchEntry): PodBatchEntry {
  if (!('result' in entry)) return entry;
  const { logs: _logs, ...result } = entry.result;
  return { result };
}

/** Consecutive groups of entries whose JSON stays within `limit` bytes (one entry alone may pass it). */
function bySize(entries: [number, PodBatchEntry][], limit: number): [number, PodBatchEntry][][] {
  const groups: [number, PodBatchEntry][][] = [];
  let group: [number, PodBatchEntry][] = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = JSON.stringify(entry).length;
    if (group.length > 0 && size + bytes > limit) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(entry);
    size += bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

const logBytes = (entries: PodBatchEntry[]) =>
  entries.reduce((sum, entry) => sum + ('result' in entry ? (entry.result.logs ?? []).reduce((n, log) => n + log.text.length, 0) : 0), 0);

/** The ended pods without their logs (the result carries those), and the running pods that have output. */
function batchHeartbeat(batchId: string, ended: (PodBatchEntry | undefined)[], running: Map<number, PodHeartbeat>): PodBatchHeartbeat {
  const done: [number, PodBatchEntry][] = [];
  ended.forEach((entry, position) => {
    if (entry) done.push([position, withoutLogs(entry)]);
  });
  // Within a budget (Temporal fails an activity whose heartbeat details pass 2 MiB): a pod's progress goes first,
  // then the pods beyond it; the ended pods are always there.
  let room = BATCH_HEARTBEAT_BUDGET_BYTES - JSON.stringify(done).length;
  const pods: PodHeartbeatDetails[] = [];
  for (const pod of running.values()) {
    if (!pod.showsAnything) continue;
    const details = pod.details();
    let size = JSON.stringify(details).length;
    if (size > room && details.progress !== undefined) {
      delete details.progress;
      size = JSON.stringify(details).length;
    }
    if (size > room) continue;
    room -= size;
    pods.push(details);
  }
  return { batchId, ended: done, pods };
}

/** Cuts the longest logs to their tails until the batch's logs fit BATCH_LOG_BUDGET_BYTES (most pods print little). */
function withinLogBudget(entries: PodBatchEntry[]): PodBatchEntry[] {
  if (logBytes(entries) <= BATCH_LOG_BUDGET_BYTES) return entries;
  const logs = entries.flatMap((entry) => ('result' in entry ? (entry.result.logs ?? []) : []));
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
