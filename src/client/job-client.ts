/**
 * `JobClient`: create, apply, get, list, wait for, delete Jobs and read their pods and logs. Each Job is the
 * workflow `kjob/<namespace>/<name>`; creating a name that exists gives AlreadyExists and never a second
 * workflow, even when two clients race.
 */
import { randomUUID } from 'node:crypto';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { stringify } from 'yaml';
import { jobStaticSummary } from '../shared/protocol/web-ui-text.js';
import { labelEntries, SEARCH_ATTRIBUTE_DEFINITIONS, SEARCH_ATTRIBUTE_KEYS } from '../shared/protocol/search-attributes.js';
import { existingOrCreated } from './existing-or-created.js';
import { stableJson } from '../shared/stable-json.js';
import { LazyTemporalClient, type TemporalClientOptions } from './temporal-client.js';
import { readRunningJob } from './running-job-read.js';
import { finishedJobResult } from './job-result.js';
import { watchForStall } from './stall-watch.js';
import { deleteJobWorkflow } from './job-deletion.js';
import { markedDeleted } from './execution-deletion.js';
import { listById } from './list-by-id.js';
import { mergeSpecPatch, type JobSpecPatch } from '../shared/controller/spec-patch.js';
import { rfc3339 } from '../shared/controller/timestamps.js';
import { closedWithJob, type JobWorkflowInput, type JobWorkflowResult } from '../shared/protocol/job-workflow.js';
import { type PodHeartbeatDetails } from '../shared/protocol/pod-runs.js';
import { JOB_WORKFLOW_TYPE, QUERY_EVENTS, QUERY_JOB, QUERY_LOGS, QUERY_PODS, UPDATE_PATCH_JOB } from '../shared/protocol/names.js';
import { AlreadyExistsError, JobValidationError, NotFoundError, UnsupportedChangeError, WaitTimeoutError } from '../shared/errors.js';
import { specPatch, validateJobSpecUpdate } from '../shared/manifest/update-rules.js';
import { DEFAULT_NAMESPACE, materializeJob } from '../shared/manifest/defaults.js';
import type { ManifestInput } from '../shared/manifest/documents.js';
import { JOB_VALIDATION, parseJobManifests } from '../shared/manifest/parse.js';
import { manifestsOf, type Validated } from '../shared/manifest/validated.js';
import type { JobManifest } from '../shared/manifest/schema.js';
import type { ContainerLog, Job, JobEvent, JobSpec, Pod } from '../shared/kubernetes-types.js';
import { DEFAULT_TASK_QUEUE, JOB_WORKFLOW_ID_PREFIX, jobWorkflowId } from '../shared/protocol/names.js';

const QUERY_ATTEMPTS = 3;

export interface JobClientOptions extends TemporalClientOptions {
  taskQueue?: string;
  /** Kubernetes namespace for Jobs whose manifest names none (default "default"). */
  namespace?: string;
  /**
   * Await workflow results one at a time. Set by `kjob/testing`: the time-skipping test server counts
   * lock/unlock calls around each awaited result, and overlapping calls can leave time stuck or skipping.
   */
  serializeResults?: boolean;
  /**
   * How long the first query of a running Job may take before it is tried again; each retry gets twice as long
   * (default 5 s, so 35 s in all: a query normally answers in milliseconds, but a worker that must first replay a
   * long history takes seconds; with no worker at all, the server's own query timeout was about 30 s).
   */
  queryAttemptTimeoutMs?: number;
  /**
   * The server cannot delete workflows (Temporal's time-skipping test server): deleted Jobs are marked instead,
   * and reads check the mark (src/client/execution-deletion.ts). Set by `kjob/testing`.
   */
  deletionMarks?: boolean;
  /**
   * Fail an awaited result whose workflow has had a workflow task open, and nothing else happen, this long
   * (src/client/stall-watch.ts): no worker completes it, and the wait would never end. Set by `kjob/testing`.
   */
  stallTimeoutMs?: number;
}

export interface JobRef {
  /** Kubernetes namespace (default: the client's). */
  namespace?: string;
}

