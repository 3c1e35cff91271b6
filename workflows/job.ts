/**
 * One Temporal workflow per Job, acting as its Kubernetes Job controller. It keeps the controller state,
 * feeds it pod events and the clock, and carries out its decisions: pods are activities, backoffs and the
 * activeDeadlineSeconds deadline are durable workflow timers, termination is activity cancellation. This file
 * holds the workflow's loop and what it answers (queries, signals, the spec update); job-run.ts what one run
 * of it keeps and does.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { renderJob, renderPods } from '../src/shared/controller/render.js';
import { applySpecPatch, type JobSpecPatch } from '../src/shared/controller/spec-patch.js';
import { failedJobFailure, type JobWorkflowInput, type JobWorkflowResult } from '../src/shared/protocol/job-workflow.js';
import type { PodOwner, PodStartedSignal, PodStatusSignal } from '../src/shared/protocol/pod-runs.js';
import { QUERY_EVENTS, QUERY_POD_RUN_STOPS, QUERY_POD_TEMPLATE, QUERY_SHARDS, QUERY_JOB, QUERY_LOGS, QUERY_PODS, SIGNAL_POD_STARTED, SIGNAL_POD_STATUS, UPDATE_ONCE_CLAIM, UPDATE_ONCE_COMMIT, UPDATE_PATCH_JOB } from '../src/shared/protocol/names.js';
import { ONCE_HELD, ONCE_REFUSED, type OnceClaimRequest, type OnceClaimResult, type OnceCommitRequest, type OnceCommitResult } from '../src/shared/protocol/once.js';
import { claimOnce, commitOnce, onceClaimRefusal, onceCommitRefusal, onceHeldBy } from '../src/shared/controller/once-records.js';
import type { ContainerLog, Job, JobEvent, Pod } from '../src/shared/kubernetes-types.js';
import { JobRun } from './job-run.js';
import { podRunEndedSignal, shardAliveSignal, shardJobGoneSignal } from './shard.js';
import { shardIdPrefix } from './shard-router.js';

type Activities = ReturnType<typeof createActivities>;

export const jobQuery = defineQuery<Job>(QUERY_JOB);
export const podsQuery = defineQuery<Pod[]>(QUERY_PODS);
export const logsQuery = defineQuery<ContainerLog[] | null, [string]>(QUERY_LOGS);
export const eventsQuery = defineQuery<JobEvent[]>(QUERY_EVENTS);
export const shardsQuery = defineQuery<string[]>(QUERY_SHARDS);
/** The pod template that pod runs name by hash (src/shared/protocol/pod-run-wire.ts); null: not this Job's. */
export const podTemplateQuery = defineQuery<PodOwner | null, [string]>(QUERY_POD_TEMPLATE);
/** Batched pod runs to stop, by attempt key (workflows/pod-batches.ts): their batch's worker asks. */
export const podRunStopsQuery = defineQuery<string[]>(QUERY_POD_RUN_STOPS);
export const podStartedSignal = defineSignal<[PodStartedSignal]>(SIGNAL_POD_STARTED);
/** A pod's state before its containers start (an image pull failing or taking long), from its worker. */
export const podStatusSignal = defineSignal<[PodStatusSignal]>(SIGNAL_POD_STATUS);
/** Changes the mutable fields of a running Job (suspend, parallelism, elastic completions, deadline, …). */
export const patchJobUpdate = defineUpdate<Job, [JobSpecPatch]>(UPDATE_PATCH_JOB);

/** `ctx.once` across hosts (src/shared/controller/once-records.ts): a pod run claims a key, then commits its value. */
export const onceClaimUpdate = defineUpdate<OnceClaimResult, [OnceClaimRequest]>(UPDATE_ONCE_CLAIM);
export const onceCommitUpdate = defineUpdate<OnceCommitResult, [OnceCommitRequest]>(UPDATE_ONCE_COMMIT);

const { controllerSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

export async function kjobJob(input: JobWorkflowInput): Promise<JobWorkflowResult> {
  const settings = await controllerSettings();
  const run = new JobRun(input, settings);
  answerQueriesSignalsAndUpdates(run, input.job);
  try {
    for (;;) {
      const { draining, wakeAt } = run.step();
      if (run.state.finished) break;
      // Continue-as-new before the history nears Temporal's limits: no new pods start, the running ones end
      // (their results are counted as usual), then the compact state goes to the next run.
      if (draining && run.readyToHandOver()) {
        await run.shardRouter.flushed();
        await condition(allHandlersFinished);
        // Pod events that came in while waiting (a shard reporting an end) are counted before the hand-over.
        if (run.events.length > 0) continue;
        await continueAsNew<typeof kjobJob>(run.handOver());
      }
      if (wakeAt !== null) run.wakeAt(wakeAt);
      await condition(run.hasWork);
      run.woken = false;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The workflow was cancelled (the Job is being deleted): terminate the pods and wait for them to stop.
    await CancellationScope.nonCancellable(() => run.stopAllPods());
    throw error;
  }
  run.shardRouter.closeAll();
  await run.shardRouter.flushed();
  await run.handOverToTtl();
  const result = run.result();
  // A Failed Job fails its workflow (the Web UI shows it Failed), with the finished Job in the failure's details.
  const failure = failedJobFailure(result);
  if (failure && patched('kjob-failed-job-fails-workflow')) throw ApplicationFailure.create({ ...failure, nonRetryable: true });
  return result;
}

/** The workflow's answers: the Job, its pods, logs and events as queries; pod reports as signals; spec changes. */
function answerQueriesSignalsAndUpdates(run: JobRun, job: Job): void {
  const { state, events, shardRouter } = run;
  setHandler(jobQuery, () => renderJob(state));
  setHandler(podsQuery, () => renderPods(state));
  setHandler(logsQuery, (podName) => state.logs.get(podName) ?? null);
  setHandler(eventsQuery, () => state.events);
  setHandler(shardsQuery, () => shardRouter.openShardIds());
  setHandler(podTemplateQuery, (hash) => run.ownerFor(hash));
  setHandler(podRunStopsQuery, () => run.batches.stops());
  setHandler(podStartedSignal, (report) => {
    events.push({ kind: 'started', report });
  });
  setHandler(podStatusSignal, (report) => {
    events.push({ kind: 'status', report });
  });
  setHandler(podRunEndedSignal, ({ podName, outcome }) => {
    if (!shardRouter.runs(podName)) return;
    shardRouter.ended(podName);
    events.push({ kind: 'exited', podName, outcome });
  });
  // A shard's sign of life needs no answer: the signal succeeding is the answer. A shard of an earlier Job of
  // this name (deleted, then created again before the shard noticed) is told that its Job is gone.
  setHandler(shardAliveSignal, (shardId) => {
    if (shardId.startsWith(shardIdPrefix(job.metadata)) || !patched('kjob-orphaned-shards')) return;
    getExternalWorkflowHandle(shardId)
      .signal(shardJobGoneSignal)
      .catch(() => undefined);
  });
  setHandler(
    patchJobUpdate,
    (patch) => {
      applySpecPatch(state, patch);
      events.push({ kind: 'specChanged' });
      return renderJob(state);
    },
    {
      validator: (_patch: JobSpecPatch) => {
        if (state.finished) throw new Error('the Job has finished');
      },
    },
  );
  answerOnce(run);
}

/**
 * The once updates. A refusal, and a claim held by another running pod run, are the validator's: a rejected
 * update leaves nothing in the history and does not count against the server's updates per run. The handler
 * checks again, as the state it decides over is the same. Accepted updates are counted: the run hands over
 * before the server's cap (ONCE_UPDATES_PER_RUN).
 */
function answerOnce(run: JobRun): void {
  const { state } = run;
  const refuse = (reason: string | null, type = ONCE_REFUSED) => {
    if (reason) throw ApplicationFailure.create({ type, message: reason, nonRetryable: true });
  };
  setHandler(
    onceClaimUpdate,
    (request) => {
      refuse(onceClaimRefusal(state, request));
      run.countOnceUpdate();
      return claimOnce(state, request);
    },
    {
      validator: (request) => {
        refuse(onceClaimRefusal(state, request));
        refuse(onceHeldBy(state, request), ONCE_HELD);
      },
    },
  );
  setHandler(
    onceCommitUpdate,
    (request) => {
      refuse(onceCommitRefusal(state, request));
      run.countOnceUpdate();
      return commitOnce(state, request);
    },
    { validator: (request) => refuse(onceCommitRefusal(state, request)) },
  );
}
