/**
 * One Temporal workflow per Job, acting as its Kubernetes Job controller. It keeps the controller state,
 * feeds it pod events and the clock, and carries out its decisions: pods are activities, backoffs and the
 * activeDeadlineSeconds deadline are durable workflow timers, termination is activity cancellation.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  metricMeter,
  patched,
  proxyLocalActivities,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { deadlineAt } from '../src/shared/controller/finish-criteria.js';
import { onPodExited, onPodStarted, type PodOutcome } from '../src/shared/controller/pod-lifecycle.js';
import { podAnnotations, podHostname, podKeys, podLabels } from '../src/shared/controller/pod-identity.js';
import { reconcile } from '../src/shared/controller/reconcile.js';
import { renderJob, renderPods } from '../src/shared/controller/render.js';
import { FINISHED_PODS_KEPT, forgetOldFinishedPods } from '../src/shared/controller/retention.js';
import { applySpecPatch, type JobSpecPatch } from '../src/shared/controller/spec-patch.js';
import { newControllerState, type PodRecord } from '../src/shared/controller/state.js';
import type { JobWorkflowInput, JobWorkflowResult } from '../src/shared/protocol/job-workflow.js';
import { DEFAULT_CONTROLLER_SETTINGS, type PodRunInput, type PodStartedSignal } from '../src/shared/protocol/pod-runs.js';
import { QUERY_EVENTS, QUERY_SHARDS, QUERY_JOB, QUERY_LOGS, QUERY_PODS, SIGNAL_POD_STARTED, UPDATE_PATCH_JOB } from '../src/shared/protocol/names.js';
import { carryOver, restoreControllerState } from '../src/shared/controller/carry-over.js';
import { readsPodMetadata } from '../src/shared/manifest/field-refs.js';
import { jobStatusColumn } from '../src/shared/controller/job-phase.js';
import { jobCurrentDetails, podRunSummary, wakeSummary } from '../src/shared/protocol/web-ui-text.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/shared/protocol/search-attributes.js';
import type { ContainerLog, Job, JobEvent, Pod } from '../src/shared/kubernetes-types.js';
import { outcomeOfFailure, podActivity } from './pod-activity.js';
import { inPodRunScope, sharedPodRunScope, startCancellable } from './pod-cancel.js';
import { podRunEndedSignal, shardAliveSignal, shardJobGoneSignal } from './shard.js';
import { ShardRouter, shardIdPrefix } from './shard-router.js';
import { kjobJobTtl } from './ttl.js';

type Activities = ReturnType<typeof createActivities>;

export const jobQuery = defineQuery<Job>(QUERY_JOB);
export const podsQuery = defineQuery<Pod[]>(QUERY_PODS);
export const logsQuery = defineQuery<ContainerLog[] | null, [string]>(QUERY_LOGS);
export const eventsQuery = defineQuery<JobEvent[]>(QUERY_EVENTS);
export const shardsQuery = defineQuery<string[]>(QUERY_SHARDS);
export const podStartedSignal = defineSignal<[PodStartedSignal]>(SIGNAL_POD_STARTED);
/** Changes the mutable fields of a running Job (suspend, parallelism, elastic completions, deadline, …). */
export const patchJobUpdate = defineUpdate<Job, [JobSpecPatch]>(UPDATE_PATCH_JOB);

const { controllerSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

type PodEvent =
  | { kind: 'started'; report: PodStartedSignal }
  | { kind: 'exited'; podName: string; outcome: PodOutcome }
  | { kind: 'specChanged' };

/** The pod-level deadline left for a run: counted from the pod's first start, as the kubelet counts it. */
function podDeadlineFor(job: Job, pod: PodRecord, now: number): { podDeadlineMs?: number } {
  const seconds = job.spec.template.spec.activeDeadlineSeconds;
  if (seconds === undefined) return {};
  return { podDeadlineMs: Math.max(seconds * 1000 - (pod.startedAt === null ? 0 : now - pod.startedAt), 1) };
}

export async function kjobJob({ job, carried, shards: carriedShards }: JobWorkflowInput): Promise<JobWorkflowResult> {
  const settings = await controllerSettings();
  const runPodActivity = podActivity(settings);
  /**
   * Pod runs beyond what one workflow may hold (Temporal caps pending activities per workflow) go to pod runner
   * shards. Absent from settings recorded by older workers: the defaults apply.
   */
  const localRunLimit = settings.maxPodRunsPerWorkflow ?? DEFAULT_CONTROLLER_SETTINGS.maxPodRunsPerWorkflow!;
  const shardRouter = new ShardRouter(
    { jobWorkflowId: workflowInfo().workflowId, settings },
    { podRunsPerShard: localRunLimit, runsPerShard: settings.maxRunsPerShard ?? DEFAULT_CONTROLLER_SETTINGS.maxRunsPerShard! },
    (podName, message) => events.push({ kind: 'exited', podName, outcome: { kind: 'aborted', message } }),
    carriedShards,
  );
  const state = carried ? restoreControllerState(job, settings, carried) : newControllerState(job, settings);
  const generation = (carried?.generation ?? 0) + 1;
  /**
   * Continue-as-new before the history nears Temporal's limits: the workflow stops starting pods, lets the
   * running ones end (their results are counted as usual), then hands the compact state to its next run.
   */
  const continueAfter = settings.continueAsNewAfterEvents ?? DEFAULT_CONTROLLER_SETTINGS.continueAsNewAfterEvents!;
  const historyFull = () => workflowInfo().historyLength >= continueAfter || workflowInfo().continueAsNewSuggested;
  const events: PodEvent[] = [];
  /** Pod runs this workflow holds, and how to cancel each. */
  const runs = new Map<string, () => void>();
  /**
   * Pod runs share one non-cancellable scope and are cancelled one by one through their activity (workflows/
   * pod-cancel.ts) rather than a scope each; runs started before this change keep a scope each.
   */
  const sharedPodScope = sharedPodRunScope();
  // The pod template is immutable: whether pods read their own labels is decided once.
  const podsReadMetadata = readsPodMetadata(state.job.spec.template.spec);
  const ids = { random: Math.random, uuid: uuid4 };

  setHandler(jobQuery, () => renderJob(state));
  setHandler(podsQuery, () => renderPods(state));
  setHandler(logsQuery, (podName) => state.logs.get(podName) ?? null);
  setHandler(eventsQuery, () => state.events);
  setHandler(shardsQuery, () => shardRouter.openShardIds());
  setHandler(podStartedSignal, (report) => {
    events.push({ kind: 'started', report });
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

  const startRun = (pod: PodRecord) => {
    // The current Job (patches may have changed its mutable fields since the workflow started).
    const current = state.job;
    const input: PodRunInput = {
      workflowId: workflowInfo().workflowId,
      job: {
        metadata: { name: current.metadata.name, namespace: current.metadata.namespace, uid: current.metadata.uid },
        spec: { template: { spec: current.spec.template.spec } },
      },
      podName: pod.name,
      podUid: pod.uid,
      index: pod.index,
      restartCount: pod.restartCount,
      ...podDeadlineFor(current, pod, Date.now()),
      ...(podsReadMetadata ? { labels: podLabels(current, pod.index), annotations: podAnnotations(current, pod) } : {}),
      hostname: podHostname(current, pod),
      ...podKeys(current, pod),
    };
    if (runs.size >= localRunLimit && patched('kjob-pod-shards')) {
      shardRouter.start(input, podRunSummary(pod));
      return;
    }
    // One continuation per run: every promise in workflow code costs the SDK a captured stack trace.
    const ended = (outcome: PodOutcome) => {
      runs.delete(pod.name);
      events.push({ kind: 'exited', podName: pod.name, outcome });
    };
    const { running, cancel } = startCancellable(sharedPodScope, () => runPodActivity(input, podRunSummary(pod)));
    runs.set(pod.name, cancel);
    running.then(
      (result) => ended({ kind: 'exited', result }),
      (error: unknown) => ended(outcomeOfFailure(error)),
    );
  };
  const terminateRun = (podName: string) => {
    runs.get(podName)?.();
    shardRouter.terminate(podName);
  };

  /**
   * Durable timers for backoffs, restarts and the deadline. A timer is never cancelled: one that fires when it
   * is no longer needed only causes an idle reconcile, and a cancelled timer racing its own firing is what the
   * time-skipping test server mishandles.
   */
  const pendingWakes = new Set<number>();
  let woken = false;
  const backoffWaits = metricMeter.createCounter('kjob_backoff_waits', 'waits', 'Durable timers holding a pod start (backoff, restart delay)');
  const wakeAt = (at: number) => {
    for (const pending of pendingWakes) if (pending <= at) return;
    pendingWakes.add(at);
    const deadline = deadlineAt(state);
    if (deadline === null || at < deadline) backoffWaits.add(1, { kjob_namespace: job.metadata.namespace, kjob_job: job.metadata.name });
    sleep(Math.max(at - Date.now(), 1), { summary: wakeSummary(at, deadline) }).then(
      () => {
        pendingWakes.delete(at);
        woken = true;
      },
      () => undefined,
    );
  };

  /**
   * The Job as the Web UI shows it: the live status as current details, and kubectl's STATUS word as the
   * KjobPhase search attribute when the client registered kjob's attributes (the workflow started with them).
   */
  const searchable = workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.name) !== undefined;
  let publishedPhase = searchable ? workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.phase) : undefined;
  const publishStatus = (nextWake: number | null) => {
    const job = renderJob(state);
    setCurrentDetails(jobCurrentDetails(job, nextWake));
    const phase = jobStatusColumn(job);
    if (searchable && phase !== publishedPhase && patched('kjob-phase-search-attribute')) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.phase, value: phase }]);
      publishedPhase = phase;
    }
  };

  try {
    for (;;) {
      for (const event of events.splice(0)) {
        if (event.kind === 'started') onPodStarted(state, event.report, Date.now());
        else if (event.kind === 'exited') onPodExited(state, event.podName, event.outcome, Date.now());
      }
      const draining = !state.finished && historyFull() && patched('kjob-continue-as-new');
      const actions = reconcile(state, Date.now(), ids, { holdNewRuns: draining });
      inPodRunScope(sharedPodScope, () => actions.start.forEach(startRun));
      for (const pod of actions.terminate) terminateRun(pod.name);
      publishStatus(actions.wakeAt);
      if (state.finished) break;
      // Runs held by shards carry on across the hand-over; only this run's own must end first.
      if (draining && runs.size === 0 && events.length === 0) {
        await shardRouter.flushed();
        await condition(allHandlersFinished);
        // Pod events that came in while waiting (a shard reporting an end) are counted before the hand-over.
        if (events.length > 0) continue;
        await continueAsNew<typeof kjobJob>({
          job: state.job,
          carried: carryOver(state, generation, (podName) => shardRouter.runs(podName)),
          shards: shardRouter.carry(),
        });
      }
      if (actions.wakeAt !== null) wakeAt(actions.wakeAt);
      await condition(() => events.length > 0 || woken);
      woken = false;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // The workflow was cancelled (the Job is being deleted): terminate the pods and wait for them to stop.
    await CancellationScope.nonCancellable(async () => {
      for (const cancel of runs.values()) cancel();
      shardRouter.terminateAll();
      // Bounded: a shard that is gone would otherwise keep the deletion waiting for ever.
      const allStopped = () => runs.size === 0 && shardRouter.inFlight === 0;
      if (patched('kjob-bounded-delete-wait')) await condition(allStopped, '10 minutes');
      else await condition(allStopped);
      shardRouter.closeAll();
      await shardRouter.flushed();
    });
    throw error;
  }
  shardRouter.closeAll();
  await shardRouter.flushed();
  const ttl = state.job.spec.ttlSecondsAfterFinished;
  if (ttl !== undefined) {
    const info = workflowInfo();
    const finishedAt = Date.parse(state.conditions[state.conditions.length - 1]?.lastTransitionTime ?? '') || Date.now();
    await startChild(kjobJobTtl, {
      workflowId: `kjob-ttl/${job.metadata.namespace}/${job.metadata.name}/${job.metadata.uid}`,
      args: [{ workflowId: info.workflowId, runId: info.runId, expireAt: finishedAt + ttl * 1000 }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }
  // The result stays well under Temporal's 2 MB payload limit: the latest finished pods, the bounded logs and events.
  forgetOldFinishedPods(state, FINISHED_PODS_KEPT, 0);
  return { job: renderJob(state), pods: renderPods(state), logs: Object.fromEntries(state.logs), events: state.events };
}
