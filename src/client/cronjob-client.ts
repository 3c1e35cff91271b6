/**
 * `CronJobClient`: CronJobs as Temporal Schedules (`kjob-cron/<namespace>/<name>`), with JobClient's options.
 * Each run is a normal kjob Job (`JobClient.get('<cronjob>-<minutes>')`).
 */
import { randomUUID } from 'node:crypto';
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  type ScheduleHandle,
  type ScheduleOptions,
} from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { existingOrCreated } from './existing-or-created.js';
import { listById } from './list-by-id.js';
import { deleteJobWorkflow } from './job-deletion.js';
import { deleteExecution } from './execution-deletion.js';
import { stableJson } from '../shared/stable-json.js';
import { LazyTemporalClient } from './temporal-client.js';
import { rfc3339 } from '../shared/controller/timestamps.js';
import { AlreadyExistsError, NotFoundError, UnsupportedChangeError } from '../shared/errors.js';
import { JobClient, type JobClientOptions, type PropagationPolicy } from './job-client.js';
import { DEFAULT_NAMESPACE } from '../shared/manifest/defaults.js';
import type { ManifestInput } from '../shared/manifest/documents.js';
import { manifestsOf, type Validated } from '../shared/manifest/validated.js';
import type { Job } from '../shared/kubernetes-types.js';
import { DEFAULT_TASK_QUEUE, jobWorkflowId } from '../shared/protocol/names.js';
import { catchupWindowMs, overlapPolicyFor, scheduleSpecFor } from '../shared/cronjob/decisions.js';
import { materializeCronJob } from '../shared/cronjob/defaults.js';
import { CronJobAlreadyExistsError, CronJobNotFoundError } from '../shared/cronjob/errors.js';
import {
  CRONJOB_RUN_WORKFLOW_TYPE,
  CRONJOB_SCHEDULE_ID_PREFIX,
  CRONJOB_STATE_WORKFLOW_TYPE,
  cronJobRunWorkflowId,
  cronJobScheduleId,
  cronJobStateWorkflowId,
  QUERY_CRONJOB_STATE,
  type CronJobRunInput,
  type CronJobStateInput,
  type CronJobStateView,
} from '../shared/cronjob/protocol.js';
import type { CronJobManifest } from '../shared/cronjob/schema.js';
import type { CronJob } from '../shared/cronjob/types.js';
import { CRONJOB_VALIDATION } from '../shared/cronjob/validate.js';

export type CronJobClientOptions = Omit<JobClientOptions, 'serializeResults'>;

export interface CronJobRef {
  /** Kubernetes namespace (default: the client's). */
  namespace?: string;
}

/** What `create` and `apply` take: YAML or JSON text, objects, or a manifest already validated. */
export type CronJobInput = ManifestInput | Validated<'CronJob', CronJobManifest>;

export interface CronJobApplyResult {
  cronJob: CronJob;
  action: 'created' | 'configured' | 'unchanged';
}

export class CronJobClient {
  private readonly temporal: LazyTemporalClient;
  readonly taskQueue: string;
  readonly namespace: string;

