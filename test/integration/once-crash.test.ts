/**
 * Duplicate starts are safe: the worker process is killed (SIGKILL) after a handler's side effect (committed by
 * `ctx.once`) but before its activity completes. The pod is noticed lost through its heartbeat, a replacement runs on a new worker
 * with the same idempotency key, the effect is not repeated (the default once-store commits through the Job's
 * workflow), and the Job completes. Real dev server, real processes.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { startDevServer, type DevServer } from '../../src/provision/index.js';
import { conditions, handlerContainer, jobManifest, startFixtureWorker } from '../helpers.js';

let server: DevServer;
let jobs: JobClient;
const workers: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kjob-once-'));
const effectsFile = join(dir, 'effects.txt');
const taskQueue = `once-${Date.now()}`;

function startWorker(hang: boolean, sandbox: 'auto' | 'required' | 'off' = 'off'): Promise<ChildProcess> {
  return startFixtureWorker(
    {
      TEMPORAL_ADDRESS: server.address,
      KJOB_TASK_QUEUE: taskQueue,
      KJOB_STATE_DIR: join(dir, 'state'),
      KJOB_EFFECTS_FILE: effectsFile,
      KJOB_HANG_AFTER_EFFECT: hang ? '1' : '0',
      KJOB_POD_SANDBOX: sandbox,
    },
    workers,
  );
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startDevServer({ dbFile: join(dir, 'temporal.db'), uiPort: false });
  jobs = new JobClient({ address: server.address, taskQueue });
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await jobs?.close();
  await server?.stop();
});

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a worker killed after the effect: the replacement pod finds the committed effect and the Job completes', async () => {
  // Unsandboxed, so the orphan's pid is a host pid and the reaper's work shows (sandboxed pods die with the worker).
  const first = await startWorker(true, 'off');
  await jobs.create(jobManifest('once', { completions: 2, parallelism: 2, completionMode: 'Indexed' }, handlerContainer('effect')));
  // A command pod of the same worker: its process must not outlive the worker for long.
  const pidFile = join(dir, 'orphan.pid');
  // "$$$$" is the shell's "$$" once Kubernetes' $(VAR) expansion has turned "$$" into "$".
  const script = `if [ -f ${dir}/orphan.done ]; then exit 0; fi; echo $$$$ > ${pidFile}; touch ${dir}/orphan.done; exec sleep 300`;
  await jobs.create(jobManifest('orphan', {}, { image: 'busybox', command: ['sh', '-c', script] }));
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 60_000);
  const orphanPid = Number(readFileSync(pidFile, 'utf8').trim());
  // Kill the worker once both pods' effects are committed and the pods are still running (their activities open).
  const committed = `${effectsFile}.committed`;
  await until(() => existsSync(committed) && readFileSync(committed, 'utf8').trim().split('\n').length === 2, 60_000);
  first.kill('SIGKILL');
  expect(processAlive(orphanPid)).toBe(true);
  await startWorker(false);
  // The new worker on this host killed the process group the dead worker left.
  await until(() => !processAlive(orphanPid), 10_000);
  expect((await jobs.wait('orphan', { timeoutMs: 90_000 })).status).toMatchObject({ succeeded: 1, failed: 1 });
  const job = await jobs.wait('once', { timeoutMs: 90_000 });
  expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
  // Both first pods were lost with the worker (counted as failed, as Kubernetes counts a pod lost with its node).
  expect(job.status).toMatchObject({ succeeded: 2, failed: 2, completedIndexes: '0,1' });
  const effects = readFileSync(effectsFile, 'utf8').trim().split('\n');
  expect(effects).toHaveLength(2);
  const pods = await jobs.pods('once');
  expect(pods).toHaveLength(4);
  const lost = pods.filter((p) => p.status.phase === 'Failed');
  expect(lost).toHaveLength(2);
  for (const pod of lost) {
    expect(pod.status.reason).toBe('WorkerLost');
    expect(pod.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'WorkerLost' })]);
  }
  // The effects were done by the first pods; their replacements for the same indexes did not repeat them.
  expect(effects.sort()).toEqual(lost.map((p) => p.metadata.name).sort());
});

/** Host pids of processes whose command line is exactly `argv`. */
function pidsRunning(argv: string[]): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8') === `${argv.join('\0')}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a sandboxed command pod dies with its worker at once, before any other worker starts', async () => {
  // Only this worker may take the pod: the earlier test's workers leave the task queue first.
  for (const earlier of workers) earlier.kill('SIGKILL');
  const worker = await startWorker(false, 'required');
  // A sleep of a length no other process on the host has, to find the pod's process by its command line.
  const argv = ['sleep', String(100_000 + Math.floor(Math.random() * 900_000))];
  await jobs.create(jobManifest('sandboxed', {}, { image: 'busybox', command: argv }));
  await until(() => pidsRunning(argv).length === 1, 60_000);
  const [pid] = pidsRunning(argv);
  worker.kill('SIGKILL');
  // bubblewrap runs with --die-with-parent: the kernel ends the sandbox, and every process in it, with the worker.
  await until(() => !processAlive(pid!), 3_000);
});
