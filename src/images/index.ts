/** The image store's public face: what the worker's image runtime and `kjob image` use. */
export { ImageStore, type ImageStoreOptions, type PullCredentials, type StoredImage } from './image-store.js';
export { ImageInUseError, ImagePullError } from './errors.js';
export type { ImageConfig } from './image-config.js';
export type { Platform } from './platform.js';
export type { GcResult } from './gc.js';
