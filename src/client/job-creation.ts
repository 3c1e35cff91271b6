/**
 * Creating a Job for `JobClient`: the manifest materialized (uid, creationTimestamp, defaults) and its workflow
 * started, with kjob's search attributes where the namespace has them. A name whose workflow exists gives
 * AlreadyExists (the server refuses the second start, so two racing clients never make two workflows), unless
 * that workflow was deleted by a mark (src/client/execution-deletion.ts): then the name is free again.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { stringify } from 'yaml';
import type { LazyTemporalClient } from './temporal-client.js';
import { markedDeleted } from './execution-deletion.js';
import { jobStaticSummary } from '../shared/protocol/web-ui-text.js';
import { searchAttributesRegistered } from './search-attributes-registered.js';
import { labelEntries, SEARCH_ATTRIBUTE_KEYS } from '../shared/protocol/search-attributes.js';
import { rfc3339 } from '../shared/controller/timestamps.js';
import type { JobWorkflowInput } from '../shared/protocol/job-workflow.js';
import { JOB_WORKFLOW_TYPE, jobWorkflowId } from '../shared/protocol/names.js';
import { AlreadyExistsError } from '../shared/errors.js';
import { materializeJob } from '../shared/manifest/defaults.js';
import type { JobManifest } from '../shared/manifest/schema.js';
import type { Job } from '../shared/kubernetes-types.js';

export class JobCreation {
  private searchAttributesPromise: Promise<boolean> | undefined;

  constructor(
    private readonly temporal: LazyTemporalClient,
    /** The `JobClientOptions` creation follows (documented there). */
    private readonly options: { deletionMarks?: boolean },
    private readonly taskQueue: string,
    /** For a manifest that names no namespace. */
    private readonly namespace: string,
  ) {}

  /** Whether the Temporal namespace has kjob's search attributes (asked once). */
  searchAttributesRegistered(): Promise<boolean> {
    this.searchAttributesPromise ??= this.temporal.get().then(searchAttributesRegistered);
    return this.searchAttributesPromise;
  }

  async start(manifest: JobManifest): Promise<Job> {
    const client = await this.temporal.get();
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
      await client.workflow.start(JOB_WORKFLOW_TYPE, { ...options, workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE }).catch((raced: unknown) => {
        // Another create took the name first.
        if (raced instanceof WorkflowExecutionAlreadyStartedError) throw new AlreadyExistsError(job.metadata.namespace, job.metadata.name);
        throw raced;
      });
    }
    return job;
  }

  /** Whether the latest run of this workflow was deleted by a mark (only where `deletionMarks` is set). */
  private async deletedByMark(workflowId: string): Promise<boolean> {
    if (!this.options.deletionMarks) return false;
    const client = await this.temporal.get();
    const latest = await client.workflow.getHandle(workflowId).describe();
    return markedDeleted(client, workflowId, latest.runId);
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
