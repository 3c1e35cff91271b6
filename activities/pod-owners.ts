/**
 * The pod owners (a Job's identity and pod template) that pod runs name by hash (src/shared/protocol/
 * pod-run-wire.ts), as this worker knows them: asked of the Job's workflow once (QUERY_POD_TEMPLATE) and kept,
 * so a Job's pods do not each carry their template through the history. Concurrent pods of one Job share the
 * one query.
 */
import type { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isOwnerRef } from '../src/shared/protocol/pod-run-wire.js';
import { HEARTBEAT_INTERVAL_MS } from './pod-heartbeat.js';
import { QUERY_POD_TEMPLATE } from '../src/shared/protocol/names.js';
import type { PodOwner, PodOwnerRef } from '../src/shared/protocol/pod-runs.js';
import { untilStopped } from './abortable-wait.js';

/**
 * The owner of a pod run's request: its own, or the one its hash names. The activity heartbeats while it asks
 * (a workflow the worker must replay first can take longer than the heartbeat timeout to answer).
 */
export async function ownerOfRequest(owners: PodOwners, ctx: Context, workflowId: string, job: PodOwner | PodOwnerRef): Promise<PodOwner> {
  if (!isOwnerRef(job)) return job;
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    // The answer is shared by the Job's pods here; each stops waiting for it when it is itself stopped.
    const stopped = untilStopped(ctx.cancellationSignal).then(() => Promise.reject(new Error('the pod was stopped before its owner was read')));
    // A stop after the owner came must not be an unhandled rejection.
    stopped.catch(() => undefined);
    return await Promise.race([owners.get(ctx.client, workflowId, job.ownerRef), stopped]);
  } finally {
    clearInterval(beat);
  }
}

/** Owners kept (one per Job and template version that ran here lately). */
const KEPT = 256;
/** How long a pod waits for its Job's workflow to answer before it fails (a busy or replaying workflow is slow). */
const ANSWER_WITHIN_MS = 60_000;
/** How long one query may take. */
const ASK_TIMEOUT_MS = 5_000;

export class PodOwners {
  private readonly known = new Map<string, Promise<PodOwner>>();

  /** The owner `hash` of a pod of the Job whose workflow is `workflowId`; fails if that workflow does not know it. */
  get(client: Client, workflowId: string, hash: string): Promise<PodOwner> {
    const key = `${workflowId}\n${hash}`;
    const known = this.known.get(key);
    if (known) {
      // Most recently used last, so the oldest goes first.
      this.known.delete(key);
      this.known.set(key, known);
      return known;
    }
    const asked = ask(client, workflowId, hash);
    this.known.set(key, asked);
    asked.catch(() => this.known.get(key) === asked && this.known.delete(key));
    if (this.known.size > KEPT) this.known.delete(this.known.keys().next().value as string);
    return asked;
  }
}

async function ask(client: Client, workflowId: string, hash: string): Promise<PodOwner> {
  const giveUpAt = Date.now() + ANSWER_WITHIN_MS;
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    let failure: unknown;
    try {
      // Each try is bounded: a query for a workflow whose worker has died waits on that worker's sticky queue.
      const owner = await client.withDeadline(Date.now() + ASK_TIMEOUT_MS, () =>
        client.workflow.getHandle(workflowId).query<PodOwner | null, [string]>(QUERY_POD_TEMPLATE, hash),
      );
      if (owner) return owner;
      throw new UnknownOwnerError(`the Job's workflow ${workflowId} does not know pod owner ${hash}`);
    } catch (error) {
      if (error instanceof UnknownOwnerError) throw error;
      failure = error;
    }
    if (Date.now() + delay > giveUpAt) {
      throw new Error(`could not read the pod's owner from the Job's workflow ${workflowId}: ${String(failure)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

class UnknownOwnerError extends Error {}
