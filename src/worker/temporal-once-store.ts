/**
 * `ctx.once` committed through the Job's own workflow (the default once-store): the pod run claims the key with
 * an update, runs the function, and commits its value with another; a replacement pod on any worker host of the
 * cluster, with no shared disk, gets the committed value without running the function. The workflow decides
 * (src/shared/controller/once-records.ts): a claim held by a pod run that has ended is free again; a run the
 * Job does not consider running (a zombie pod of a lost worker) is refused. A claim held by another running pod
 * run is asked again after a short wait, as FileOnceStore waits on its lock.
 *
 * Guarantee: once `fn` has returned and its result is committed, it never runs again for that key. A crash
 * inside `fn`, before the commit, runs it again: make `fn` itself idempotent (pass it the key) when that matters.
 */
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { UPDATE_ONCE_CLAIM, UPDATE_ONCE_COMMIT } from '../shared/protocol/names.js';
import { ONCE_HELD, ONCE_REFUSED, type OnceClaimRequest, type OnceClaimResult, type OnceCommitRequest, type OnceCommitResult } from '../shared/protocol/once.js';
import type { OncePodRun, OnceStore } from './once-store.js';

export interface TemporalOnceStoreOptions {
  /** The client to reach the Job's workflow with (default: the running activity's, `Context.current().client`). */
  client?: () => Client;
  /** How long a waiter waits before claiming again (default 200 ms). */
  pollMs?: number;
  /**
   * Once updates this process has in flight to one Job at most (default 8): the server admits 10 per workflow
   * (history.maxInFlightUpdates) and refuses more with ResourceExhausted, which the client retries after a
   * back-off of a second or more; waiting here for a turn is quicker.
   */
  maxInFlightPerJob?: number;
  /**
   * How long an update that failed for a passing reason (the Job continuing as new, its new run not yet
   * answering, the server unavailable) is tried again (default 60 s).
   */
  retryForMs?: number;
}

export class TemporalOnceStore implements OnceStore {
  /**
   * The calls of this process in flight, by pod run and key: the Job sees one pod run holding a claim, so two calls
   * of one key in one run (Promise.all) take turns here.
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Updates in flight to each Job, and the calls waiting for a turn. */
  private readonly updating = new Map<string, { active: number; waiting: (() => void)[] }>();

  constructor(private readonly options: TemporalOnceStoreOptions = {}) {}

  async once<T>(key: string, fn: () => Promise<T> | T, signal?: AbortSignal, pod?: OncePodRun): Promise<T> {
    if (!pod) throw new Error('TemporalOnceStore: once needs the pod run (its workflowId, attemptKey and jobUid)');
    const turn = `${pod.workflowId}\n${pod.attemptKey}\n${key}`;
    for (let other = this.inFlight.get(turn); other; other = this.inFlight.get(turn)) await other.catch(() => undefined);
    const call = this.claimRunCommit(key, fn, signal, pod);
    this.inFlight.set(turn, call);
    try {
      return await call;
    } finally {
      if (this.inFlight.get(turn) === call) this.inFlight.delete(turn);
    }
  }

  private async claimRunCommit<T>(key: string, fn: () => Promise<T> | T, signal: AbortSignal | undefined, pod: OncePodRun): Promise<T> {
    const client = this.options.client?.() ?? Context.current().client;
    const handle = client.workflow.getHandle(pod.workflowId);
    const request: OnceClaimRequest = { key, attemptKey: pod.attemptKey, jobUid: pod.jobUid };
    for (;;) {
      const claim = await this.update<OnceClaimResult>(handle, UPDATE_ONCE_CLAIM, request, signal).catch(heldBy);
      if ('done' in claim) return claim.done as T;
      if ('claimed' in claim) break;
      await sleep(this.options.pollMs ?? 200, undefined, signal ? { signal } : {});
    }
    const value = await fn();
    // Not given the signal: an effect that happened is committed even by a pod being terminated (its run is
    // alive until it ends), or its replacement would do it again.
    const commit: OnceCommitRequest = { ...request, value: value ?? null };
    await this.update<OnceCommitResult>(handle, UPDATE_ONCE_COMMIT, commit);
    return value;
  }

  /** One update, tried again while it fails for a passing reason; a refusal fails the pod's once at once. */
  private async update<R>(handle: WorkflowHandle, name: string, request: OnceClaimRequest, signal?: AbortSignal): Promise<R> {
    const giveUpAt = Date.now() + (this.options.retryForMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      try {
        // Bounded by the retry window, and by the pod's termination where given: a Job whose workflow tasks keep
        // failing never answers, and the call must not wait for it without end.
        const send = () => handle.client.withDeadline(giveUpAt, () => handle.executeUpdate<R, [OnceClaimRequest]>(name, { args: [request] }));
        return await this.inTurn(handle.workflowId, signal ? () => handle.client.withAbortSignal(signal, send) : send);
      } catch (error) {
        if (rejection(error, ONCE_HELD) !== undefined) throw error;
        if (refusal(error)) throw new Error(`ctx.once ${JSON.stringify(request.key)}: ${refusal(error)}`, { cause: error });
        if (Date.now() >= giveUpAt) throw new Error(`ctx.once ${JSON.stringify(request.key)}: the Job's workflow did not answer: ${(error as Error).message}`, { cause: error });
        await sleep(Math.min(100 * 2 ** attempt, 2_000), undefined, signal ? { signal } : {});
      }
    }
  }

  /** Runs `send` once fewer than maxInFlightPerJob updates to the Job are in flight from this process. */
  private async inTurn<R>(workflowId: string, send: () => Promise<R>): Promise<R> {
    let turns = this.updating.get(workflowId);
    if (!turns) this.updating.set(workflowId, (turns = { active: 0, waiting: [] }));
    const ready = turns;
    if (ready.active >= (this.options.maxInFlightPerJob ?? 8)) await new Promise<void>((resolve) => ready.waiting.push(resolve));
    else ready.active++;
    try {
      return await send();
    } finally {
      // The turn passes to the next waiter as it is (active unchanged), or is given back.
      const next = ready.waiting.shift();
      if (next) next();
      else if (--ready.active === 0) this.updating.delete(workflowId);
    }
  }
}

/** The Job's answer as a rejection of type `type` (a refusal, or the claim's holder), else undefined. */
function rejection(error: unknown, type: string): string | undefined {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === type ? cause.message : undefined;
}

/** The Job's refusal (asking again cannot change it), or undefined for a failure that may pass. */
const refusal = (error: unknown) => rejection(error, ONCE_REFUSED);

/** A claim rejected because another running pod run holds it: wait and ask again. */
function heldBy(error: unknown): OnceClaimResult {
  const holder = rejection(error, ONCE_HELD);
  if (holder === undefined) throw error;
  return { heldBy: holder };
}