  constructor(options: CronJobClientOptions = {}) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.temporal = new LazyTemporalClient(options);
  }

  client(): Promise<Client> {
    return this.temporal.get();
  }

  /** Closes the connection this client opened (not one it was given). */
  close(): Promise<void> {
    return this.temporal.close();
  }

  /** A JobClient on the same connection, for the CronJob's Jobs. */
  async jobs(): Promise<JobClient> {
    return new JobClient({ client: await this.client(), taskQueue: this.taskQueue, namespace: this.namespace });
  }

  private async scheduleHandle(name: string, ref: CronJobRef): Promise<ScheduleHandle> {
    return (await this.client()).schedule.getHandle(cronJobScheduleId(ref.namespace ?? this.namespace, name));
  }

  /** The Schedule for a CronJob: its run workflow gets the whole CronJob, so apply changes what later runs do. */
  private scheduleOptions(cronJob: CronJob): Omit<ScheduleOptions, 'scheduleId'> {
    const { namespace, name } = cronJob.metadata;
    const input: CronJobRunInput = { cronJob };
    const catchupWindow = catchupWindowMs(cronJob.spec);
    return {
      spec: scheduleSpecFor(cronJob.spec),
      action: {
        type: 'startWorkflow',
        workflowType: CRONJOB_RUN_WORKFLOW_TYPE,
        workflowId: cronJobRunWorkflowId(namespace, name),
        taskQueue: this.taskQueue,
        args: [input],
      },
      policies: { overlap: overlapPolicyFor(cronJob.spec.concurrencyPolicy), ...(catchupWindow !== undefined ? { catchupWindow } : {}) },
      state: { paused: cronJob.spec.suspend, ...(cronJob.spec.suspend ? { note: 'suspend: true' } : {}) },
    };
  }

  /** Creates one CronJob: its state workflow, then its Schedule. */
  async create(input: CronJobInput): Promise<CronJob> {
    const manifests = manifestsOf(input, CRONJOB_VALIDATION);
    if (manifests.length !== 1) throw new TypeError(`create takes one CronJob, got ${manifests.length}`);
    return this.start(manifests[0] as CronJobManifest);
  }

  private async start(manifest: CronJobManifest): Promise<CronJob> {
    const client = await this.client();
    const cronJob = materializeCronJob(manifest, { uid: randomUUID(), creationTimestamp: rfc3339(Date.now()), namespace: this.namespace });
    const { namespace, name } = cronJob.metadata;
    const stateInput: CronJobStateInput = { namespace, name };
    // The state workflow first, so that the first run finds it; an existing one (same CronJob) is kept.
    await client.workflow.start(CRONJOB_STATE_WORKFLOW_TYPE, {
      workflowId: cronJobStateWorkflowId(namespace, name),
      taskQueue: this.taskQueue,
      args: [stateInput],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    try {
      await client.schedule.create({ scheduleId: cronJobScheduleId(namespace, name), ...this.scheduleOptions(cronJob) });
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) throw new CronJobAlreadyExistsError(namespace, name);
      throw error;
    }
    return cronJob;
  }

  /** Creates each CronJob that does not exist; one that exists takes the new schedule, zone, policies, limits, template. */
  async apply(input: CronJobInput): Promise<CronJobApplyResult[]> {
    const results: CronJobApplyResult[] = [];
    for (const manifest of manifestsOf(input, CRONJOB_VALIDATION)) {
      const namespace = manifest.metadata?.namespace || this.namespace;
      const name = manifest.metadata?.name ?? '';
      const { existing, created } = await existingOrCreated(
        () => this.get(name, { namespace }),
        () => this.start(manifest),
      );
      if (created) {
        results.push({ cronJob: created, action: 'created' });
        continue;
      }
      const desired = materializeCronJob(manifest, { uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp, namespace });
      const { status: _status, ...current } = existing;
      if (stableJson(current) === stableJson(desired)) {
        results.push({ cronJob: existing, action: 'unchanged' });
        continue;
      }
      await this.replaceDefinition(desired);
      results.push({ cronJob: await this.get(name, { namespace }), action: 'configured' });
    }
    return results;
  }

  private async replaceDefinition(cronJob: CronJob): Promise<void> {
    const handle = await this.scheduleHandle(cronJob.metadata.name, { namespace: cronJob.metadata.namespace });
    const next = this.scheduleOptions(cronJob);
    await handle.update((previous) => ({ ...previous, spec: next.spec, action: next.action, policies: { ...previous.policies, ...next.policies }, state: { ...previous.state, paused: cronJob.spec.suspend } }));
  }

  /** The CronJob with status.active, lastScheduleTime and lastSuccessfulTime. */
  async get(name: string, ref: CronJobRef = {}): Promise<CronJob> {
    const namespace = ref.namespace ?? this.namespace;
    const handle = await this.scheduleHandle(name, { namespace });
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new CronJobNotFoundError(namespace, name);
      throw error;
    }
    const action = description.action;
    const [input] = (action.type === 'startWorkflow' ? action.args : []) as [CronJobRunInput?];
    if (!input) throw new CronJobNotFoundError(namespace, name);
    const cronJob = input.cronJob;
    const view = await this.state(namespace, name);
    return { ...cronJob, spec: { ...cronJob.spec, suspend: description.state.paused }, status: view?.status ?? {} };
  }

  private async state(namespace: string, name: string): Promise<CronJobStateView | undefined> {
    const client = await this.client();
    try {
      return await client.workflow.getHandle(cronJobStateWorkflowId(namespace, name)).query<CronJobStateView>(QUERY_CRONJOB_STATE);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** CronJobs of one namespace (default the client's), or of all with `allNamespaces`, by name. */
  async list(options: { namespace?: string; allNamespaces?: boolean } = {}): Promise<CronJob[]> {
    const client = await this.client();
    const prefix = options.allNamespaces ? CRONJOB_SCHEDULE_ID_PREFIX : cronJobScheduleId(options.namespace ?? this.namespace, '');
    return listById(client.schedule.list(), (schedule) => schedule.scheduleId, prefix, (namespace, name) => this.get(name, { namespace }));
  }

  /** No more runs until resume; running Jobs go on (as Kubernetes' suspend). */
  async suspend(name: string, ref: CronJobRef = {}): Promise<CronJob> {
    await this.describeOrNotFound(name, ref, (handle) => handle.pause('suspend: true'));
    return this.get(name, ref);
  }

  async resume(name: string, ref: CronJobRef = {}): Promise<CronJob> {
    await this.describeOrNotFound(name, ref, (handle) => handle.unpause('suspend: false'));
    return this.get(name, ref);
  }

  /** Starts a run now, under the concurrencyPolicy; its Job is named after the current minute. */
  async trigger(name: string, ref: CronJobRef = {}): Promise<void> {
    await this.describeOrNotFound(name, ref, (handle) => handle.trigger());
  }

  /**
   * Runs the schedule's slots between `start` and `end` as if they had been missed (Temporal backfill), under the
   * concurrencyPolicy: one Job per slot, named `<cronjob>-<slot minutes>`.
   */
  async backfill(name: string, range: { start: Date; end: Date }, ref: CronJobRef = {}): Promise<void> {
    const cronJob = await this.get(name, ref);
    await this.describeOrNotFound(name, ref, (handle) => handle.backfill({ ...range, overlap: overlapPolicyFor(cronJob.spec.concurrencyPolicy) }));
  }

  private async describeOrNotFound(name: string, ref: CronJobRef, act: (handle: ScheduleHandle) => Promise<void>): Promise<void> {
    const handle = await this.scheduleHandle(name, ref);
    try {
      await act(handle);
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new CronJobNotFoundError(ref.namespace ?? this.namespace, name);
      throw error;
    }
  }

  /**
   * `kubectl create job NAME --from=cronjob/X`: a Job from the CronJob's template, annotated
   * `cronjob.kubernetes.io/instantiate: manual`, owned by the CronJob (in status.active, under its history limits).
   */
  async createJobFromCronJob(cronJobName: string, jobName: string, ref: CronJobRef = {}): Promise<Job> {
    const namespace = ref.namespace ?? this.namespace;
    const cronJob = await this.get(cronJobName, { namespace });
    const jobs = await this.jobs();
    const exists = await jobs.get(jobName, { namespace }).then(() => true, (error: unknown) => (error instanceof NotFoundError ? false : Promise.reject(error)));
    if (exists) throw new AlreadyExistsError(namespace, jobName);
    const input: CronJobRunInput = { cronJob, manualJobName: jobName };
    const client = await this.client();
    const run = await client.workflow.start(CRONJOB_RUN_WORKFLOW_TYPE, {
      workflowId: `${cronJobRunWorkflowId(namespace, cronJobName)}/manual/${jobName}/${randomUUID()}`,
      taskQueue: this.taskQueue,
      args: [input],
    });
    // The run starts the Job as its child; wait until the Job answers (or the run says it already existed).
    for (let i = 0; i < 600; i++) {
      try {
        return await jobs.get(jobName, { namespace });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      const status = (await run.describe()).status.name;
      if (status !== 'RUNNING') {
        const result = (await run.result()) as { outcome: string };
        if (result.outcome === 'AlreadyExists') throw new AlreadyExistsError(namespace, jobName);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new UnsupportedChangeError(`jobs.batch ${JSON.stringify(jobName)}: the run that creates it did not start it; is a kjob worker running?`);
  }

  /**
   * Deletes the CronJob's Schedule and state. Its Jobs go too (Background: the runs are terminated, so their
   * Jobs are cancelled, pods get SIGTERM, and the Jobs are deleted), or are left running with Orphan.
   */
  async delete(name: string, options: CronJobRef & { propagationPolicy?: PropagationPolicy } = {}): Promise<void> {
    const namespace = options.namespace ?? this.namespace;
    const client = await this.client();
    const handle = await this.scheduleHandle(name, { namespace });
    let running: string[];
    try {
      running = (await handle.describe()).info.runningActions.map((a) => a.workflow.workflowId);
      await handle.delete();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new CronJobNotFoundError(namespace, name);
      throw error;
    }
    const view = await this.state(namespace, name);
    const stateHandle = client.workflow.getHandle(cronJobStateWorkflowId(namespace, name));
    await stateHandle.terminate('CronJob deleted').catch(() => undefined);
    await deleteExecution(client, stateHandle.workflowId, { marks: false, taskQueue: this.taskQueue });
    if (options.propagationPolicy === 'Orphan') return;
    await Promise.all(running.map((id) => client.workflow.getHandle(id).terminate('CronJob deleted').catch(() => undefined)));
    await Promise.all((view?.jobs ?? []).map((job) => deleteJobWorkflow(client, jobWorkflowId(namespace, job.name), { marks: false, taskQueue: this.taskQueue })));
  }
}
