/**
 * The Job controller's state across continue-as-new: compact and plain (JSON), so a Job of any length fits in
 * one workflow input. Counters, conditions, the backoff record, deadlines (absolute times), per-index failure
 * counts and completed/failed indexes (as intervals) carry over whole; the pods that are not finished carry over
 * whole (an OnFailure pod waiting to restart keeps its place); of the finished pods only the latest are kept,
 * with their logs, for `kjob get pods` and `kjob logs`.
 */
import type { ContainerLog, JobCondition, JobEvent } from '../kubernetes-types.js';
import type { BackoffRecord } from './backoff.js';
import { formatIndexIntervals, parseIndexIntervals } from './intervals.js';
import { FINISHED_PODS_KEPT, forgetOldFinishedPods, logSize } from './retention.js';
import { forgetFinishedOnceRecords } from './once-records.js';
import type { JobControllerState, OnceRecord, PodRecord } from './state.js';
import type { ControllerSettings } from '../protocol/pod-runs.js';
import { utf8Length } from '../utf8.js';

export interface CarriedControllerState {
  startTime: number | null;
  completionTime: number | null;
  pods: PodRecord[];
  completedIndexes: string;
  failedIndexes: string;
  slotFailures: [number, { counted: number; ignored: number; lastFailureAt: number }][];
  failJobMessage: string | null;
  succeeded: number;
  failed: number;
  backoff: BackoffRecord;
  conditions: JobCondition[];
  events: JobEvent[];
  logs: [string, ContainerLog[]][];
  /** How many runs this Job's workflow has had (1 for the first). */
  generation: number;
  /** `ctx.once` records (absent when there are none, as in hand-overs before once went through the Job). */
  once?: [string, OnceRecord][];
}

/**
 * The state to hand over. Pod runs in flight must be held elsewhere (`runsElsewhere`: in pod runner shards,
 * which outlive this run and report to the next); one held by this run would be lost with it.
 */
export function carryOver(state: JobControllerState, generation: number, runsElsewhere: (podName: string) => boolean = () => false): CarriedControllerState {
  const lost = state.pods.filter((pod) => pod.runInFlight && !runsElsewhere(pod.name)).map((pod) => pod.name);
  if (lost.length > 0) throw new Error(`continue-as-new with pod runs in flight would lose them: ${lost.join(', ')}`);
  // On a copy: handing the state over must not change it.
  const compact = { ...state, logs: new Map(state.logs), onceRecords: new Map(state.onceRecords) };
  forgetOldFinishedPods(compact, FINISHED_PODS_KEPT, 0);
  forgetFinishedOnceRecords(compact);
  const kept = [...compact.pods].sort((a, b) => a.createdAt - b.createdAt);
  const keptNames = new Set(kept.map((pod) => pod.name));
  const carried: CarriedControllerState = {
    startTime: state.startTime,
    completionTime: state.completionTime,
    pods: kept,
    completedIndexes: formatIndexIntervals(state.completedSlots),
    failedIndexes: formatIndexIntervals(state.failedSlots),
    slotFailures: [...state.slotFailures],
    failJobMessage: state.failJobMessage,
    succeeded: state.succeeded,
    failed: state.failed,
    backoff: state.backoff,
    conditions: state.conditions,
    events: state.events,
    logs: [...state.logs].filter(([pod]) => keptNames.has(pod)),
    generation,
    ...(compact.onceRecords.size > 0 ? { once: [...compact.onceRecords] } : {}),
  };
  return withinBudget(carried, utf8Length(JSON.stringify(state.job)));
}


/**
 * Bytes the carried state and the Job may take: with the shard placement (at most half of `maxPodsInFlight`
 * entries) they must stay under Temporal's 2 MB payload limit. Unfinished pods (at most `maxPodsInFlight`) and
 * counters cannot go; the logs give way first, oldest pods first, their dropped bytes counted as truncated.
 */
export const CARRY_OVER_BUDGET_BYTES = 1_400_000;

function withinBudget(carried: CarriedControllerState, jobBytes: number): CarriedControllerState {
  let excess = jobBytes + utf8Length(JSON.stringify(carried)) - CARRY_OVER_BUDGET_BYTES;
  if (excess <= 0) return carried;
  const logs = carried.logs.map(([pod, entries]): [string, ContainerLog[]] => {
    if (excess <= 0) return [pod, entries];
    return [
      pod,
      entries.map((log) => {
        excess -= utf8Length(JSON.stringify(log.text)) - 2;
        return { container: log.container, text: '', truncatedBytes: log.truncatedBytes + log.text.length };
      }),
    ];
  });
  return { ...carried, logs };
}

export function restoreControllerState(
  job: JobControllerState['job'],
  settings: ControllerSettings,
  carried: CarriedControllerState,
): JobControllerState {
  const logs = new Map(carried.logs);
  let logBytes = 0;
  for (const containerLogs of logs.values()) logBytes += logSize(containerLogs);
  // Slots are completion indexes, or NonIndexed slots numbered from 0: both below the number of pods ever wanted.
  const limit = Number.MAX_SAFE_INTEGER;
  return {
    job,
    settings,
    startTime: carried.startTime,
    completionTime: carried.completionTime,
    pods: carried.pods,
    completedSlots: new Set(parseIndexIntervals(carried.completedIndexes, limit)),
    failedSlots: new Set(parseIndexIntervals(carried.failedIndexes, limit)),
    slotFailures: new Map(carried.slotFailures),
    failJobMessage: carried.failJobMessage,
    succeeded: carried.succeeded,
    failed: carried.failed,
    backoff: carried.backoff,
    conditions: carried.conditions,
    finished: false,
    events: carried.events,
    logs,
    logBytes,
    onceRecords: new Map(carried.once ?? []),
  };
}
