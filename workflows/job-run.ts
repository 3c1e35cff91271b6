/**
 * One run of a Job's workflow (workflows/job.ts; the workflow continues as new into the next run): the controller
 * state and what carries out its decisions. Pods are activities started here or on pod runner shards, their
 * ends are queued as pod events for the next reconcile, backoffs and the deadline are durable timers, the live
 * status is published for the Web UI, and at the end the state goes to the next run or the Job to its TTL.
 *
 * Per pod this costs what it always did: every promise (and so every closure that makes one) in workflow code
 * costs the SDK a captured stack trace. Nothing here may await or add a promise per pod.
 */
import { condition, metricMeter, ParentClosePolicy, patched, setCurrentDetails, sleep, startChild, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import { carryOver, restoreControllerState } from '../src/shared/controller/carry-over.js';
import { deadlineAt } from '../src/shared/controller/finish-criteria.js';
import { jobStatusColumn } from '../src/shared/controller/job-phase.js';
import { forgetFinishedOnceRecords, ONCE_UPDATES_PER_RUN } from '../src/shared/controller/once-records.js';
import { onPodExited, onPodStarted, onPodStatus, type PodOutcome } from '../src/shared/controller/pod-lifecycle.js';
import { podAnnotations, podHostname, podKeys, podLabels } from '../src/shared/controller/pod-identity.js';
import { reconcile } from '../src/shared/controller/reconcile.js';
import { renderJob, renderPods } from '../src/shared/controller/render.js';
import { FINISHED_PODS_KEPT, forgetOldFinishedPods } from '../src/shared/controller/retention.js';
import { newControllerState, type IdSource, type JobControllerState, type PodRecord } from '../src/shared/controller/state.js';
import { readsPodMetadata } from '../src/shared/manifest/field-refs.js';
import type { JobTtlInput, JobWorkflowInput, JobWorkflowResult } from '../src/shared/protocol/job-workflow.js';
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings, type PodOwner, type PodRunRequest, type PodStartedSignal, type PodStatusSignal } from '../src/shared/protocol/pod-runs.js';
import { ownerHash } from '../src/shared/protocol/pod-run-wire.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/shared/protocol/search-attributes.js';
import { jobCurrentDetails, podBatchSummary, podRunSummary, wakeSummary } from '../src/shared/protocol/web-ui-text.js';
import type { Job } from '../src/shared/kubernetes-types.js';
import { outcomeOfFailure, podActivity, podBatchActivity } from './pod-activity.js';
import { PodBatches } from './pod-batches.js';
import { batchSizes, newPodPace, paceOf, podBatchingMode, recordRun, type PodBatchingMode } from '../src/shared/controller/pod-batching.js';
import { inPodRunScope, inProcessPodStopper, startCancellable, sharedPodRunScope } from './pod-cancel.js';
import { ShardRouter } from './shard-router.js';
import { kjobJobTtl, startJobTtl } from './ttl.js';

/** History bytes at which a run hands over (Temporal suggests it at 4 MiB, warns at 10 MiB, stops at 50 MiB). */
const HAND_OVER_AT_BYTES = 8 * 1024 * 1024;

/** What reaches the workflow between two reconciles. */
export type PodEvent =
  | { kind: 'started'; report: PodStartedSignal }
  | { kind: 'status'; report: PodStatusSignal }
  | { kind: 'exited'; podName: string; outcome: PodOutcome }
  | { kind: 'specChanged' };

/** What one run of the Job's workflow keeps, and how it carries out the controller's decisions. */
export class JobRun {
  readonly state: JobControllerState;
  /** Pod runs beyond what one workflow may hold (Temporal caps pending activities per workflow) go to shards. */
  readonly shardRouter: ShardRouter;
  /** Pod events not yet fed to the controller. */
  readonly events: PodEvent[] = [];
  /** Pod runs this workflow holds, and how to cancel each. */
  private readonly runs = new Map<string, () => void>();
  /** Short pods' runs, many per activity. */
  readonly batches: PodBatches;
  /** How the Job's pods are grouped into activities, and how long its latest pods ran. */
  private readonly batchingMode: PodBatchingMode;
  private readonly pace = newPodPace();
  /** A durable timer fired since the last reconcile. */
  woken = false;
  /** Once updates this run accepted (workflows/job.ts answerOnce): the server caps a run's updates. */
  onceUpdates = 0;
  /** There is something to reconcile: a pod event, or a timer that fired. */
  readonly hasWork = () => this.events.length > 0 || this.woken;

