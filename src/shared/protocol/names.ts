/**
 * The names both sides of kjob agree on: the task queue, workflow types and ids, and the workflow's queries,
 * signals and updates. Constants only, so the client, the worker and the workflow bundle import them freely.
 */

/** The task queue kjob's clients and workers use unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'kjob';

/** A Job's workflow id: `kjob/<namespace>/<name>`, so a name is taken at most once per namespace. */
export function jobWorkflowId(namespace: string, name: string): string {
  return `${JOB_WORKFLOW_ID_PREFIX}${namespace}/${name}`;
}
export const JOB_WORKFLOW_ID_PREFIX = 'kjob/';

export const JOB_WORKFLOW_TYPE = 'kjobJob';
/** The small workflow that deletes a finished Job's run when its ttlSecondsAfterFinished has passed. */
export const JOB_TTL_WORKFLOW_TYPE = 'kjobJobTtl';
/** Marks a deleted run where the server cannot delete (src/client/execution-deletion.ts). */
export const DELETION_MARK_WORKFLOW_TYPE = 'kjobDeletionMark';
export const QUERY_JOB = 'job';
export const QUERY_PODS = 'pods';
export const QUERY_LOGS = 'logs';
export const QUERY_EVENTS = 'events';
/** The ids of a wide Job's open pod runner shards (what a Background delete tells that the Job is gone). */
export const QUERY_SHARDS = 'shards';
/** A pod template the Job's pod runs name by its hash (protocol/pod-run-wire.ts): the worker asks once per Job. */
export const QUERY_POD_TEMPLATE = 'podTemplate';
/** The attempt keys of batched pod runs the Job's workflow wants stopped (their batch's worker asks). */
export const QUERY_POD_RUN_STOPS = 'podRunStops';
/** Pods of a running batch that ended, from its worker (workflows/pod-batches.ts). */
export const SIGNAL_POD_BATCH_ENDED = 'podBatchEnded';
export const SIGNAL_POD_STARTED = 'podStarted';
/** A pod run's state before its containers start (an image pull failing or taking long). */
export const SIGNAL_POD_STATUS = 'podStatus';
export const UPDATE_PATCH_JOB = 'patchJob';
/** Pod runner shards (wide Jobs): the Job sends runs and terminations, the shard reports each run's end. */
export const SIGNAL_SHARD_RUN_POD = 'runPod';
export const SIGNAL_SHARD_TERMINATE_POD = 'terminatePod';
export const SIGNAL_SHARD_CLOSE = 'close';
export const SIGNAL_POD_RUN_ENDED = 'podRunEnded';
/** A shard's periodic sign of life to its Job; the signal failing means the Job is gone. */
export const SIGNAL_SHARD_ALIVE = 'shardAlive';
/** To a shard of an earlier Job of the same name (deleted, then created again): its Job is gone, stop its pods. */
export const SIGNAL_SHARD_JOB_GONE = 'jobGone';

/** A ConfigMap's or Secret's workflow (workflows/config-object.ts): it holds the object, one per object. */
export const CONFIG_OBJECT_WORKFLOW_TYPE = 'kjobConfigObject';
export const CONFIGMAP_WORKFLOW_ID_PREFIX = 'kjob-configmap/';
export const SECRET_WORKFLOW_ID_PREFIX = 'kjob-secret/';
/** `kjob-configmap/<namespace>/<name>`: a name is taken at most once per namespace. */
export function configMapWorkflowId(namespace: string, name: string): string {
  return `${CONFIGMAP_WORKFLOW_ID_PREFIX}${namespace}/${name}`;
}
/** `kjob-secret/<namespace>/<name>`. */
export function secretWorkflowId(namespace: string, name: string): string {
  return `${SECRET_WORKFLOW_ID_PREFIX}${namespace}/${name}`;
}
/** The object the workflow holds. */
export const QUERY_CONFIG_OBJECT = 'object';
/** Replaces the object (validated by Kubernetes' update rules first); answers the stored object. */
export const UPDATE_REPLACE_CONFIG_OBJECT = 'replaceObject';
/** The failure types of a refused `replaceObject`, which the client turns into its typed errors. */
export const CONFIG_OBJECT_INVALID = 'Invalid';
export const CONFIG_OBJECT_CONFLICT = 'Conflict';
/** `ctx.once` through the Job's workflow (src/shared/protocol/once.ts): claim a key, then commit its value. */
export const UPDATE_ONCE_CLAIM = 'onceClaim';
export const UPDATE_ONCE_COMMIT = 'onceCommit';
