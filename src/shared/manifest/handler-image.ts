/**
 * A container whose image is `kjob.dev/handler/<name>` runs the TypeScript handler registered on the worker
 * under `<name>`. The manifest stays valid Kubernetes YAML: the image is an ordinary image reference.
 */
export const HANDLER_IMAGE_PREFIX = 'kjob.dev/handler/';

/** The handler name a container refers to, or `undefined` for a command container. */
export function handlerNameOf(image: string | undefined): string | undefined {
  if (!image?.startsWith(HANDLER_IMAGE_PREFIX)) return undefined;
  // Allow a tag (`kjob.dev/handler/resize:v2`): the tag is informational.
  return image.slice(HANDLER_IMAGE_PREFIX.length).split(':')[0];
}

export function handlerImage(name: string): string {
  return `${HANDLER_IMAGE_PREFIX}${name}`;
}
