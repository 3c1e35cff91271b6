/** Where a program is on this host: the PATH lookup the sandboxes and the image runtime make at worker start. */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The program's resolved path (symlinks followed), or undefined when the PATH has none. */
export async function commandPath(name: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('sh', ['-c', 'command -v "$1"', 'sh', name]);
    return realpathSync(stdout.trim());
  } catch {
    return undefined;
  }
}
