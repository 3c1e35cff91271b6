/**
 * Command pods in the sandbox (bubblewrap) on the time-skipping server: what a pod sees of the host, its
 * volumes (emptyDir, hostPath, downwardAPI), and its resources.limits (a pod over its memory limit is OOMKilled).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { detectCgroups } from '../../activities/runtimes/process/cgroups.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions, jobManifest, terminated } from '../helpers.js';

let t: JobTestEnvironment;
const hostDir = mkdtempSync(join(tmpdir(), 'kjob-sandbox-'));
beforeAll(async () => {
  t = await createJobTestEnvironment();
});
afterAll(async () => t?.teardown());

const sh = (script: string, extra: Record<string, unknown> = {}) => ({ image: 'busybox', command: ['sh', '-c', script], ...extra });

describe('the sandbox', () => {
  test('a pod sees the host’s programs but not its files, processes or network', async () => {
    writeFileSync(join(hostDir, 'host-secret'), 'do not read');
    const script = [
      `test -e ${hostDir}/host-secret && echo "sees-host-file" || echo "no-host-file"`,
      // Kubernetes turns $$ into $, so the shell's own $$ is written $$$$.
      'echo "pid=$$$$"',
      'echo "hostname=$(hostname)"',
      // Only the loopback interface exists in the pod's own network namespace.
      'echo "interfaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" ,)"',
      'echo "processes=$(ls /proc | grep -c "^[0-9]")"',
      'echo "home=$HOME cwd=$(pwd)"',
      'touch /usr/kjob-write 2>/dev/null && echo "usr-writable" || echo "usr-read-only"',
    ].join('; ');
    await t.jobs.create(jobManifest('isolated', {}, sh(script)));
    const job = await t.jobs.wait('isolated');
    expect(job.status).toMatchObject({ succeeded: 1 });
    const [log] = await t.jobs.logs('isolated');
    const pod = (await t.jobs.pods('isolated'))[0]!;
    expect(log!.text).toContain('no-host-file');
    // The shell is pid 2 (bubblewrap's init is 1); the pod sees its own few processes only.
    expect(log!.text).toContain('pid=2');
    expect(Number(/processes=(\d+)/.exec(log!.text)?.[1])).toBeLessThan(10);
    expect(log!.text).toContain(`hostname=${pod.spec.hostname ?? pod.metadata.name}`);
    expect(log!.text).toContain('interfaces=lo,');
    expect(log!.text).toContain('home=/root cwd=/');
    expect(log!.text).toContain('usr-read-only');
  });
});

describe('volumes', () => {
  test('hostPath hands the pods a host folder; emptyDir is shared by init and main containers; downwardAPI files', async () => {
    const shared = join(hostDir, 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'input.txt'), 'from the host\n');
    await t.jobs.create(
      jobManifest(
        'vols',
        { completions: 3, parallelism: 3, completionMode: 'Indexed' },
        sh('cat /in/input.txt > /shared/out-$JOB_COMPLETION_INDEX && cat /cache/greeting >> /shared/out-$JOB_COMPLETION_INDEX && cat /podinfo/labels', {
          volumeMounts: [
            { name: 'host', mountPath: '/shared' },
            { name: 'host', mountPath: '/in', readOnly: true },
            { name: 'cache', mountPath: '/cache' },
            { name: 'podinfo', mountPath: '/podinfo' },
          ],
        }),
        {
          initContainers: [sh('echo "hello from init $JOB_COMPLETION_INDEX" > /cache/greeting', { name: 'init', volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
          volumes: [
            { name: 'host', hostPath: { path: shared, type: 'Directory' } },
            { name: 'cache', emptyDir: {} },
            { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          ],
        },
      ),
    );
    const job = await t.jobs.wait('vols');
    expect(job.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    for (const index of [0, 1, 2]) {
      expect(readFileSync(join(shared, `out-${index}`), 'utf8')).toBe(`from the host\nhello from init ${index}\n`);
    }
    const [log] = await t.jobs.logs('vols', { container: 'main' });
    // fieldpath.FormatMap: key="value" lines in key order.
    expect(log!.text).toMatch(/^batch\.kubernetes\.io\/controller-uid="[^"]+"\nbatch\.kubernetes\.io\/job-completion-index="\d"\n/);
  });

  test('a read-only mount refuses writes; a hostPath failing its type check stops the pod with the kubelet’s reason', async () => {
    await t.jobs.create(
      jobManifest('ro', { backoffLimit: 0 }, sh(`touch /in/x`, { volumeMounts: [{ name: 'host', mountPath: '/in', readOnly: true }] }), {
        volumes: [{ name: 'host', hostPath: { path: hostDir } }],
      }),
    );
    expect(conditions(await t.jobs.wait('ro'))).toContain('Failed=True:BackoffLimitExceeded');
    expect(readdirSync(hostDir)).not.toContain('x');

    const missing = join(hostDir, 'missing');
    await t.jobs.create(
      jobManifest('nodir', { backoffLimit: 0 }, sh('true', { volumeMounts: [{ name: 'host', mountPath: '/in' }] }), {
        volumes: [{ name: 'host', hostPath: { path: missing, type: 'Directory' } }],
      }),
    );
    await t.jobs.wait('nodir');
    const pod = (await t.jobs.pods('nodir'))[0]!;
    expect(terminated(pod)).toMatchObject({
      exitCode: 128,
      reason: 'StartError',
      message: `MountVolume.SetUp failed for volume "host" : hostPath type check failed: ${missing} is not a directory`,
    });
  });
});

describe('resources.limits', () => {
  test('a pod over its memory limit is OOMKilled with exit code 137; one within it succeeds', async () => {
    const allocate = (mib: number) => ({
      image: 'python',
      command: ['python3', '-c', `b = bytearray(${mib} * 1024 * 1024); print(len(b))`],
      resources: { limits: { memory: '64Mi', cpu: '1' }, requests: { memory: '64Mi' } },
    });
    await t.jobs.create(jobManifest('oom', { backoffLimit: 0 }, allocate(256)));
    await t.jobs.create(jobManifest('fits', { backoffLimit: 0 }, allocate(8)));
    const oom = await t.jobs.wait('oom');
    expect(conditions(oom)).toContain('Failed=True:BackoffLimitExceeded');
    expect(terminated((await t.jobs.pods('oom'))[0]!)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    expect((await t.jobs.wait('fits')).status).toMatchObject({ succeeded: 1 });
  });

  test('a worker removes the cgroups that workers gone from the host left, and only those', async () => {
    const parents = cgroupParents();
    if (parents.length === 0) return expect(await detectCgroups(String(process.pid))).toHaveProperty('unavailable');
    const gone = spawnSync('true').pid!;
    for (const parent of parents) mkdirSync(join(parent, String(gone), 'a-container-left-by-a-crash'), { recursive: true });
    // This process's own (the test worker made it) stays.
    expect(parents.every((parent) => existsSync(join(parent, String(process.pid))))).toBe(true);
    expect(await detectCgroups(String(process.pid))).toHaveProperty('cgroups');
    for (const parent of parents) {
      expect(existsSync(join(parent, String(gone)))).toBe(false);
      expect(existsSync(join(parent, String(process.pid)))).toBe(true);
    }
  });
});

/** Where workers keep their cgroups on this host (none when kjob cannot use cgroups here). */
function cgroupParents(): string[] {
  if (existsSync('/sys/fs/cgroup/kjob/cgroup.procs')) return ['/sys/fs/cgroup/kjob'];
  return ['/sys/fs/cgroup/memory/kjob', '/sys/fs/cgroup/cpu/kjob'].filter((dir) => existsSync(dir));
}
