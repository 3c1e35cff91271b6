/**
 * The credentials a container's image pull takes from the pod's imagePullSecrets, read as the kubelet reads them
 * at each pull (getPullSecretsForPod, MakeDockerKeyring): a secret that cannot be read is named in a
 * FailedToRetrieveImagePullSecret event and the pull goes on without it.
 */
import type { PullCredentials } from '../../src/images/index.js';
import { parseImageReference } from '../../src/shared/images/image-reference.js';
import type { PodStatus } from '../pod-status.js';
import type { PodObjects } from './object-reads.js';
import { DockerKeyring, InvalidPullSecret } from './pull-keyring.js';

export async function pullCredentialsFor(
  image: string,
  pullSecrets: readonly { name: string }[],
  objects: PodObjects,
  status: Pick<PodStatus, 'event'>,
): Promise<PullCredentials[]> {
  const keyring = new DockerKeyring();
  const missing: string[] = [];
  for (const { name } of pullSecrets) {
    // Validation lets empty names through; the kubelet skips them without a warning.
    if (name === '') continue;
    const secret = await objects.secret(name).catch(() => undefined);
    if (!secret) {
      missing.push(name);
      continue;
    }
    try {
      keyring.addSecret(secret);
    } catch (error) {
      if (!(error instanceof InvalidPullSecret)) throw error;
      status.event('Warning', 'FailedToRetrieveImagePullSecret', `${error.message}; attempting to pull the image may not succeed.`);
    }
  }
  if (missing.length > 0) {
    status.event('Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
  }
  const reference = parseImageReference(image);
  return keyring.lookup(`${reference.domain}/${reference.path}`);
}
