/**
 * umoci, as the store uses it: `raw unpack` flattens an OCI layout's image into one root filesystem, applying the
 * layers' OCI whiteouts (`.wh.name` deletes, `.wh..wh..opq` empties a directory) and verifying each blob's digest
 * as it reads it. Its message follows `⨯` on stderr.
 */
import { ImagePullError } from './errors.js';
import { runTool, ToolFailure } from './run-tool.js';

export function umociMessage(stderr: string): string {
  const marker = stderr.lastIndexOf('⨯');
  return (marker === -1 ? stderr.trim().split('\n').at(-1) ?? '' : stderr.slice(marker + 1)).trim() || 'umoci failed';
}

export async function rawUnpack(layout: string, name: string, rootfs: string, signal?: AbortSignal): Promise<void> {
  const rootless = process.getuid?.() !== 0 ? ['--rootless'] : [];
  try {
    await runTool('umoci', ['raw', 'unpack', ...rootless, '--image', `${layout}:${name}`, rootfs], signal ? { signal } : {});
  } catch (error) {
    if (error instanceof ToolFailure) throw new ImagePullError(umociMessage(error.stderr), { cause: error });
    throw error;
  }
}
