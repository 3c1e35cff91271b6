/**
 * `JobClient`: create, apply, get, list, wait for, delete Jobs and read their pods and logs. Each Job is the
 * workflow `kjob/<namespace>/<name>`; creating a name that exists gives AlreadyExists and never a second
 * workflow, even when two clients race. Reading a Job is JobReads' job (job-reads.ts), starting its workflow
 * JobCreation's (job-creation.ts); apply's comparison is in job-apply.ts, the delete in job-deletion.ts.
 */
import type { Client } from '@temporalio/client';
import { existingOrCreated } from './existing-or-created.js';
import { specToApply } from './job-apply.js';
import { LazyTemporalClient, type TemporalClientOptions } from './temporal-client.js';
import { JobReads, type LiveLog, type PodLog } from './job-reads.js';
import { JobCreation } from './job-creation.js';
import { deleteJob } from './job-deletion.js';
import { listById } from './list-by-id.js';
import { mergeSpecPatch, type JobSpecPatch } from '../shared/controller/spec-patch.js';
import { isFinished } from '../shared/controller/job-phase.js';
import { JobValidationError, UnsupportedChangeError } from '../shared/errors.js';
import { specPatch, validateJobSpecUpdate } from '../shared/manifest/update-rules.js';
import { DEFAULT_NAMESPACE } from '../shared/manifest/defaults.js';
import type { ManifestInput } from '../shared/manifest/documents.js';
import { JOB_VALIDATION, parseJobManifests } from '../shared/manifest/parse.js';
import { manifestsOf, type Validated } from '../shared/manifest/validated.js';
import type { JobManifest } from '../shared/manifest/schema.js';
import type { Job, JobEvent, JobSpec, Pod } from '../shared/kubernetes-types.js';
import { DEFAULT_TASK_QUEUE, JOB_WORKFLOW_ID_PREFIX, JOB_WORKFLOW_TYPE, jobWorkflowId, UPDATE_PATCH_JOB } from '../shared/protocol/names.js';

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

/** What `create`, `createAll` and `apply` take: YAML or JSON text, objects, or a manifest already validated. */
export type JobInput = ManifestInput | Validated<'Job', JobManifest>;

export class JobClient {
  private readonly temporal: LazyTemporalClient;
  private readonly reads: JobReads;
  private readonly creation: JobCreation;
  readonly taskQueue: string;
  readonly namespace: string;

  constructor(private readonly options: JobClientOptions = {}) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.temporal = new LazyTemporalClient(options);
    this.reads = new JobReads(this.temporal, options);
    this.creation = new JobCreation(this.temporal, options, this.taskQueue, this.namespace);
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
    return this.creation.searchAttributesRegistered();
  }

  /** Creates one Job from a manifest (YAML, JSON, object, or validated). */
  async create(input: JobInput): Promise<Job> {
    const manifests = manifestsOf(input, JOB_VALIDATION);
    if (manifests.length !== 1) throw new TypeError(`create takes one Job, got ${manifests.length}; use createAll`);
    return this.creation.start(manifests[0] as JobManifest);
  }

  /**
   * Creates every Job of a multi-document input. All documents are validated before any Job starts, so an
   * invalid document creates nothing.
   */
  async createAll(input: JobInput): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const manifest of manifestsOf(input, JOB_VALIDATION)) jobs.push(await this.creation.start(manifest));
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
        () => this.creation.start(manifest),
      );
      if (created) {
        results.push({ job: created, action: 'created' });
        continue;
      }
      const spec = specToApply(existing, manifest);
      if (spec === undefined) results.push({ job: existing, action: 'unchanged' });
      else results.push({ job: await this.changeSpec(existing, spec), action: 'configured' });
    }
    return results;
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
    const handle = await this.reads.handle(current.metadata.name, current.metadata.namespace);
    return handle.executeUpdate<Job, [JobSpecPatch]>(UPDATE_PATCH_JOB, { args: [patch] });
  }

  /** The Job with its current status; works on running and finished Jobs. */
  async get(name: string, ref: JobRef = {}): Promise<Job> {
    return this.reads.get(name, ref.namespace ?? this.namespace);
  }

  /** The Job's pods, Kubernetes-shaped, in creation order. */
  async pods(name: string, ref: JobRef = {}): Promise<Pod[]> {
    return this.reads.pods(name, ref.namespace ?? this.namespace);
  }

  /** The Job's events (SuccessfulCreate, Completed, BackoffLimitExceeded, …), oldest first. */
  async events(name: string, ref: JobRef = {}): Promise<JobEvent[]> {
    return this.reads.events(name, ref.namespace ?? this.namespace);
  }

  /** Logs of a Job's pods (all pods, or the one named `pod`), the kept tail of each container. */
  async logs(name: string, options: JobRef & { pod?: string; container?: string } = {}): Promise<PodLog[]> {
    return this.reads.logs(name, options.namespace ?? this.namespace, options);
  }

  /**
   * The log output of the Job's running containers so far, as their pods' last heartbeats carry it (the end of
   * each log, with the total bytes written): what `kjob logs -f` shows before a container ends.
   */
  async liveLogs(name: string, ref: JobRef = {}): Promise<LiveLog[]> {
    return this.reads.liveLogs(name, ref.namespace ?? this.namespace);
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
    return this.reads.wait(name, options.namespace ?? this.namespace, options.timeoutMs);
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
    const client = await this.client();
    await deleteJob(client, this.reads, name, options.namespace ?? this.namespace, {
      foreground: policy === 'Foreground',
      deletionMarks: this.options.deletionMarks,
      taskQueue: this.taskQueue,
    });
  }
}

