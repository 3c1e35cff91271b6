/**
 * The client side loads no worker code: importing 'kjob', or running `kjob get`, in a fresh Node process loads
 * neither Temporal's worker (its bundler, the native bridge) nor kjob's worker, activities or workflows. Runs the
 * built dist/ (`npm test` builds first); test/fixtures/record-loads.mjs records which modules each process loaded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const recorder = join(root, 'test', 'fixtures', 'record-loads.mjs');
const dir = mkdtempSync(join(tmpdir(), 'kjob-loads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKER_CODE = [
  /\/node_modules\/@temporalio\/(worker|testing)\//,
  /\/dist\/src\/worker\//,
  /\/dist\/activities\//,
  /\/dist\/workflows\//,
];

let runs = 0;
/** The file URLs of the modules a fresh `node` loaded running `args` in the repository, and its stderr. */
async function modulesLoaded(args: string[]): Promise<{ modules: string[]; stderr: string }> {
  const file = join(dir, `loads-${++runs}.txt`);
  const { stderr } = await execFileAsync(process.execPath, ['--import', recorder, ...args], {
    cwd: root,
    env: { ...process.env, KJOB_LOADS_FILE: file },
  }).catch((error: { code?: unknown; stderr?: string }) => {
    if (typeof error.code !== 'number') throw error; // a failed exit is fine; a failed start is not
    return { stderr: error.stderr ?? '' };
  });
  return { modules: [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))], stderr };
}

/** The worker code among `modules`: kjob's own files (dist/...), and Temporal's packages by name. */
function workerCodeIn(modules: string[]): string[] {
  const names = modules
    .filter((url) => WORKER_CODE.some((pattern) => pattern.test(url)))
    .map((url) => url.replace(/^.*\/node_modules\/(@temporalio\/[^/]+)\/.*$/, '$1').replace(/^.*\/dist\//, 'dist/'));
  return [...new Set(names)];
}

describe('what the client side loads', () => {
  test("importing 'kjob' loads the client and no worker code", async () => {
    const { modules } = await modulesLoaded(['--input-type=module', '-e', "await import('kjob')"]);
    // The recorder sees both kinds of module: kjob's own (ESM) and Temporal's (CommonJS).
    expect(modules.some((url) => url.endsWith('/dist/src/client/job-client.js'))).toBe(true);
    expect(modules.some((url) => /\/node_modules\/@temporalio\/client\//.test(url))).toBe(true);
    expect(workerCodeIn(modules)).toEqual([]);
  });

  test("importing 'kjob/worker' does load the worker (the recorder can see it)", async () => {
    const { modules } = await modulesLoaded(['--input-type=module', '-e', "await import('kjob/worker')"]);
    const seen = workerCodeIn(modules);
    expect(seen).toContain('dist/src/worker/create-worker.js');
    expect(seen).toContain('dist/activities/index.js');
    expect(seen).toContain('@temporalio/worker');
  });

  test('`kjob get jobs` loads no worker code', async () => {
    // An address the client refuses before any network attempt: the verb runs up to its connection, then fails.
    const { modules, stderr } = await modulesLoaded([join(root, 'bin', 'kjob.js'), 'get', 'jobs', '--address', '[::1']);
    expect(stderr).toContain('Invalid address for Temporal gRPC endpoint');
    expect(modules.some((url) => url.endsWith('/dist/src/cli/main.js'))).toBe(true);
    expect(workerCodeIn(modules)).toEqual([]);
  });
});
