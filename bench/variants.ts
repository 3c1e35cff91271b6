/**
 * The benchmark's variants: their names, labels and order, and what each one runs (which container, whether
 * its Job asks for pod batching, whether it is the spawn floor without Temporal).
 */

export type Variant = 'baseline' | 'spawn' | 'handler' | 'handler-batched' | 'once' | 'command' | 'command-batched' | 'image';

/** Every variant, in the order the tables show them. */
export const VARIANTS: Variant[] = ['baseline', 'spawn', 'handler', 'handler-batched', 'once', 'command', 'command-batched', 'image'];

export const LABEL: Record<Variant, string> = {
  baseline: 'baseline (Temporal fan-out)',
  spawn: 'spawn floor (sandboxed command, no Temporal)',
  handler: 'kjob handler pods',
  'handler-batched': 'kjob handler pods, batched',
  once: 'kjob handler pods, one ctx.once each',
  command: 'kjob command pods (host)',
  'command-batched': 'kjob command pods (host), batched',
  image: 'kjob image pods (cached)',
};

/** The variants whose pods are kjob Jobs (the others: the hand-written fan-out and the bare spawns). */
export type JobVariant = Exclude<Variant, 'baseline' | 'spawn'>;

/** The variants whose pods run the clock command as a process (their start is read from its output). */
export const runsClockCommand = (variant: Variant): boolean => variant === 'spawn' || variant === 'command' || variant === 'command-batched' || variant === 'image';

/** The kjob variants whose pods are the spawn floor's process run through a Job: their rate is a fraction of it. */
export const onSpawnFloor = (variant: Variant): boolean => variant === 'command' || variant === 'command-batched';

/** The Job annotation that asks kjob to run many pods per activity (`auto`) or one each (`off`). */
export const POD_BATCHING_ANNOTATION = 'kjob.dev/pod-batching';

/** The annotation each Job variant's Job gets: the per-pod variants say `off`, so they stay per pod once batching is on by default. */
export function podBatching(variant: JobVariant): 'auto' | 'off' {
  return variant === 'handler-batched' || variant === 'command-batched' ? 'auto' : 'off';
}
