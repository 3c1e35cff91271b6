/**
 * The benchmark's Job of no-op pods: the handler's, or the no-op command that reads the clock on the host or in
 * the image; its pod-batching annotation says whether kjob may run many of its pods per activity.
 */
import type { BenchImage } from './bench-image.js';
import { CLOCK_COMMAND } from './start-latency.js';
import { POD_BATCHING_ANNOTATION, podBatching, type JobVariant } from './variants.js';

export function benchJobManifest(name: string, variant: JobVariant, pods: number, parallelism: number, image: BenchImage | undefined): object {
  const handler = variant === 'handler' || variant === 'handler-batched' || variant === 'once';
  const container = handler
    ? { name: 'main', image: `kjob.dev/handler/${variant === 'once' ? 'once' : 'noop'}` }
    : { name: 'main', image: variant === 'image' ? requireImage(image).reference : 'busybox', command: CLOCK_COMMAND };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations: { [POD_BATCHING_ANNOTATION]: podBatching(variant) } },
    spec: {
      completions: pods,
      parallelism,
      completionMode: 'Indexed',
      template: { spec: { restartPolicy: 'Never', containers: [container] } },
    },
  };
}

export function requireImage(image: BenchImage | undefined): BenchImage {
  if (!image) throw new Error('the image variant runs only after its image was prepared');
  return image;
}
