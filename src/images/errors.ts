/** The image store's errors: what a pull's failure says (for the kubelet's events), and a refusal to remove. */

/**
 * A pull or load that failed. The message is the reason as the kubelet's `Failed` event shows it after
 * `Failed to pull image "x": `: skopeo's or umoci's own message, without their log wrapping.
 */
export class ImagePullError extends Error {
  override name = 'ImagePullError';
}

/** `remove` of an image a container holds a lease on (crictl rmi and docker rmi refuse the same). */
export class ImageInUseError extends Error {
  override name = 'ImageInUseError';
}
