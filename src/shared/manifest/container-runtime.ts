/**
 * Which runtime serves a container, decided here only: validation asks it which rules apply (a handler image
 * must name its handler), and the worker's pod runner asks it which runtime runs the container. Pure and
 * workflow-safe. Each name has its runtime on the worker (activities/runtimes/<name>/); what a runtime cannot do
 * (a worker in host mode cannot read an image's entrypoint) is that runtime's start error, not a validation
 * rule, since validation does not know the worker that will run the pod.
 */
import { HANDLER_IMAGE_PREFIX } from './handler-image.js';

export const CONTAINER_RUNTIME_NAMES = ['handler', 'image'] as const;

/**
 * `handler`: a TypeScript function registered on the worker; `image`: the container in its image (or, as the
 * worker chooses openly, its command on the host).
 */
export type ContainerRuntimeName = (typeof CONTAINER_RUNTIME_NAMES)[number];

/** The runtime of a container: `image: kjob.dev/handler/<name>` is a handler, any other image runs as an image. */
export function containerRuntimeOf(container: { readonly image?: unknown }): ContainerRuntimeName {
  return typeof container.image === 'string' && container.image.startsWith(HANDLER_IMAGE_PREFIX) ? 'handler' : 'image';
}