  /** The Job as the workflow started (its mutable fields may change since: the current one is state.job). */
  private readonly job: Job;
  private readonly runPodActivity: ReturnType<typeof podActivity>;
  private readonly localRunLimit: number;
  private readonly generation: number;
  private readonly continueAfter: number;
  /**
   * Pod runs share one non-cancellable scope and are cancelled one by one through their activity (workflows/
   * pod-cancel.ts) rather than a scope each; runs started before this change keep a scope each.
   */
  private readonly sharedPodScope: ReturnType<typeof sharedPodRunScope>;
  /** How pod runs are stopped when not by cancelling their activities (kjob/testing; see workflows/pod-cancel.ts). */
  private readonly stopInProcess: ReturnType<typeof inProcessPodStopper>;
  /** The pod template is immutable: whether pods read their own labels is decided once. */
  private readonly podsReadMetadata: boolean;
  private readonly ids: IdSource = { random: Math.random, uuid: uuid4 };
  /** The pod owners this run's pod runs name by hash (a patch may change the pod template). */
  private readonly owners = new Map<string, PodOwner>();
  private ownerHashed: { spec: PodOwner['spec']['template']['spec']; hash: string } | undefined;
  /**
   * Durable timers for backoffs, restarts and the deadline. A timer is never cancelled: one that fires when it
   * is no longer needed only causes an idle reconcile, and a cancelled timer racing its own firing is what the
   * time-skipping test server mishandles.
   */
  private readonly pendingWakes = new Set<number>();
  private readonly backoffWaits = metricMeter.createCounter('kjob_backoff_waits', 'waits', 'Durable timers holding a pod start (backoff, restart delay)');
  /**
   * The Job as the Web UI shows it: the live status as current details, and kubectl's STATUS word as the
   * KjobPhase search attribute when the client registered kjob's attributes (the workflow started with them).
   */
  private readonly searchable: boolean;
  private publishedPhase: string | undefined;

