/**
 * Reading a Job for `JobClient`: its workflow described (NotFound when there is none, or it was deleted by a mark),
 * its result awaited (one at a time for the time-skipping test server, failed once the workflow stalls), and the
 * reads that take a finished Job from its result and query a running one (src/client/running-job-read.ts).
 */
import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { decodePayloads } from '../codec/data-converter.js';
import type { LazyTemporalClient } from './temporal-client.js';
import { readRunningJob } from './running-job-read.js';
import { finishedJobResult } from './job-result.js';
import { watchForStall, WorkflowStalledError } from './stall-watch.js';
import { markedDeleted } from './execution-deletion.js';
import { closedWithJob, resultPods, type JobWorkflowResult } from '../shared/protocol/job-workflow.js';
import { type PodBatchHeartbeat, type PodHeartbeatDetails } from '../shared/protocol/pod-runs.js';
import { jobWorkflowId, QUERY_EVENTS, QUERY_JOB, QUERY_LOGS, QUERY_PODS } from '../shared/protocol/names.js';
import { NotFoundError, WaitTimeoutError } from '../shared/errors.js';
import type { ContainerLog, Job, JobEvent, Pod } from '../shared/kubernetes-types.js';

const QUERY_ATTEMPTS = 3;

/** The `JobClientOptions` that reads follow (documented there). */
export interface JobReadOptions {
  serializeResults?: boolean;
  queryAttemptTimeoutMs?: number;
  deletionMarks?: boolean;
  stallTimeoutMs?: number;
}

/** A running container's log so far: its last bytes (`tail`) and how many bytes it has written in all. */
export interface LiveLog {
  pod: string;
  container: string;
  totalBytes: number;
  tail: string;
}

export interface PodLog {
  pod: string;
  container: string;
  text: string;
  truncatedBytes: number;
}

export class JobReads {
  private resultQueue: Promise<unknown> = Promise.resolve();
  private readonly queryAttemptTimeoutMs: number;

  constructor(
    private readonly temporal: LazyTemporalClient,
    private readonly options: JobReadOptions,
  ) {
    this.queryAttemptTimeoutMs = options.queryAttemptTimeoutMs ?? 5_000;
  }

  async handle(name: string, namespace: string): Promise<WorkflowHandle> {
    return (await this.temporal.get()).workflow.getHandle(jobWorkflowId(namespace, name));
  }

  /**
   * A workflow's result, awaited one at a time when `serializeResults` is set. `giveUp` ends the await (a wait's
   * timeout): the call to the server is cancelled, so a Job that never ends does not keep its place in the queue.
   */
  result(handle: WorkflowHandle, giveUp?: AbortSignal): Promise<JobWorkflowResult> {
    if (!this.options.serializeResults) return this.watchedResult(handle, giveUp);
    const next = this.resultQueue.then(() => this.watchedResult(handle, giveUp));
    this.resultQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * The finished Job from its workflow. With `stallTimeoutMs` (kjob/testing), a workflow that stalls fails the
   * await instead and is terminated: its open workflow task would otherwise keep the test server's time from
   * skipping for every later test.
   */
  private async watchedResult(handle: WorkflowHandle, giveUp: AbortSignal | undefined): Promise<JobWorkflowResult> {
    if (giveUp?.aborted) throw giveUp.reason;
    const client = await this.temporal.get();
    const cancel = new AbortController();
    const stop = () => cancel.abort(giveUp?.reason);
    giveUp?.addEventListener('abort', stop, { once: true });
    const awaited = client.withAbortSignal(cancel.signal, () => finishedJobResult(handle));
    const { stallTimeoutMs } = this.options;
    const [, namespace, name] = handle.workflowId.split('/');
    const watch =
      stallTimeoutMs === undefined
        ? undefined
        : watchForStall(handle, `jobs.batch ${JSON.stringify(name)} (namespace ${JSON.stringify(namespace)}), awaited until it finishes`, stallTimeoutMs);
    try {
      return await (watch ? Promise.race([awaited, watch.stalled]) : awaited);
    } catch (error) {
      if (!(error instanceof WorkflowStalledError)) throw error;
      cancel.abort();
      await handle.terminate('kjob: the Job made no progress').catch(() => undefined);
      throw new WorkflowStalledError(`${error.message}; its workflow was terminated, so that the environment can go on`);
    } finally {
      watch?.stop();
      giveUp?.removeEventListener('abort', stop);
    }
  }

  /** The Job's workflow as the server describes it; NotFound when there is none. */
  async describe(handle: WorkflowHandle, name: string, namespace: string): Promise<WorkflowExecutionDescription> {
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError(namespace, name);
      throw error;
    }
    if (this.options.deletionMarks && (await markedDeleted(await this.temporal.get(), handle.workflowId, description.runId))) {
      throw new NotFoundError(namespace, name);
    }
    return description;
  }

  get(name: string, namespace: string): Promise<Job> {
    return this.read(name, namespace, (result) => result.job, (handle) => handle.query<Job>(QUERY_JOB));
  }

