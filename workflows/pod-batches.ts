/**
 * Many short pods in one activity (src/shared/controller/pod-batching.ts decides when): one round trip to the
 * server for the lot, while each pod keeps its own run, keys, deadline and result, fed to the controller one by
 * one as if it had run alone. Terminating one pod of a batch: its attempt key is listed for the batch's worker,
 * which asks for the list (QUERY_POD_RUN_STOPS) while the batch runs longer than a moment, and stops that pod
 * alone within its grace period; terminating all of a batch cancels its activity. A batch lost with its worker
 * (its heartbeat stops) loses only the pods that had not ended: the last heartbeat lists the others' results.
 * A batch that runs longer than a moment reports its pods' ends as they come (SIGNAL_POD_BATCH_ENDED): a pod
 * stopped alone, or one that ended beside a long one, ends for the Job then, as it would alone. Histories
 * without those signals take the same steps as before them: each pod still ends once, at its batch's end.
 */
import { ActivityFailure, defineSignal, setHandler, TimeoutFailure } from '@temporalio/workflow';
import { SIGNAL_POD_BATCH_ENDED } from '../src/shared/protocol/names.js';
import type { PodOutcome } from '../src/shared/controller/pod-lifecycle.js';
import type { PodBatchEnded, PodBatchEntry, PodBatchHeartbeat, PodBatchRequest, PodBatchResult, PodRunRequest } from '../src/shared/protocol/pod-runs.js';
import { outcomeOfFailure } from './pod-activity.js';
import { startCancellable, type sharedPodRunScope } from './pod-cancel.js';

interface Batch {
  /** The pods in the request's order, by name, and the attempt key each run has. */
  readonly pods: { name: string; attemptKey: string }[];
  /** The pods that have not ended for the Job (not reported ended). */
  readonly open: Set<string>;
  /** Attempt keys of pods asked to stop, for the batch's worker. */
  readonly stopping: Set<string>;
  readonly cancel: () => void;
}

export interface BatchedPod {
  request: Omit<PodRunRequest, 'job' | 'workflowId'>;
  attemptKey: string;
}

export class PodBatches {
  private readonly batches = new Map<string, Batch>();
  /** Which batch runs a pod, by pod name. */
  private readonly batchOf = new Map<string, string>();
  private nextBatch = 0;

  constructor(
    private readonly runBatch: (request: PodBatchRequest, summary: string) => Promise<PodBatchResult>,
    private readonly batchIdPrefix: string,
    /** A pod's run ended (each pod of a batch once). */
    private readonly ended: (podName: string, outcome: PodOutcome) => void,
    /** kjob/testing: stops a pod run in the worker's process (workflows/pod-cancel.ts), instead of the stop list. */
    private readonly stopInProcess: ((attemptKey: string) => void) | undefined,
  ) {
    setHandler(podBatchEndedSignal, (report) => this.reported(report));
  }

  /** Batches in flight: each is one pending activity. */
  get size(): number {
    return this.batches.size;
  }

  holds(podName: string): boolean {
    return this.batchOf.has(podName);
  }

  /** Starts one batch (inside `inPodRunScope`). */
  start(scope: ReturnType<typeof sharedPodRunScope>, job: PodBatchRequest['job'], pods: BatchedPod[], summary: string): void {
    const batchId = `${this.batchIdPrefix}${this.nextBatch++}`;
    const request: PodBatchRequest = { batchId, job, pods: pods.map((p) => p.request) };
    const { running, cancel } = startCancellable(scope, () => this.runBatch(request, summary));
    const batch: Batch = {
      pods: pods.map((p) => ({ name: p.request.podName, attemptKey: p.attemptKey })),
      open: new Set(pods.map((p) => p.request.podName)),
      stopping: new Set(),
      cancel,
    };
    this.batches.set(batchId, batch);
    for (const name of batch.open) this.batchOf.set(name, batchId);
    running.then(
      (result) => this.settle(batchId, (i) => outcomeOfEntry(result.results[i])),
      (error: unknown) => {
        const fallback = outcomeOfFailure(error);
        const reported = new Map(heartbeatOf(error)?.ended ?? []);
        this.settle(batchId, (i) => {
          const entry = reported.get(i);
          return entry ? outcomeOfEntry(entry) : fallback;
        });
      },
    );
  }

  /** Stops one pod of a batch; false if no batch runs it. All of a batch's open pods stopping cancels it. */
  terminate(podName: string): boolean {
    const batchId = this.batchOf.get(podName);
    const batch = batchId === undefined ? undefined : this.batches.get(batchId);
    if (!batch) return false;
    const pod = batch.pods.find((p) => p.name === podName);
    if (!pod || !batch.open.has(podName)) return true;
    if (this.stopInProcess) {
      this.stopInProcess(pod.attemptKey);
      return true;
    }
    batch.stopping.add(pod.attemptKey);
    if (batch.pods.every((p) => !batch.open.has(p.name) || batch.stopping.has(p.attemptKey))) batch.cancel();
    return true;
  }

  terminateAll(): void {
    for (const batch of this.batches.values()) {
      if (this.stopInProcess) for (const pod of batch.pods) if (batch.open.has(pod.name)) this.stopInProcess(pod.attemptKey);
      else batch.cancel();
    }
  }

  /** The attempt keys of batched pods asked to stop (QUERY_POD_RUN_STOPS). */
  stops(): string[] {
    const keys: string[] = [];
    for (const batch of this.batches.values()) keys.push(...batch.stopping);
    return keys;
  }

  /** Pods of a running batch ended (its worker's report): they end for the Job now, not with their batch. */
  private reported({ batchId, ended }: PodBatchEnded): void {
    const batch = this.batches.get(batchId);
    if (!batch || !Array.isArray(ended)) return;
    for (const [position, entry] of ended) {
      const pod = batch.pods[position];
      if (!pod || !batch.open.has(pod.name)) continue;
      this.endPod(batch, pod);
      this.ended(pod.name, outcomeOfEntry(entry));
    }
  }

  /** The batch's activity ended: its pods not yet reported ended end now. */
  private settle(batchId: string, outcomeAt: (position: number) => PodOutcome): void {
    const batch = this.batches.get(batchId);
    if (!batch) return;
    this.batches.delete(batchId);
    batch.pods.forEach((pod, i) => {
      if (!batch.open.has(pod.name)) return;
      this.endPod(batch, pod);
      this.ended(pod.name, outcomeAt(i));
    });
  }

  private endPod(batch: Batch, pod: Batch['pods'][number]): void {
    batch.open.delete(pod.name);
    batch.stopping.delete(pod.attemptKey);
    this.batchOf.delete(pod.name);
  }
}

const podBatchEndedSignal = defineSignal<[PodBatchEnded]>(SIGNAL_POD_BATCH_ENDED);

function outcomeOfEntry(entry: PodBatchEntry | undefined): PodOutcome {
  if (!entry) return { kind: 'aborted', message: 'the pod batch returned no result for the pod' };
  return 'result' in entry ? { kind: 'exited', result: entry.result } : { kind: 'aborted', message: entry.aborted };
}

/** The last heartbeat of a batch that failed (lost with its worker: a heartbeat timeout carries it). */
function heartbeatOf(error: unknown): PodBatchHeartbeat | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  const details = cause instanceof TimeoutFailure ? (cause.lastHeartbeatDetails as PodBatchHeartbeat | undefined) : undefined;
  return details && Array.isArray(details.ended) ? details : undefined;
}
