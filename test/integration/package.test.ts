/**
 * The package as users install it: `npm pack` (which builds dist/ through `prepare`, as `npm publish` does), the
 * tarball installed into an empty project from the registry, then from that project a handler Job with the
 * installed 'kjob', a test of one's own Job with 'kjob/testing', and `npx kjob demo`. Also what the tarball ships:
 * the CLI, the built package and the examples the demo reads, and nothing else (no benchmark, no tests).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cacheDir } from '../../src/provision/paths.js';
import { startDevServer, type DevServer } from '../../src/provision/dev-server.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'consumer');

/** What the tarball may hold: npm's own files, and the folders "files" in package.json names. */
const SHIPPED = /^(package\.json|README\.md|LICENSE|bin\/kjob\.js|dist\/(src|workflows|activities)\/.+|examples\/[^/]+\.yaml)$/;

/**
 * The environment of the user's commands: this one, without the npm_* variables an enclosing `npm test` sets
 * (npm_config_local_prefix would point the project's `npm install` at this repository), and with the servers
 * the test setup provisioned.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD'));
  return { ...env, KJOB_CACHE_DIR: cacheDir(), ...extra };
}

let dir: string;
let project: string;
let shipped: string[];
let server: DevServer | undefined;
let serverStarting: Promise<unknown> | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kjob-package-'));
  project = join(dir, 'project');
  // The dev server starts while the package is packed and installed.
  serverStarting = startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false }).then((started) => (server = started));
  const packed = await execFileAsync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, env: userEnv() });
  const [tarball] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  shipped = tarball.files.map((file) => file.path);

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'kjob-user', private: true, type: 'module' })}\n`);
  for (const script of ['handler-job.mjs', 'testing-env.mjs']) copyFileSync(join(fixtures, script), join(project, script));
  // One install, from the npm cache where it can: the tarball and kjob's dependencies, as a user gets them.
  await execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball.filename)], {
    cwd: project,
    env: userEnv(),
  });
  await serverStarting;
}, 300_000);

afterAll(async () => {
  await serverStarting?.catch(() => undefined);
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` in the user's project; its stdout. */
async function inProject(command: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { cwd: project, env: userEnv(extraEnv), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** The JSON a consumer script prints on its last line. */
const lastLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe('the package as users install it', () => {
  test('ships the CLI, the built package and the examples, and nothing else', () => {
    expect(shipped.filter((path) => !SHIPPED.test(path))).toEqual([]);
    expect(shipped.filter((path) => path.startsWith('dist/bench/') || path.startsWith('test/'))).toEqual([]);
    for (const needed of ['bin/kjob.js', 'dist/src/index.js', 'dist/src/worker/index.js', 'dist/src/testing/index.js', 'dist/src/cli/main.js']) {
      expect(shipped).toContain(needed);
    }
    expect(shipped).toContain('dist/workflows/index.js');
    expect(shipped).toContain('dist/activities/index.js');
    expect(shipped).toContain('examples/job-pi.yaml');
  });

  test("runs a handler Job with the installed 'kjob'", async () => {
    const result = lastLine(await inProject(process.execPath, ['handler-job.mjs'], { TEMPORAL_ADDRESS: server!.address })) as {
      status: { succeeded?: number; completedIndexes?: string; conditions?: { type: string; status: string }[] };
      logs: string;
    };
    expect(result.status).toMatchObject({ succeeded: 2, completedIndexes: '0,1' });
    expect(result.status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['SuccessCriteriaMet=True', 'Complete=True']);
    expect(result.logs).toContain('hello from pod 0 of greet');
    expect(result.logs).toContain('hello from pod 1 of greet');
  });

  test("tests one's own Job with the installed 'kjob/testing'", async () => {
    const result = lastLine(await inProject(process.execPath, ['testing-env.mjs'])) as {
      conditions: { type: string; reason: string }[];
      failed: number;
      realMs: number;
    };
    expect(result.conditions).toEqual([
      { type: 'FailureTarget', reason: 'BackoffLimitExceeded' },
      { type: 'Failed', reason: 'BackoffLimitExceeded' },
    ]);
    expect(result.failed).toBe(2);
    expect(result.realMs).toBeLessThan(10_000); // the 10 s backoff between the two pods was skipped
  });

  test('`npx kjob demo` runs the pi Job to completion', async () => {
    // The demo's pod runs the host's perl; a broken one would fail the Job minutes later, for a reason not kjob's.
    try {
      execFileSync('perl', ['-Mbignum=bpi', '-e', 'print bpi(2000)'], { stdio: 'ignore' });
    } catch {
      throw new Error("this host's perl cannot run the pi example (Debian's perl 5.36 cannot: apt-get install libmath-bigint-perl)");
    }
    const stdout = await inProject('npx', ['--no-install', 'kjob', 'demo']);
    expect(stdout).toContain('job.batch/pi created');
    expect(stdout).toMatch(/^pi\s+Complete\s+1\/1\s/m);
    expect(stdout).toMatch(/\(2000 digits of pi, /);
  }, 300_000);
});
