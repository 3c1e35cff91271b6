/**
 * Stopping one pod of a batch (workflows/pod-batches.ts): the Job's workflow lists the batched pods it wants
 * stopped, and this worker asks for the list (QUERY_POD_RUN_STOPS) once a second for each Job with a batch
 * here that has run longer than a second; a short batch ends before anyone asks. The pods named stop as if
 * their own activity had been cancelled.
 */
import type { Client } from '@temporalio/client';
import { QUERY_POD_RUN_STOPS } from '../src/shared/protocol/names.js';
import { PodRunStops } from './pod-run-stops.js';

const ASK_EVERY_MS = 1_000;
const ASK_TIMEOUT_MS = 2_000;

interface Watched {
  client: Client;
  /** When each batch of the Job running here started. */
  batches: Set<{ startedAt: number }>;
}

export class BatchStops {
  private readonly runs = new PodRunStops();
  private readonly jobs = new Map<string, Watched>();

  /** A pod of a batch starts: its termination aborts when its batch's activity is cancelled or it is listed. */
  track(attemptKey: string, cancellation: AbortSignal): AbortSignal & { release(): void } {
    return this.runs.track(attemptKey, cancellation);
  }

  /** A batch of the Job `workflowId` runs here until the returned function is called. */
  watch(client: Client, workflowId: string): () => void {
    const batch = { startedAt: Date.now() };
    const known = this.jobs.get(workflowId);
    const job = known ?? { client, batches: new Set() };
    // Added before the asking starts: the loop runs while the Job has batches here, and would end at once.
    job.batches.add(batch);
    if (!known) {
      this.jobs.set(workflowId, job);
      void this.ask(workflowId, job);
    }
    return () => job.batches.delete(batch);
  }

  private async ask(workflowId: string, job: Watched): Promise<void> {
    while (job.batches.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, ASK_EVERY_MS));
      const longest = Math.min(...[...job.batches].map((b) => b.startedAt));
      if (job.batches.size === 0 || Date.now() - longest < ASK_EVERY_MS) continue;
      try {
        // Bounded, as the owner query is: a Job workflow whose worker died waits on that worker's sticky queue.
        const stops = await job.client.withDeadline(Date.now() + ASK_TIMEOUT_MS, () => job.client.workflow.getHandle(workflowId).query<string[]>(QUERY_POD_RUN_STOPS));
        this.runs.stopRunning(stops);
      } catch {
        // Asked again in a second; a Job gone for good cancels its batches' activities anyway.
      }
    }
    this.jobs.delete(workflowId);
  }
}
