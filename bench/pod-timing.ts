/**
 * What a benchmark worker child counts and times: pods started and ended (a kjob pod batch, the activity
 * `runPodBatch`, counts as its pods), pods in flight, and each pod's start latency (start-latency.ts), seen by an
 * activity interceptor that is the same on every Temporal variant; the spawn floor counts its spawns alike.
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { PodContext } from '../src/worker/handlers.js';
import { containerClockMs, firstContainerLog, StartLatencies, type ActivityTimes } from './start-latency.js';
import { runsClockCommand, type Variant } from './variants.js';

export interface PodStats {
  /** Pods started and ended (a batch activity's pods count one by one). */
  started: number;
  finished: number;
  /** Non-local activities started: one per pod, or one per batch. */
  activities: number;
  /** Local activities (kjob's controllerSettings), counted apart. */
  local: number;
  /** Date.now() of the first start and the last end. */
  firstStartMs: number | null;
  lastEndMs: number | null;
  /** Most pods in flight at once. */
  maxInFlight: number;
  /** Sum of the activity functions' own durations (a batch's once), ms. */
  busyMs: number;
}

/** Pods as they start and end, wherever they run. */
export class PodCounter {
  readonly stats: PodStats = { started: 0, finished: 0, activities: 0, local: 0, firstStartMs: null, lastEndMs: null, maxInFlight: 0, busyMs: 0 };
  private inFlight = 0;

  started(pods: number, atMs: number): void {
    this.stats.started += pods;
    this.stats.firstStartMs ??= atMs;
    this.inFlight += pods;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
  }

  /** `started` pods leave the flight; `ended` of them ran to their end (a failed batch's pods run again). */
  ended(started: number, ended: number, busyMs: number): void {
    this.inFlight -= started;
    this.stats.finished += ended;
    this.stats.busyMs += busyMs;
    this.stats.lastEndMs = Date.now();
  }
}

export const counter = new PodCounter();
export const latencies = new StartLatencies();
/** The running activities' times, for the handler pods' no-op to find its own (a batch's pods share theirs). */
const activityTimes = new Map<string, ActivityTimes>();

/** kjob's activity that runs many pods: input `{ pods: [...] }`, result `{ results: [...] }`, one entry per pod. */
const POD_BATCH_ACTIVITY = 'runPodBatch';

const entries = (value: unknown, key: 'pods' | 'results'): unknown[] | undefined => {
  const list = (value as Record<string, unknown> | null | undefined)?.[key];
  return Array.isArray(list) ? list : undefined;
};

/**
 * Times every activity; the same interceptor on every variant. A baseline activity's work begins when it
 * starts; a handler pod's when its handler is called (noopHandler); a command or image pod's when its
 * container reads the clock, as its log says. A batch's pods are dispatched when the batch is, and each begins
 * as its own handler call or log says.
 */
export function timing(variant: Variant): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        if (ctx.info.isLocal) {
          counter.stats.local++;
          return next(input);
        }
        const start = Date.now();
        const batch = ctx.info.activityType === POD_BATCH_ACTIVITY;
        const pods = batch ? (entries(input.args[0], 'pods')?.length ?? 0) : 1;
        const times = { scheduledMs: ctx.info.scheduledTimestampMs, startedMs: start };
        activityTimes.set(ctx.info.base64TaskToken, times);
        for (let i = 0; i < pods; i++) latencies.dispatched(times);
        if (variant === 'baseline') latencies.started(times, start);
        counter.stats.activities++;
        counter.started(pods, start);
        let ended = 0;
        const t0 = performance.now();
        try {
          const result: unknown = await next(input);
          const results = batch ? (entries(result, 'results') ?? []) : [result];
          ended = results.length;
          if (runsClockCommand(variant)) for (const r of results) latencies.started(times, containerClockMs(firstContainerLog(r) ?? ''));
          return result;
        } finally {
          activityTimes.delete(ctx.info.base64TaskToken);
          // A pod activity that threw still ended its pod (as it always counted); a batch that threw ended none.
          counter.ended(pods, batch ? ended : 1, performance.now() - t0);
        }
      },
    },
  });
}

/** The handler pods' no-op: it notes when it was called. */
export function noopHandler(): number {
  const now = Date.now();
  const times = activityTimes.get(Context.current().info.base64TaskToken);
  if (times) latencies.started(times, now);
  else latencies.unmeasured++;
  return 0;
}

/** How long each `ctx.once` call of the once variant took (claim, the no-op function, commit), ms. */
export const onceDurations: number[] = [];

/** The once variant's pod: the no-op's start, then one ctx.once call, timed. */
export async function onceHandler(ctx: PodContext): Promise<number> {
  noopHandler();
  const t0 = performance.now();
  await ctx.once('effect', () => ctx.index);
  onceDurations.push(performance.now() - t0);
  return 0;
}