  pods(name: string, namespace: string): Promise<Pod[]> {
    return this.read(name, namespace, resultPods, (handle) => handle.query<Pod[]>(QUERY_PODS));
  }

  events(name: string, namespace: string): Promise<JobEvent[]> {
    return this.read(name, namespace, (result) => result.events, (handle) => handle.query<JobEvent[]>(QUERY_EVENTS));
  }

  async logs(name: string, namespace: string, options: { pod?: string; container?: string }): Promise<PodLog[]> {
    const pods = (await this.pods(name, namespace)).filter((p) => !options.pod || p.metadata.name === options.pod);
    if (options.pod && pods.length === 0) throw new NotFoundError(namespace, options.pod);
    const names = pods.map((pod) => pod.metadata.name);
    // Every pod's query runs within the read, so each attempt's deadline and retry cover them all; one at a
    // time, so that a Job of thousands of pods does not flood its worker.
    const logsOfPods = await this.read(
      name,
      namespace,
      (result) => names.map((pod) => result.logs[pod] ?? null),
      async (handle) => {
        const logs: (ContainerLog[] | null)[] = [];
        for (const pod of names) logs.push(await handle.query<ContainerLog[] | null, [string]>(QUERY_LOGS, pod));
        return logs;
      },
    );
    const out: PodLog[] = [];
    for (const [i, pod] of pods.entries()) {
      for (const log of logsOfPods[i] ?? []) {
        if (options.container && log.container !== options.container) continue;
        out.push({ pod: pod.metadata.name, ...log });
      }
    }
    return out;
  }

  /** The running containers' logs so far, from their pods' last heartbeats (pending activities' details). */
  async liveLogs(name: string, namespace: string): Promise<LiveLog[]> {
    const client = await this.temporal.get();
    const handle = await this.handle(name, namespace);
    const pending = (await this.describe(handle, name, namespace)).raw.pendingActivities ?? [];
    const converter = client.options.loadedDataConverter;
    const live: LiveLog[] = [];
    for (const activity of pending) {
      // Raw from the server: encrypted when the worker encrypts.
      const [payload] = await decodePayloads(converter, activity.heartbeatDetails?.payloads?.slice(0, 1) ?? []);
      if (!payload) continue;
      // A pod's own heartbeat, or a batch's with its running pods that have output (activities/run-pod-batch.ts).
      const details = converter.payloadConverter.fromPayload<PodHeartbeatDetails | PodBatchHeartbeat | undefined>(payload);
      const pods = details && 'batchId' in details ? (Array.isArray(details.pods) ? details.pods : []) : details ? [details] : [];
      for (const pod of pods) if (Array.isArray(pod.logs)) for (const log of pod.logs) live.push({ pod: pod.pod, ...log });
    }
    return live;
  }

  /** The Job once it has finished, from its workflow's result (so time can skip on the time-skipping test server). */
  async wait(name: string, namespace: string, timeoutMs: number | undefined): Promise<Job> {
    const handle = await this.handle(name, namespace);
    // A Job deleted by a mark has a run that still exists (terminated).
    if (this.options.deletionMarks) await this.describe(handle, name, namespace);
    const giveUp = new AbortController();
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => giveUp.abort(new WaitTimeoutError(name, 'Complete or Failed')), timeoutMs);
    try {
      return (await this.result(handle, giveUp.signal)).job;
    } catch (error) {
      if (giveUp.signal.aborted) throw giveUp.signal.reason;
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError(namespace, name);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads from the result of a finished Job (no worker needed) or queries a running one. */
  private async read<T>(
    name: string,
    namespace: string,
    fromResult: (result: JobWorkflowResult) => T,
    fromQuery: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    const handle = await this.handle(name, namespace);
    const status = (await this.describe(handle, name, namespace)).status.name;
    try {
      if (closedWithJob(status)) return fromResult(await this.result(handle));
    } catch (error) {
      // A workflow that failed other than as a Failed Job carries no Job in its failure: its queries still answer.
      if (!(status === 'FAILED' && error instanceof WorkflowFailedError)) throw error;
    }
    return this.queryRunning(name, namespace, handle, fromResult, fromQuery);
  }

  private queryRunning<T>(
    name: string,
    namespace: string,
    handle: WorkflowHandle,
    fromResult: (result: JobWorkflowResult) => T,
    fromQuery: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    return readRunningJob(
      {
        query: async (deadlineMs) => (await this.temporal.get()).withDeadline(Date.now() + deadlineMs, () => fromQuery(handle)),
        describe: async () => {
          const description = await this.describe(handle, name, namespace);
          return { status: description.status.name, taskQueue: description.taskQueue };
        },
        fromResult: async () => fromResult(await this.result(handle)),
      },
      {
        firstDeadlineMs: this.queryAttemptTimeoutMs,
        attempts: QUERY_ATTEMPTS,
        jobLabel: `jobs.batch ${JSON.stringify(name)} (namespace ${JSON.stringify(namespace)})`,
        notFound: () => new NotFoundError(namespace, name),
      },
    );
  }
}