  constructor({ job, carried, shards: carriedShards }: JobWorkflowInput, private readonly settings: ControllerSettings) {
    this.job = job;
    this.runPodActivity = podActivity(settings);
    // Absent from settings recorded by older workers: the defaults apply.
    this.localRunLimit = settings.maxPodRunsPerWorkflow ?? DEFAULT_CONTROLLER_SETTINGS.maxPodRunsPerWorkflow!;
    this.shardRouter = new ShardRouter(
      { jobWorkflowId: workflowInfo().workflowId, settings },
      { podRunsPerShard: this.localRunLimit, runsPerShard: settings.maxRunsPerShard ?? DEFAULT_CONTROLLER_SETTINGS.maxRunsPerShard! },
      (podName, message) => this.events.push({ kind: 'exited', podName, outcome: { kind: 'aborted', message } }),
      carriedShards,
    );
    this.state = carried ? restoreControllerState(job, settings, carried) : newControllerState(job, settings);
    this.generation = (carried?.generation ?? 0) + 1;
    this.continueAfter = settings.continueAsNewAfterEvents ?? DEFAULT_CONTROLLER_SETTINGS.continueAsNewAfterEvents!;
    this.sharedPodScope = sharedPodRunScope();
    this.stopInProcess = inProcessPodStopper(settings);
    this.batchingMode = podBatchingMode(job);
    this.batches = new PodBatches(podBatchActivity(settings), `${this.generation}-`, (podName, outcome) => this.runEnded(podName, outcome), this.stopInProcess);
    this.podsReadMetadata = readsPodMetadata(this.state.job.spec.template.spec);
    this.searchable = workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.name) !== undefined;
    this.publishedPhase = this.searchable ? workflowInfo().typedSearchAttributes.get(SEARCH_ATTRIBUTE_KEYS.phase) : undefined;
  }

  /**
   * Feeds the pod events to the controller, reconciles and carries out its decisions. `draining`: the history
   * nears Temporal's limits, so no new pod starts; once the running ones end, the run continues as new.
   */
  step(): { draining: boolean; wakeAt: number | null } {
    for (const event of this.events.splice(0)) {
      if (event.kind === 'started') onPodStarted(this.state, event.report, Date.now());
      else if (event.kind === 'status') onPodStatus(this.state, event.report);
      else if (event.kind === 'exited') onPodExited(this.state, event.podName, event.outcome, Date.now());
    }
    forgetFinishedOnceRecords(this.state);
    const draining = !this.state.finished && ((this.historyFull() && patched('kjob-continue-as-new')) || this.onceUpdatesFull());
    const actions = reconcile(this.state, Date.now(), this.ids, { holdNewRuns: draining });
    inPodRunScope(this.sharedPodScope, () => this.startRuns(actions.start));
    for (const pod of actions.terminate) this.terminateRun(pod.name);
    this.publishStatus(actions.wakeAt);
    return { draining, wakeAt: actions.wakeAt };
  }

  /** Only this run's own pod runs must end before the hand-over: shards outlive it and report to the next. */
  readyToHandOver(): boolean {
    return this.runs.size === 0 && this.batches.size === 0 && this.events.length === 0;
  }

  /** The next run's input: the compact controller state and the shards' bookkeeping. */
  handOver(): JobWorkflowInput {
    return {
      job: this.state.job,
      carried: carryOver(this.state, this.generation, (podName) => this.shardRouter.runs(podName)),
      shards: this.shardRouter.carry(),
    };
  }

  wakeAt(at: number): void {
    for (const pending of this.pendingWakes) if (pending <= at) return;
    this.pendingWakes.add(at);
    const deadline = deadlineAt(this.state);
    if (deadline === null || at < deadline) this.backoffWaits.add(1, { kjob_namespace: this.job.metadata.namespace, kjob_job: this.job.metadata.name });
    sleep(Math.max(at - Date.now(), 1), { summary: wakeSummary(at, deadline) }).then(
      () => {
        this.pendingWakes.delete(at);
        this.woken = true;
      },
      () => undefined,
    );
  }

  /** The workflow was cancelled (the Job is being deleted): terminates the pods and waits for them to stop. */
  async stopAllPods(): Promise<void> {
    for (const cancel of this.runs.values()) cancel();
    this.batches.terminateAll();
    this.shardRouter.terminateAll();
    // Bounded: a shard that is gone would otherwise keep the deletion waiting for ever.
    const allStopped = () => this.runs.size === 0 && this.batches.size === 0 && this.shardRouter.inFlight === 0;
    if (patched('kjob-bounded-delete-wait')) await condition(allStopped, '10 minutes');
    else await condition(allStopped);
    this.shardRouter.closeAll();
    await this.shardRouter.flushed();
  }

  /**
   * ttlSecondsAfterFinished: the finished Job's run is left to a small workflow that deletes it later. On the
   * time-skipping test server it is started by a local activity, not as a child: a child that outlives its
   * parent there leaves time unable to skip (every later timer then takes real time).
   */
  async handOverToTtl(): Promise<void> {
    const ttl = this.state.job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const info = workflowInfo();
    const { metadata } = this.job;
    const finishedAt = Date.parse(this.state.conditions[this.state.conditions.length - 1]?.lastTransitionTime ?? '') || Date.now();
    const workflowId = `kjob-ttl/${metadata.namespace}/${metadata.name}/${metadata.uid}`;
    const input: JobTtlInput = { workflowId: info.workflowId, runId: info.runId, expireAt: finishedAt + ttl * 1000 };
    if (this.settings.timeSkippingTestServer && patched('kjob-ttl-started-by-activity')) {
      await startJobTtl({ ttlWorkflowId: workflowId, input });
      return;
    }
    await startChild(kjobJobTtl, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON });
  }

  /** The result stays well under Temporal's 2 MB payload limit: the latest finished pods, the bounded logs and events. */
  result(): JobWorkflowResult {
    forgetOldFinishedPods(this.state, FINISHED_PODS_KEPT, 0);
    const pods = patched('kjob-result-pod-records') ? { podRecords: this.state.pods } : { pods: renderPods(this.state) };
    return { job: renderJob(this.state), ...pods, logs: Object.fromEntries(this.state.logs), events: this.state.events };
  }

  /** Enough once updates for this run: the pods still running must commit through it under the server's cap. */
  /** One once update answered; the one that fills the run wakes the loop, which then starts the hand-over. */
  countOnceUpdate(): void {
    this.onceUpdates++;
    if (this.onceUpdates === ONCE_UPDATES_PER_RUN) this.woken = true;
  }

  private onceUpdatesFull(): boolean {
    return this.onceUpdates >= ONCE_UPDATES_PER_RUN && patched('kjob-once-records');
  }

  /**
   * The hash that pod runs name their owner by (the Job's identity and pod template: the worker asks for it
   * once, ownerFor); undefined for runs that carry it themselves, as runs before this change did.
   */
  private ownerByReference(): string | undefined {
    if (!patched('kjob-pod-owner-by-reference')) return undefined;
    const spec = this.state.job.spec.template.spec;
    if (this.ownerHashed?.spec !== spec) {
      const owner = podOwner(this.state.job);
      const hash = ownerHash(owner);
      this.ownerHashed = { spec, hash };
      this.owners.set(hash, owner);
    }
    return this.ownerHashed.hash;
  }

  /** The pod owner this run's pod runs named by `hash` (QUERY_POD_TEMPLATE); null when it does not know the hash. */
  ownerFor(hash: string): PodOwner | null {
    const known = this.owners.get(hash);
    if (known) return known;
    // A hash sent by an earlier run (a shard's pod): the current owner, if it is the same.
    const current = podOwner(this.state.job);
    return ownerHash(current) === hash ? current : null;
  }

  /**
   * The server suggests continuing as new at 4 Ki events, which for a Job is early: every hand-over writes the
   * state twice (the next run's input, and the continued-as-new event), so a Job hands over at its own event
   * limit (settings.continueAsNewAfterEvents: 10,000 by default, under the server's 10 Ki warning) or past
   * HAND_OVER_AT_BYTES of history; runs before this change followed the suggestion.
   */
  private historyFull(): boolean {
    const { historyLength, historySize, continueAsNewSuggested } = workflowInfo();
    if (historyLength >= this.continueAfter) return true;
    if (!continueAsNewSuggested) return false;
    return patched('kjob-hand-over-at-own-limits') ? historySize >= HAND_OVER_AT_BYTES : true;
  }

  /**
   * Starts the pods the controller created: short pods in batches (workflows/pod-batches.ts), the others one
   * activity each (src/shared/controller/pod-batching.ts decides).
   */
  private startRuns(pods: PodRecord[]): void {
    const sizes = batchSizes(pods.length, { mode: this.batchingMode, pace: paceOf(this.pace), parallelism: this.state.job.spec.parallelism });
    let at = 0;
    for (const size of sizes) {
      const group = pods.slice(at, (at += size));
      const ownerRef = size > 1 && this.runs.size + this.batches.size < this.localRunLimit && patched('kjob-pod-batches') ? this.ownerByReference() : undefined;
      if (ownerRef === undefined) for (const pod of group) this.startRun(pod);
      else this.startBatch(group, ownerRef);
    }
  }

  private startBatch(pods: PodRecord[], ownerRef: string): void {
    const job = this.state.job;
    const batched = pods.map((pod) => {
      const { job: _owner, ...request } = podRunRequest(job, pod, this.podsReadMetadata, ownerRef);
      return { request, attemptKey: podKeys(job, pod).attemptKey };
    });
    this.batches.start(this.sharedPodScope, { ownerRef }, batched, podBatchSummary(pods));
  }

  /** A pod run ended (alone or in a batch): the controller hears of it at the next step, and learns its pace. */
  private runEnded(podName: string, outcome: PodOutcome): void {
    if (outcome.kind === 'exited' && outcome.result.containersStartedMsAgo !== undefined) recordRun(this.pace, outcome.result.containersStartedMsAgo);
    this.events.push({ kind: 'exited', podName, outcome });
  }

  private startRun(pod: PodRecord): void {
    // The current Job (patches may have changed its mutable fields since the workflow started).
    const input = podRunRequest(this.state.job, pod, this.podsReadMetadata, this.ownerByReference());
    if (this.runs.size + this.batches.size >= this.localRunLimit && patched('kjob-pod-shards')) {
      // The shard's activities are the shard's: they name the Job's workflow.
      // The shard's activities are the shard's: they name the Job's workflow; the keys stop the run in-process.
      this.shardRouter.start({ workflowId: workflowInfo().workflowId, ...podKeys(this.state.job, pod), ...input }, podRunSummary(pod), this.state.job);
      return;
    }
    // One continuation per run: every promise in workflow code costs the SDK a captured stack trace.
    const ended = (outcome: PodOutcome) => {
      this.runs.delete(pod.name);
      this.runEnded(pod.name, outcome);
    };
    const { running, cancel } = startCancellable(this.sharedPodScope, () => this.runPodActivity(input, podRunSummary(pod)));
    const stopInProcess = this.stopInProcess;
    this.runs.set(pod.name, stopInProcess ? () => stopInProcess(podKeys(this.state.job, pod).attemptKey) : cancel);
    running.then(
      (result) => ended({ kind: 'exited', result }),
      (error: unknown) => ended(outcomeOfFailure(error)),
    );
  }

  private terminateRun(podName: string): void {
    this.runs.get(podName)?.();
    this.batches.terminate(podName);
    this.shardRouter.terminate(podName);
  }

  private publishStatus(nextWake: number | null): void {
    const job = renderJob(this.state);
    setCurrentDetails(jobCurrentDetails(job, nextWake, waitingPods(this.state)));
    const phase = jobStatusColumn(job);
    if (this.searchable && phase !== this.publishedPhase && patched('kjob-phase-search-attribute')) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTE_KEYS.phase, value: phase }]);
      this.publishedPhase = phase;
    }
  }
}

