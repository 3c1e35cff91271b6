/**
 * How a worker treats its command pods' images, the worker option `images` (`--images`): `pull` runs each
 * container in its image; `host` runs its command with the host's programs; `pull-or-host` runs the image when
 * it can be pulled and the command on the host when not. Shared by the worker, its CLI flags and the docs.
 */
export const IMAGE_MODES = ['pull', 'host', 'pull-or-host'] as const;

export type ImageMode = (typeof IMAGE_MODES)[number];
