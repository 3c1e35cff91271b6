/**
 * kjob's own worker metrics, next to the SDK's on the Prometheus endpoint: pods started and finished (by result
 * and reason) and pods running now, each tagged with the Job's namespace and name. The instruments are made once
 * per process: each one the SDK makes is a native object, so making them per pod grew the worker without end.
 */
import type { MetricCounter, MetricMeter, MetricTags, MetricUpDownCounter } from '@temporalio/common';

export interface PodMetrics {
  started(): void;
  finished(result: 'succeeded' | 'failed', reason: string): void;
}

let instruments: { started: MetricCounter; finished: MetricCounter; active: MetricUpDownCounter | undefined } | undefined;

export function podMetrics(meter: MetricMeter, job: { namespace: string; name: string }): PodMetrics {
  instruments ??= {
    started: meter.createCounter('kjob_pods_started', 'pods', 'Pod runs started (new pods and OnFailure restarts)'),
    finished: meter.createCounter('kjob_pods_finished', 'pods', 'Pod runs finished, by result and reason'),
    // An up-down counter where the meter has one (the SDK's does); a pod running is +1 until it ends.
    active: meter.createUpDownCounter?.('kjob_active_pods', 'pods', 'Pods running on this worker'),
  };
  const { started, finished, active } = instruments;
  const tags: MetricTags = { kjob_namespace: job.namespace, kjob_job: job.name };
  return {
    started: () => {
      started.add(1, tags);
      active?.add(1, tags);
    },
    finished: (result, reason) => {
      finished.add(1, { ...tags, result, reason });
      active?.add(-1, tags);
    },
  };
}