/** The pods whose containers wait on something kubectl shows (an image pull backing off), for the Web UI. */
function waitingPods(state: JobControllerState): { pod: string; reason: string; message?: string }[] {
  return state.pods.flatMap((pod) => (pod.waiting ?? []).map(({ reason, message }) => ({ pod: pod.name, reason, ...(message ? { message } : {}) })));
}

/**
 * One pod run's activity input: of its Job only its identity and the pod template (by reference when
 * `ownerRef` is given: the worker asks for it once, QUERY_POD_TEMPLATE), not the whole Job, which every
 * run's history would carry; the pod's labels only when its spec reads them; nothing the worker derives.
 */
function podRunRequest(job: Job, pod: PodRecord, withMetadata: boolean, ownerRef: string | undefined): PodRunRequest {
  const common = {
    podName: pod.name,
    podUid: pod.uid,
    index: pod.index,
    ...podDeadlineFor(job, pod, Date.now()),
    ...(withMetadata ? { labels: podLabels(job, pod.index), annotations: podAnnotations(job, pod) } : {}),
  };
  if (ownerRef !== undefined) {
    return { job: { ownerRef }, ...common, ...(pod.restartCount > 0 ? { restartCount: pod.restartCount } : {}), ...(pod.index === pod.slot ? {} : { slot: pod.slot }) };
  }
  return { workflowId: workflowInfo().workflowId, job: podOwner(job), ...common, restartCount: pod.restartCount, hostname: podHostname(job, pod), ...podKeys(job, pod) };
}

/** What a pod run needs of its Job: its identity and the pod template's spec. */
function podOwner(job: Job): PodOwner {
  const { name, namespace, uid } = job.metadata;
  return { metadata: { name, namespace, uid }, spec: { template: { spec: job.spec.template.spec } } };
}

/** The pod-level deadline left for a run: counted from the pod's first start, as the kubelet counts it. */
function podDeadlineFor(job: Job, pod: PodRecord, now: number): { podDeadlineMs?: number } {
  const seconds = job.spec.template.spec.activeDeadlineSeconds;
  if (seconds === undefined) return {};
  return { podDeadlineMs: Math.max(seconds * 1000 - (pod.startedAt === null ? 0 : now - pod.startedAt), 1) };
}
