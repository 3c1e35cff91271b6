/** Command pods and handler pods on the time-skipping server: env, init containers, exit codes, logs, termination. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import type { PodContext } from '../../src/worker/handlers.js';
import { StoredConfigObjects } from '../config-objects.js';
import { conditions, handlerContainer, jobManifest, terminated } from '../helpers.js';

let t: JobTestEnvironment;
const contexts: PodContext[] = [];
const scratchExisted: boolean[] = [];
beforeAll(async () => {
  t = await createJobTestEnvironment({
    logTailBytes: 1000,
    podConfigRetrySeconds: 1,
    handlers: {
      inspect: (ctx) => {
        contexts.push(ctx);
        scratchExisted.push(existsSync(ctx.scratchDir));
        ctx.log.info(`hello from ${ctx.podName}`);
        ctx.log.write('raw text\n');
        return 0;
      },
      throws: () => {
        throw new Error('handler broke');
      },
      exits42: () => 42,
      ignoresAbort: () => new Promise<number>((resolve) => setTimeout(() => resolve(0), 60_000).unref()),
    },
  });
});
afterAll(async () => t?.teardown());

describe('command pods', () => {
  test('Indexed env, HOSTNAME, downward-API index, $(VAR) expansion, init containers first, logs kept', async () => {
    await t.jobs.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'cmd' },
      spec: {
        completions: 2,
        parallelism: 2,
        completionMode: 'Indexed',
        template: {
          spec: {
            restartPolicy: 'Never',
            // The init container hands its file to the main one through an emptyDir, as in Kubernetes.
            volumes: [{ name: 'work', emptyDir: {} }],
            initContainers: [
              {
                name: 'prepare',
                image: 'busybox',
                command: ['sh', '-c', 'echo "prepared $JOB_COMPLETION_INDEX" > from-init'],
                workingDir: '/work',
                volumeMounts: [{ name: 'work', mountPath: '/work' }],
              },
            ],
            containers: [
              {
                name: 'main',
                image: 'busybox',
                command: ['sh', '-c'],
                args: ['echo "idx=$JOB_COMPLETION_INDEX host=$HOSTNAME ann=$FROM_ANNOTATION pod=$POD greeting=$GREETING arg=$(NAME) $(cat /work/from-init)"; echo "secret=${KJOB_TEST_SECRET:-none}"'],
                volumeMounts: [{ name: 'work', mountPath: '/work' }],
                env: [
                  { name: 'FROM_ANNOTATION', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
                  { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NAME', value: 'kjob' },
                  { name: 'GREETING', value: 'hi-$(NAME)-$$(NAME)' },
                ],
              },
            ],
          },
        },
      },
    });
    process.env.KJOB_TEST_SECRET = 'worker-secret';
    const job = await t.jobs.wait('cmd');
    delete process.env.KJOB_TEST_SECRET;
    expect(job.status).toMatchObject({ succeeded: 2, completedIndexes: '0,1' });
    const logs = await t.jobs.logs('cmd', { container: 'main' });
    expect(logs).toHaveLength(2);
    for (const log of logs) {
      const index = /^cmd-(\d)-/.exec(log.pod)?.[1];
      expect(log.text).toContain(`idx=${index} host=cmd-${index} ann=${index} pod=${log.pod} greeting=hi-kjob-$(NAME) arg=kjob prepared ${index}`);
      // A pod sees only its declared env and Kubernetes' variables, not the worker's.
      expect(log.text).toContain('secret=none');
    }
    const pods = await t.jobs.pods('cmd');
    expect(pods[0]!.status.initContainerStatuses?.[0]?.state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
  });

  test('the exit code is the result; an unknown command is a StartError; the log keeps the tail', async () => {
    await t.jobs.create(jobManifest('exit3', { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', 'seq 1 5000; exit 3'] }));
    const job = await t.jobs.wait('exit3');
    expect(conditions(job)).toContain('Failed=True:BackoffLimitExceeded');
    const [pod] = await t.jobs.pods('exit3');
    expect(terminated(pod!)).toMatchObject({ exitCode: 3, reason: 'Error' });
    const [log] = await t.jobs.logs('exit3');
    expect(log!.text.length).toBe(1000);
    expect(log!.text.endsWith('4999\n5000\n')).toBe(true);
    expect(log!.truncatedBytes).toBe(Buffer.byteLength(Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join('')) - 1000);

    await t.jobs.create(jobManifest('nocmd', { backoffLimit: 0 }, { image: 'busybox', command: ['no-such-binary-kjob'] }));
    const [missing] = await t.jobs.pods('nocmd').then(async () => {
      await t.jobs.wait('nocmd');
      return t.jobs.pods('nocmd');
    });
    expect(terminated(missing!)).toMatchObject({ exitCode: 128, reason: 'StartError' });
  });

  test('a container without a command passes validation and fails to start: the process runtime cannot read the image’s entrypoint', async () => {
    await t.jobs.create(jobManifest('no-command', { backoffLimit: 0 }, { image: 'busybox' }));
    // An empty command is no command, as in Kubernetes (the args would go to the image's entrypoint).
    await t.jobs.create(jobManifest('empty-command', { backoffLimit: 0 }, { image: 'busybox', command: [], args: ['--help'] }));
    for (const name of ['no-command', 'empty-command']) {
      const job = await t.jobs.wait(name);
      expect(conditions(job)).toContain('Failed=True:BackoffLimitExceeded');
      expect(job.status).toMatchObject({ failed: 1 });
      const [pod] = await t.jobs.pods(name);
      const message =
        'container "main" has no command: the process runtime runs a container\'s command on the worker host and cannot read ' +
        'the entrypoint of its image "busybox"; give the command, or use the image kjob.dev/handler/<name> for a TypeScript handler';
      expect(terminated(pod!)).toMatchObject({ exitCode: 128, reason: 'StartError', message });
      expect((await t.jobs.logs(name))[0]!.text).toBe(`${message}\n`);
    }
  });

  test('a process that cannot even be spawned (a NUL byte in an argument) fails its pod alone', async () => {
    // Started first and still running when the bad pod is spawned: kjob's process helper must not go down with it.
    await t.jobs.create(jobManifest('survivor', { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', 'sleep 2; echo survived'] }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t.jobs.create(jobManifest('nul-arg', { backoffLimit: 0 }, { image: 'busybox', command: ['sh', '-c', 'echo a\u0000b'] }));
    const [bad, survivor] = await Promise.all([t.jobs.wait('nul-arg'), t.jobs.wait('survivor')]);
    expect(conditions(bad)).toContain('Failed=True:BackoffLimitExceeded');
    const [badPod] = await t.jobs.pods('nul-arg');
    expect(terminated(badPod!)).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(conditions(survivor)).toContain('Complete=True:CompletionsReached');
    const [log] = await t.jobs.logs('survivor');
    expect(log!.text).toBe('survived\n');
  });

  test('termination: SIGTERM, then SIGKILL after terminationGracePeriodSeconds', async () => {
    await t.jobs.create(
      jobManifest('graceful', { activeDeadlineSeconds: 1 }, { image: 'busybox', command: ['sh', '-c', 'trap "echo got-term; exit 3" TERM; while :; do sleep 0.1; done'] }),
    );
    await t.jobs.create(
      jobManifest('stubborn', { activeDeadlineSeconds: 1 }, { image: 'busybox', command: ['sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'] }, { terminationGracePeriodSeconds: 1 }),
    );
    const [graceful, stubborn] = await Promise.all([t.jobs.wait('graceful'), t.jobs.wait('stubborn')]);
    expect(conditions(graceful)).toContain('Failed=True:DeadlineExceeded');
    expect(conditions(stubborn)).toContain('Failed=True:DeadlineExceeded');
    const [gracefulPod] = await t.jobs.pods('graceful');
    expect(terminated(gracefulPod!)).toMatchObject({ exitCode: 3 });
    expect((await t.jobs.logs('graceful'))[0]!.text).toContain('got-term');
    const [stubbornPod] = await t.jobs.pods('stubborn');
    expect(terminated(stubbornPod!)).toMatchObject({ exitCode: 137 });
  });
});

describe('container lifetime', () => {
  test('a command container ends with its main process; what it left running is killed', async () => {
    // Were kjob to wait for the pipes to close, the log would end with "late".
    await t.jobs.create(jobManifest('background', {}, { image: 'busybox', command: ['sh', '-c', '(sleep 5; echo late) & echo main done'] }));
    const job = await t.jobs.wait('background');
    expect(job.status).toMatchObject({ succeeded: 1 });
    expect((await t.jobs.logs('background'))[0]!.text).toBe('main done\n');
  });

  test('a handler that ignores its AbortSignal is abandoned after the grace period (exit 137)', async () => {
    await t.jobs.create(jobManifest('ignores', { activeDeadlineSeconds: 1 }, handlerContainer('ignoresAbort'), { terminationGracePeriodSeconds: 1 }));
    const job = await t.jobs.wait('ignores');
    expect(conditions(job)).toContain('Failed=True:DeadlineExceeded');
    expect(terminated((await t.jobs.pods('ignores'))[0]!)).toMatchObject({ exitCode: 137 });
  });
});

describe('pod-level activeDeadlineSeconds', () => {
  test('the pod fails with reason DeadlineExceeded and counts as a failure', async () => {
    await t.jobs.create(jobManifest('pod-deadline', { backoffLimit: 0 }, { image: 'busybox', command: ['sleep', '30'] }, { activeDeadlineSeconds: 1, terminationGracePeriodSeconds: 1 }));
    const job = await t.jobs.wait('pod-deadline');
    expect(conditions(job)).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    const [pod] = await t.jobs.pods('pod-deadline');
    expect(pod!.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    expect(terminated(pod!)).toMatchObject({ exitCode: 143 });
  });
});

describe('handler pods', () => {
  test('the context: index, pod name, attempt, env, scratch dir, logger, keys', async () => {
    await t.jobs.create(
      jobManifest('handler', { completions: 2, parallelism: 1, completionMode: 'Indexed' }, handlerContainer('inspect', { args: ['--flag=$(MODE)'], env: [{ name: 'MODE', value: 'fast' }] })),
    );
    const job = await t.jobs.wait('handler');
    expect(job.status).toMatchObject({ succeeded: 2, completedIndexes: '0,1' });
    expect(contexts.map((c) => c.index)).toEqual([0, 1]);
    const [first] = contexts;
    expect(first).toMatchObject({ jobName: 'handler', namespace: 'default', containerName: 'main', attempt: 0, args: ['--flag=fast'] });
    expect(first!.env).toMatchObject({ MODE: 'fast', JOB_COMPLETION_INDEX: '0', HOSTNAME: 'handler-0' });
    expect(first!.podName).toMatch(/^handler-0-[a-z0-9]{5}$/);
    expect(first!.keys.pod).toMatch(/^kjob:[0-9a-f-]{36}:0$/);
    expect(scratchExisted).toEqual([true, true]);
    expect(existsSync(first!.scratchDir)).toBe(false);
    const logs = await t.jobs.logs('handler', { pod: first!.podName });
    expect(logs[0]!.text).toMatch(/INFO hello from handler-0-[a-z0-9]{5}\nraw text\n$/);
  });

  test('a thrown error or a returned code fails the pod; an unregistered handler is a StartError', async () => {
    await t.jobs.create(jobManifest('throws', { backoffLimit: 0 }, handlerContainer('throws')));
    await t.jobs.create(jobManifest('exits', { backoffLimit: 0 }, handlerContainer('exits42')));
    await t.jobs.create(jobManifest('unknown', { backoffLimit: 0 }, handlerContainer('nobody-registered-this')));
    await Promise.all(['throws', 'exits', 'unknown'].map((name) => t.jobs.wait(name)));
    const [thrown] = await t.jobs.pods('throws');
    expect(terminated(thrown!)).toMatchObject({ exitCode: 1, reason: 'Error', message: 'handler broke' });
    expect((await t.jobs.logs('throws'))[0]!.text).toContain('Error: handler broke');
    expect(terminated((await t.jobs.pods('exits'))[0]!)).toMatchObject({ exitCode: 42 });
    expect(terminated((await t.jobs.pods('unknown'))[0]!)).toMatchObject({ exitCode: 128, reason: 'StartError' });
  });
});

describe('ConfigMaps and Secrets in kjob/testing', () => {
  test('a handler pod reads a Secret stored with the environment’s client; a pod waiting for a missing one ends at the deadline', async () => {
    await new StoredConfigObjects(t).putSecret('api', { key: 'k-1' });
    await t.jobs.create(jobManifest('reads-secret', {}, handlerContainer('inspect', { env: [{ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'key' } } }] })));
    expect(conditions(await t.jobs.wait('reads-secret'))).toContain('Complete=True:CompletionsReached');
    expect(contexts.find((c) => c.jobName === 'reads-secret')!.env.API_KEY).toBe('k-1');
    await t.jobs.create(jobManifest('waits-secret', { activeDeadlineSeconds: 3, backoffLimit: 0 }, handlerContainer('inspect', { envFrom: [{ secretRef: { name: 'absent' } }] })));
    const ended = await t.jobs.wait('waits-secret');
    expect(conditions(ended)).toContain('Failed=True:DeadlineExceeded');
    expect(contexts.some((c) => c.jobName === 'waits-secret')).toBe(false);
  });
});

describe('logs as they are written', () => {
  test('followLogs shows a running container’s output before it ends, every byte once; --tail keeps the last lines', async () => {
    const { followLogs, lastLines } = await import('../../src/client/log-follow.js');
    await t.jobs.create(
      jobManifest('chatty', {}, { image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4; do echo "line $i"; sleep 1; done'] }),
    );
    const chunks: { text: string; running: boolean }[] = [];
    for await (const chunk of followLogs(t.jobs, 'chatty', { intervalMs: 200 })) {
      const running = (await t.jobs.pods('chatty')).some((p) => p.status.phase === 'Running');
      chunks.push({ text: chunk.text, running });
    }
    expect(chunks.map((c) => c.text).join('')).toBe('line 1\nline 2\nline 3\nline 4\n');
    // Output arrived in pieces while the pod was still running, not only at its end.
    expect(chunks.filter((c) => c.running).length).toBeGreaterThanOrEqual(2);

    const tailed: string[] = [];
    for await (const chunk of followLogs(t.jobs, 'chatty', { tailLines: 2 })) tailed.push(chunk.text);
    expect(tailed.join('')).toBe('line 3\nline 4\n');
    expect(lastLines('a\nb\nc', 2)).toBe('b\nc');
  });

  test('bytes followLogs could not show are counted, never silently dropped', async () => {
    const { followLogs } = await import('../../src/client/log-follow.js');
    // 20,000 bytes at once: more than a heartbeat carries (4 KiB) and than a log keeps (16 KiB).
    await t.jobs.create(jobManifest('burst', {}, { image: 'busybox', command: ['sh', '-c', "head -c 20000 /dev/zero | tr '\\0' x; sleep 2; echo; echo end"] }));
    let shown = '';
    let skipped = 0;
    for await (const chunk of followLogs(t.jobs, 'burst', { intervalMs: 200 })) {
      shown += chunk.text;
      skipped += chunk.skippedBytes ?? 0;
    }
    expect(skipped).toBeGreaterThan(0);
    expect(Buffer.byteLength(shown) + skipped).toBe(20_000 + '\nend\n'.length);
    expect(shown).toMatch(/^x+\nend\n$/);
  });
});
