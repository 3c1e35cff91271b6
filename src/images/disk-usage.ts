/** Bytes on disk: an unpacked rootfs's (`du -sk`, hard links counted once) and a set of blob files'. */
import { stat } from 'node:fs/promises';
import { runTool } from './run-tool.js';

export async function directoryBytes(path: string): Promise<number> {
  const output = (await runTool('du', ['-sk', path])).toString();
  return Number(output.split('\t')[0]) * 1024;
}

export async function fileBytes(paths: Iterable<string>): Promise<number> {
  let total = 0;
  for (const path of paths) total += await stat(path).then((s) => s.blocks * 512, () => 0);
  return total;
}