/** Kubernetes' deletion propagation; kubectl's `--cascade=background|foreground|orphan`. */
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface ApplyResult {
  job: Job;
  /** As kubectl apply reports: created, configured (mutable fields changed) or unchanged. */
  action: 'created' | 'configured' | 'unchanged';
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

/** What `create`, `createAll` and `apply` take: YAML or JSON text, objects, or a manifest already validated. */
export type JobInput = ManifestInput | Validated<'Job', JobManifest>;

export function isFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export class JobClient {
  private readonly temporal: LazyTemporalClient;
  private resultQueue: Promise<unknown> = Promise.resolve();
  private searchAttributesPromise: Promise<boolean> | undefined;
  readonly taskQueue: string;
  readonly namespace: string;
  private readonly queryAttemptTimeoutMs: number;

  constructor(private readonly options: JobClientOptions = {}) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.queryAttemptTimeoutMs = options.queryAttemptTimeoutMs ?? 5_000;
    this.temporal = new LazyTemporalClient(options);
  }

  /** The underlying Temporal client. */
  client(): Promise<Client> {
    return this.temporal.get();
  }

  /** Closes the connection this client opened (not one it was given). */
  close(): Promise<void> {
    return this.temporal.close();
  }

  /**
   * Whether the Temporal namespace has kjob's search attributes (the dev server registers them; a real cluster
   * once, see README). Jobs are created with them only then: starting a workflow with unregistered attributes fails.
   */
  searchAttributesRegistered(): Promise<boolean> {
    this.searchAttributesPromise ??= (async () => {
      const client = await this.client();
      try {
        const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
        return SEARCH_ATTRIBUTE_DEFINITIONS.every(({ name }) => Object.hasOwn(customAttributes ?? {}, name));
      } catch {
        // A server without the operator API (the time-skipping test server) has none.
        return false;
      }
    })();
    return this.searchAttributesPromise;
  }

  /** A workflow's result, awaited one at a time when `serializeResults` is set. */
  private result(handle: WorkflowHandle): Promise<JobWorkflowResult> {
    if (!this.options.serializeResults) return this.watchedResult(handle);
    const next = this.resultQueue.then(() => this.watchedResult(handle));
    this.resultQueue = next.catch(() => undefined);
    return next;
  }

  /** The finished Job from its workflow; with `stallTimeoutMs`, an error instead once the workflow has stalled. */
  private async watchedResult(handle: WorkflowHandle): Promise<JobWorkflowResult> {
    const { stallTimeoutMs } = this.options;
    if (stallTimeoutMs === undefined) return finishedJobResult(handle);
    const [, namespace, name] = handle.workflowId.split('/');
    const watch = watchForStall(handle, `jobs.batch ${JSON.stringify(name)} (namespace ${JSON.stringify(namespace)}), awaited until it finishes`, stallTimeoutMs);
    try {
      return await Promise.race([finishedJobResult(handle), watch.stalled]);
    } finally {
      watch.stop();
    }
  }

  private async handle(name: string, ref: JobRef = {}): Promise<WorkflowHandle> {
    return (await this.client()).workflow.getHandle(jobWorkflowId(ref.namespace ?? this.namespace, name));
  }

  /** Creates one Job from a manifest (YAML, JSON, object, or validated). */
  async create(input: JobInput): Promise<Job> {
    const manifests = manifestsOf(input, JOB_VALIDATION);
    if (manifests.length !== 1) throw new TypeError(`create takes one Job, got ${manifests.length}; use createAll`);
    return this.start(manifests[0] as JobManifest);
  }

  /**
   * Creates every Job of a multi-document input. All documents are validated before any Job starts, so an
   * invalid document creates nothing.
   */
  async createAll(input: JobInput): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const manifest of manifestsOf(input, JOB_VALIDATION)) jobs.push(await this.start(manifest));
    return jobs;
  }

  /**
   * Creates each Job that does not exist; one that exists takes the changes to its mutable fields (suspend,
   * parallelism, elastic completions, activeDeadlineSeconds, …) and is left alone when nothing changed. A change
   * to an immutable field is refused as Kubernetes refuses it.
   */
  async apply(input: JobInput): Promise<ApplyResult[]> {
    const results: ApplyResult[] = [];
    for (const manifest of manifestsOf(input, JOB_VALIDATION)) {
      const namespace = manifest.metadata?.namespace || this.namespace;
      const name = manifest.metadata?.name;
      if (!name) throw new UnsupportedChangeError('apply needs metadata.name (generateName only works with create)');
      const { existing, created } = await existingOrCreated(
        () => this.get(name, { namespace }),
        () => this.start(manifest),
      );
      if (created) {
        results.push({ job: created, action: 'created' });
        continue;
      }
      const desired = materializeJob(manifest, {
        uid: existing.metadata.uid,
        creationTimestamp: existing.metadata.creationTimestamp,
        random: Math.random,
        namespace: existing.metadata.namespace,
      });
      if (sameDesiredState(existing, desired)) {
        results.push({ job: existing, action: 'unchanged' });
        continue;
      }
      if (stableJson([labelsOf(existing), existing.metadata.annotations]) !== stableJson([labelsOf(desired), desired.metadata.annotations])) {
        throw new UnsupportedChangeError(`jobs.batch ${JSON.stringify(name)}: changing a Job's labels or annotations is not supported yet by kjob`);
      }
      results.push({ job: await this.changeSpec(existing, desired.spec), action: 'configured' });
    }
    return results;
  }

  private async start(manifest: JobManifest): Promise<Job> {
    const client = await this.client();
    const job = materializeJob(manifest, {
      uid: randomUUID(),
      creationTimestamp: rfc3339(Date.now()),
      random: Math.random,
      namespace: this.namespace,
    });
    const input: JobWorkflowInput = { job };
    const options = {
      workflowId: jobWorkflowId(job.metadata.namespace, job.metadata.name),
      taskQueue: this.taskQueue,
      args: [input],
      // A closed Job keeps its name until it is deleted, as a finished Kubernetes Job does.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: jobStaticSummary(job),
      staticDetails: `\`\`\`yaml\n${stringify(job)}\`\`\``,
      ...((await this.searchAttributesRegistered()) ? { typedSearchAttributes: initialSearchAttributes(job) } : {}),
    };
    try {
      await client.workflow.start(JOB_WORKFLOW_TYPE, options);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      if (!(await this.deletedByMark(options.workflowId))) throw new AlreadyExistsError(job.metadata.namespace, job.metadata.name);
      // The name's last run was deleted by a mark (a server that cannot delete): the name is free again.
      await client.workflow.start(JOB_WORKFLOW_TYPE, { ...options, workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE });
    }
    return job;
  }

  /** Whether the latest run of this workflow was deleted by a mark (only where `deletionMarks` is set). */
  private async deletedByMark(workflowId: string): Promise<boolean> {
    if (!this.options.deletionMarks) return false;
    const client = await this.client();
    const latest = await client.workflow.getHandle(workflowId).describe();
    return markedDeleted(client, workflowId, latest.runId);
  }

  /** Changes the mutable fields of a running Job (as `kubectl patch`); returns the Job. */
  async patch(name: string, patch: JobSpecPatch, ref: JobRef = {}): Promise<Job> {
    const current = await this.get(name, ref);
    const next = mergeSpecPatch(current.spec, patch);
    // The patched Job is new input: it is validated as any manifest is (apply's was, before it got here).
    const { status: _status, ...currentObject } = current;
    parseJobManifests({ ...currentObject, spec: next });
    return this.changeSpec(current, next);
  }

  /** Suspends a Job: its active pods are terminated (not counted as failed) and no new pods start. */
  suspend(name: string, ref: JobRef = {}): Promise<Job> {
    return this.patch(name, { suspend: true }, ref);
  }

  /** Resumes a suspended Job: pods start again and startTime (so the deadline) starts over. */
  resume(name: string, ref: JobRef = {}): Promise<Job> {
    return this.patch(name, { suspend: false }, ref);
  }

  /** Checks a valid new spec for an existing Job as Kubernetes does on update, then sends its mutable changes. */
  private async changeSpec(current: Job, next: JobSpec): Promise<Job> {
    const causes = validateJobSpecUpdate(current.spec, next);
    if (causes.length > 0) throw new JobValidationError([{ jobName: current.metadata.name, documentIndex: 0, causes }]);
    const patch = specPatch(current.spec, next);
    if (Object.keys(patch).length === 0) return current;
    if (isFinished(current)) {
      throw new UnsupportedChangeError(`jobs.batch ${JSON.stringify(current.metadata.name)}: the Job has finished; kjob takes no changes to finished Jobs`);
    }
    const handle = await this.handle(current.metadata.name, { namespace: current.metadata.namespace });
    return handle.executeUpdate<Job, [JobSpecPatch]>(UPDATE_PATCH_JOB, { args: [patch] });
  }

  /** The Job with its current status; works on running and finished Jobs. */
  async get(name: string, ref: JobRef = {}): Promise<Job> {
    return this.read(name, ref, (result) => result.job, (handle) => handle.query<Job>(QUERY_JOB));
  }

  /** The Job's pods, Kubernetes-shaped, in creation order. */
  async pods(name: string, ref: JobRef = {}): Promise<Pod[]> {
    return this.read(name, ref, (result) => result.pods, (handle) => handle.query<Pod[]>(QUERY_PODS));
  }

  /** The Job's events (SuccessfulCreate, Completed, BackoffLimitExceeded, …), oldest first. */
  async events(name: string, ref: JobRef = {}): Promise<JobEvent[]> {
    return this.read(name, ref, (result) => result.events, (handle) => handle.query<JobEvent[]>(QUERY_EVENTS));
  }

  /** Logs of a Job's pods (all pods, or the one named `pod`), the kept tail of each container. */
  async logs(name: string, options: JobRef & { pod?: string; container?: string } = {}): Promise<PodLog[]> {
    const pods = (await this.pods(name, options)).filter((p) => !options.pod || p.metadata.name === options.pod);
    if (options.pod && pods.length === 0) throw new NotFoundError(options.namespace ?? this.namespace, options.pod);
    const names = pods.map((pod) => pod.metadata.name);
    // Every pod's query runs within the read, so each attempt's deadline and retry cover them all; one at a
    // time, so that a Job of thousands of pods does not flood its worker.
    const logsOfPods = await this.read(
      name,
      options,
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

  /** Reads from the result of a finished Job (no worker needed) or queries a running one. */
  /**
   * The log output of the Job's running containers so far, as their pods' last heartbeats carry it (the end of
   * each log, with the total bytes written): what `kjob logs -f` shows before a container ends.
   */
  async liveLogs(name: string, ref: JobRef = {}): Promise<LiveLog[]> {
    const client = await this.client();
    const handle = await this.handle(name, ref);
    const pending = (await this.describeJob(handle, name, ref)).raw.pendingActivities ?? [];
    const converter = client.options.loadedDataConverter.payloadConverter;
    const live: LiveLog[] = [];
    for (const activity of pending) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const details = converter.fromPayload<PodHeartbeatDetails | undefined>(payload);
      if (!details || !Array.isArray(details.logs)) continue;
      for (const log of details.logs) live.push({ pod: details.pod, ...log });
    }
    return live;
  }

  /** The Job's workflow as the server describes it; NotFound when there is none. */
  private async describeJob(handle: WorkflowHandle, name: string, ref: JobRef): Promise<WorkflowExecutionDescription> {
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError(ref.namespace ?? this.namespace, name);
      throw error;
    }
    if (this.options.deletionMarks && (await markedDeleted(await this.client(), handle.workflowId, description.runId))) {
      throw new NotFoundError(ref.namespace ?? this.namespace, name);
    }
    return description;
  }

  private async read<T>(
    name: string,
    ref: JobRef,
    fromResult: (result: JobWorkflowResult) => T,
    fromQuery: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    const handle = await this.handle(name, ref);
    const status = (await this.describeJob(handle, name, ref)).status.name;
    if (closedWithJob(status)) return fromResult(await this.result(handle));
    return this.queryRunning(name, ref, handle, fromResult, fromQuery);
  }

  private queryRunning<T>(
    name: string,
    ref: JobRef,
    handle: WorkflowHandle,
    fromResult: (result: JobWorkflowResult) => T,
    fromQuery: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    const namespace = ref.namespace ?? this.namespace;
    return readRunningJob(
      {
        query: async (deadlineMs) => (await this.client()).withDeadline(Date.now() + deadlineMs, () => fromQuery(handle)),
        describe: async () => {
          const description = await this.describeJob(handle, name, ref);
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

  /** Jobs of one namespace (default the client's), or of all with `allNamespaces`. */
  async list(options: { namespace?: string; allNamespaces?: boolean } = {}): Promise<Job[]> {
    const client = await this.client();
    const prefix = options.allNamespaces ? JOB_WORKFLOW_ID_PREFIX : jobWorkflowId(options.namespace ?? this.namespace, '');
    const executions = client.workflow.list({ query: `WorkflowType = '${JOB_WORKFLOW_TYPE}' AND ExecutionStatus != 'ContinuedAsNew'` });
    return listById(executions, (execution) => execution.workflowId, prefix, (namespace, name) => this.get(name, { namespace }));
  }

  /**
   * Waits until the Job finishes (Complete or Failed) and returns it. On the time-skipping test server this
   * lets time skip: it awaits the workflow's result rather than polling.
   */
  async wait(name: string, options: JobRef & { timeoutMs?: number } = {}): Promise<Job> {
    const handle = await this.handle(name, options);
    // A Job deleted by a mark has a run that still exists (terminated).
    if (this.options.deletionMarks) await this.describeJob(handle, name, options);
    const result = this.result(handle);
    const finished = await (options.timeoutMs === undefined
      ? result
      : Promise.race([
          result,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new WaitTimeoutError(name, 'Complete or Failed')), options.timeoutMs).unref(),
          ),
        ])
    ).catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError(options.namespace ?? this.namespace, name);
      throw error;
    });
    return finished.job;
  }

  /**
   * Deletes a Job: its pods are terminated (SIGTERM, then SIGKILL after the grace period) and its records
   * removed, so the name can be used again.
   */
  async delete(name: string, options: JobRef & { propagationPolicy?: PropagationPolicy } = {}): Promise<void> {
    const policy = options.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') {
      throw new UnsupportedChangeError(
        `jobs.batch ${JSON.stringify(name)}: propagationPolicy Orphan is not supported by kjob: a Job's pods are activities of its workflow and cannot outlive it`,
      );
    }
    const ref: JobRef = options.namespace !== undefined ? { namespace: options.namespace } : {};
    const client = await this.client();
    const handle = await this.handle(name, ref);
    const running = (await this.describeJob(handle, name, ref)).status.name === 'RUNNING';
    // Foreground: the pods are terminated (SIGTERM, grace period) before the Job goes. Background: the Job goes
    // at once (the server terminates its workflow) and the pods notice on their next heartbeat and are stopped.
    // Where deletion is by mark (the time-skipping test server), the pods are always stopped first: pods still
    // running when their workflow is terminated leave that server's time unable to skip.
    if (running && (policy === 'Foreground' || this.options.deletionMarks)) {
      await handle.cancel();
      await this.result(handle).catch(() => undefined);
    }
    await deleteJobWorkflow(client, handle.workflowId, this.taskQueue);
    // Deletion is asynchronous on the server (about 30 s on the dev server); like `kubectl delete`, wait
    // until the Job is gone so its name can be used again.
    for (let i = 0; i < 1200; i++) {
      try {
        await this.describeJob(handle, name, ref);
      } catch (error) {
        if (error instanceof NotFoundError) return;
        throw error;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new WaitTimeoutError(name, 'deletion');
  }
}

