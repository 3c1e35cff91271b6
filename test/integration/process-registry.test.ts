/**
 * The process registry on this host: the process helper's journal of the processes it runs (kept small however many
 * ran), and the reaper of a worker that starts after another one died: it kills the process groups a dead worker
 * left running, never a live worker's, never a process that only reuses a recorded pid; records of earlier kjob
 * versions (one `<pid>.json` per process) are reaped too. Real processes, no Temporal server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ProcessRegistry } from '../../activities/runtimes/process/process-registry.js';
import { runCommand } from '../../activities/runtimes/process/run-command.js';
import { LogTail } from '../../activities/log-tail.js';
import { processAlive } from '../../src/host/process-alive.js';

/** Field 22 of /proc/<pid>/stat. */
const startTicks = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};

/** A process in a group of its own, as the helper starts a pod's. */
const sleeper = () => {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
};

const until = async (check: () => boolean, timeoutMs: number) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const run = (argv: string[], recordIn: string) =>
  runCommand({ argv, cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, log: new LogTail(1000), signal: new AbortController().signal, gracePeriodMs: 1000, recordIn });

describe('the process helper’s journal', () => {
  test('a running process is recorded, an ended one is not; after many processes the journal stays small', async () => {
    const registry = new ProcessRegistry(mkdtempSync(join(tmpdir(), 'kjob-processes-')));
    const running = run(['sh', '-c', 'sleep 0.5'], registry.dir);
    await until(() => readdirSync(registry.dir).length > 0, 10_000);
    expect(await registry.recorded()).toHaveLength(1);
    expect(await running).toMatchObject({ exitCode: 0 });
    expect(await registry.recorded()).toEqual([]);
    for (let done = 0; done < 600; done += 20) {
      await Promise.all(Array.from({ length: 20 }, () => run(['true'], registry.dir)));
    }
    const [journal, ...others] = readdirSync(registry.dir);
    expect(others).toEqual([]);
    expect(journal).toBe(`${process.pid}.${startTicks(process.pid)}.journal`);
    // 1,202 lines were written; the rewrite after the 1,000th kept only the running processes.
    expect(readFileSync(join(registry.dir, journal!), 'utf8').split('\n').length).toBeLessThan(1000);
    expect(await registry.recorded()).toEqual([]);
  });
});

describe('the reaper', () => {
  test('kills what dead workers left running (journals and earlier versions’ records), and only that', async () => {
    const registry = new ProcessRegistry(mkdtempSync(join(tmpdir(), 'kjob-processes-')));
    const gone = spawnSync('true').pid!;
    const orphan = sleeper();
    const legacyOrphan = sleeper();
    const ended = spawnSync('true').pid!;
    const reused = sleeper();
    const live = sleeper();
    const leftBeforeRestart = sleeper();
    // A dead worker's journal: one process still running, one ended, one whose pid now belongs to another process.
    writeFileSync(
      join(registry.dir, `${gone}.12345.journal`),
      `start ${orphan} ${startTicks(orphan)}\nstart ${ended} 1\nend ${ended}\nstart ${reused} 1\n`,
    );
    // A live worker's (this process's) journal, and a journal of a dead worker that had this process's pid.
    writeFileSync(join(registry.dir, `${process.pid}.${startTicks(process.pid)}.journal`), `start ${live} ${startTicks(live)}\n`);
    writeFileSync(join(registry.dir, `${process.pid}.1.journal`), `start ${leftBeforeRestart} ${startTicks(leftBeforeRestart)}\n`);
    writeFileSync(join(registry.dir, `${legacyOrphan}.json`), JSON.stringify({ pid: legacyOrphan, workerPid: gone, startTicks: startTicks(legacyOrphan) }));
    expect(await registry.reapOrphans()).toBe(3);
    await until(() => [orphan, legacyOrphan, leftBeforeRestart].every((pid) => !processAlive(pid)), 10_000);
    expect(processAlive(reused)).toBe(true);
    expect(processAlive(live)).toBe(true);
    expect(readdirSync(registry.dir)).toEqual([`${process.pid}.${startTicks(process.pid)}.journal`]);
    for (const pid of [reused, live]) process.kill(-pid, 'SIGKILL');
  });
});
