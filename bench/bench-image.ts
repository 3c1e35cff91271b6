/**
 * The image variant's image, made before any timed part: a busybox-static image built as the tests build theirs
 * (test/test-images.ts), pushed to a docker-registry the bench starts on loopback (test/registry.ts), and
 * pulled into an image store of its own, which the variant's workers then use. Its reference has a tag, so
 * the pods' imagePullPolicy is IfNotPresent and they find it there. The registry is stopped before the pods
 * run: a pod that tried to pull would wait in ImagePullBackOff, and the bench would report that variant stalled.
 */
import { join } from 'node:path';
import { ImageStore } from '../src/images/index.js';
import { startRegistry } from '../test/registry.js';
import { buildTestImage, pushTestImage, removeTestImages } from '../test/test-images.js';

export interface BenchImage {
  /** `127.0.0.1:PORT/kjob-bench/noop:1` */
  reference: string;
  /** The image store holding it: the image variant's workers get it as their `imageStore.root`. */
  cacheRoot: string;
  sizeBytes: number;
}

export async function prepareBenchImage(dir: string): Promise<BenchImage> {
  const registry = await startRegistry();
  try {
    const image = await buildTestImage({ env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] });
    const reference = `${registry.address}/kjob-bench/noop:1`;
    await pushTestImage(image, reference);
    const cacheRoot = join(dir, 'image-cache');
    const { image: stored } = await new ImageStore({ root: cacheRoot }).pull(reference);
    return { reference, cacheRoot, sizeBytes: stored.sizeBytes };
  } finally {
    await registry.stop();
    await removeTestImages();
  }
}