/** The search attributes a Job starts with; the workflow keeps KjobPhase current. */
function initialSearchAttributes(job: Job): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTE_KEYS.name, value: job.metadata.name },
    { key: SEARCH_ATTRIBUTE_KEYS.namespace, value: job.metadata.namespace },
    { key: SEARCH_ATTRIBUTE_KEYS.phase, value: job.spec.suspend ? 'Suspended' : 'Running' },
    { key: SEARCH_ATTRIBUTE_KEYS.completionMode, value: job.spec.completionMode },
    { key: SEARCH_ATTRIBUTE_KEYS.labels, value: labelEntries(job.metadata.labels) },
  ];
}

/**
 * A Job's labels as Kubernetes defaults them (the template's when it has none): Jobs made by older kjob versions
 * stored none, and must not look changed when the same manifest is applied again.
 */
function labelsOf(job: Job): Record<string, string> {
  const own = job.metadata.labels;
  return own && Object.keys(own).length > 0 ? own : (job.spec.template.metadata?.labels ?? {});
}

/** Whether a manifest asks for what an existing Job already is (apply's no-op check). */
function sameDesiredState(existing: Job, desired: Job): boolean {
  const comparable = (job: Job) => stableJson({ spec: job.spec, labels: labelsOf(job), annotations: job.metadata.annotations });
  return comparable(desired) === comparable(existing);
}
