/**
 * Where a wide Job's pod runs go once the Job's own workflow holds as many as it may: to pod runner shards
 * (workflows/shard.ts), started as abandoned children so they outlive the Job's continue-as-new. Keeps which pod
 * runs where and how loaded each shard is; that bookkeeping is carried across continue-as-new.
 */
import { getExternalWorkflowHandle, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { PodShardInput } from '../src/shared/protocol/pod-runs.js';
import type { PodRunRequest } from '../src/shared/protocol/pod-runs.js';
import { kjobPodShard, shardCloseSignal, shardRunPodSignal, shardTerminatePodSignal } from './shard.js';

export interface ShardRouterState {
  nextShard: number;
  shards: [string, { active: number; served: number; closed: boolean }][];
  placement: [string, string][];
}

/** Shard ids carry the Job's uid: a re-created Job of the same name can tell the old one's shards from its own. */
export function shardIdPrefix(job: { namespace: string; name: string; uid: string }): string {
  return `kjob-shard/${job.namespace}/${job.name}/${job.uid}/`;
}

export class ShardRouter {
  private nextShard: number;
  private readonly shards: Map<string, { active: number; served: number; closed: boolean }>;
  /** Pod name → the shard running it. */
  private readonly placement: Map<string, string>;
  private readonly started = new Map<string, Promise<unknown>>();

  constructor(
    private readonly shardInput: PodShardInput,
    private readonly limits: { podRunsPerShard: number; runsPerShard: number },
    /** Told when a run request could not be delivered (the shard failed to start, or is gone): the run is lost. */
    private readonly onUndelivered: (podName: string, message: string) => void,
    carried?: ShardRouterState,
  ) {
    this.nextShard = carried?.nextShard ?? 0;
    this.shards = new Map(carried?.shards ?? []);
    this.placement = new Map(carried?.placement ?? []);
  }

  get inFlight(): number {
    return this.placement.size;
  }

  runs(podName: string): boolean {
    return this.placement.has(podName);
  }

  /** Sends a signal once the shard exists (a shard this run started may still be starting). */
  private send(
    shardId: string,
    send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>,
    onFailure: (error: unknown) => void = () => undefined,
  ): void {
    const handle = getExternalWorkflowHandle(shardId);
    const ready = this.started.get(shardId) ?? Promise.resolve();
    const sent = ready.then(() => send(handle)).catch(onFailure);
    // The chain carries on after a failure, so later signals to the shard are still tried (and reported).
    this.started.set(shardId, sent.catch(() => undefined));
  }

  start(input: PodRunRequest, summary: string, job: { metadata: { name: string; namespace: string; uid: string } }): void {
    let shardId = [...this.shards].find(([, s]) => !s.closed && s.active < this.limits.podRunsPerShard)?.[0];
    if (shardId === undefined) {
      shardId = `${shardIdPrefix(job.metadata)}${this.nextShard++}`;
      this.shards.set(shardId, { active: 0, served: 0, closed: false });
      this.started.set(
        shardId,
        startChild(kjobPodShard, {
          workflowId: shardId,
          args: [this.shardInput],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          taskQueue: workflowInfo().taskQueue,
          staticSummary: `pod runner ${shardId.split('/').pop()} of Job ${job.metadata.namespace}/${job.metadata.name}`,
        }),
      );
    }
    const shard = this.shards.get(shardId)!;
    shard.active++;
    shard.served++;
    this.placement.set(input.podName, shardId);
    this.send(
      shardId,
      (handle) => handle.signal(shardRunPodSignal, { input, summary }),
      (error) => {
        if (!this.placement.has(input.podName)) return;
        this.ended(input.podName);
        this.onUndelivered(input.podName, `the pod runner shard ${shardId} could not take the run: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    // A shard that has taken its share of runs closes once they end; later runs go to a fresh shard.
    if (shard.served >= this.limits.runsPerShard) {
      shard.closed = true;
      this.send(shardId, (handle) => handle.signal(shardCloseSignal));
    }
  }

  terminate(podName: string): void {
    const shardId = this.placement.get(podName);
    if (shardId !== undefined) this.send(shardId, (handle) => handle.signal(shardTerminatePodSignal, podName));
  }

  terminateAll(): void {
    for (const podName of this.placement.keys()) this.terminate(podName);
  }

  /** A shard reported the end of a run. */
  ended(podName: string): void {
    const shardId = this.placement.get(podName);
    if (shardId === undefined) return;
    this.placement.delete(podName);
    const shard = this.shards.get(shardId);
    if (shard) shard.active--;
  }

  /** The Job is over: every open shard is told to close (each ends once its runs have). */
  closeAll(): void {
    for (const [shardId, shard] of this.shards) {
      if (shard.closed) continue;
      shard.closed = true;
      this.send(shardId, (handle) => handle.signal(shardCloseSignal));
    }
  }

  /** Waits until every signal this run sent has gone out (before the workflow ends or continues as new). */
  async flushed(): Promise<void> {
    await Promise.all(this.started.values());
  }

  /** The shards that may still run pods of this Job. */
  private openShards(): [string, { active: number; served: number; closed: boolean }][] {
    return [...this.shards].filter(([, s]) => !s.closed || s.active > 0);
  }

  openShardIds(): string[] {
    return this.openShards().map(([id]) => id);
  }

  carry(): ShardRouterState {
    return { nextShard: this.nextShard, shards: this.openShards(), placement: [...this.placement] };
  }
}
