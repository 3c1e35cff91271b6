/**
 * On the embedded dev server (SQLite file): the docs' pi example as a command pod, the client's list, get after
 * the worker is gone, delete and re-create, and the `kjob` CLI binary with kubectl's output and exit codes.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobClient } from '../../src/client/job-client.js';
import { NotFoundError, UnsupportedChangeError } from '../../src/shared/errors.js';
import { decodePayloads } from '../../src/codec/data-converter.js';
import { holdingHandler, runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions, handlerContainer, jobManifest } from '../helpers.js';

const root = join(import.meta.dirname, '..', '..');
const { hold, aborted } = holdingHandler();
let env: DevEnvironment;
let jobs: JobClient;
let dir: string;

beforeAll(async () => {
  env = await startDevEnvironment('dev', { worker: { handlers: { hold, hello: (ctx) => ctx.log.info('hello') } } });
  ({ jobs, dir } = env);
});
afterAll(async () => env?.stop());

const kjob = (...args: string[]) => runKjob(env, ...args);

describe('the docs’ pi example', () => {
  test('runs unchanged as a command pod and its log holds the digits', async () => {
    // examples/job-pi.yaml is the Kubernetes docs' manifest, byte for byte.
    const manifest = readFileSync(join(root, 'examples', 'job-pi.yaml'), 'utf8');
    await jobs.create(manifest);
    const job = await jobs.wait('pi', { timeoutMs: 120_000 });
    expect(conditions(job)).toEqual(['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached']);
    expect(job.status).toMatchObject({ succeeded: 1 });
    const [log] = await jobs.logs('pi');
    expect(log!.container).toBe('pi');
    expect(log!.text.startsWith('3.14159265358979323846264338327950288419716939937510')).toBe(true);
    expect(log!.text.replace(/[^0-9]/g, '')).toHaveLength(2000);
  });
});

describe('the docs’ podFailurePolicy and successPolicy examples, run together', () => {
  test('failjob: the first exit code 42 fails the Job; job-success: the outcome Kubernetes’ sync order gives', async () => {
    // Started together so that the 30 s sleeps of the failjob pods overlap the rest.
    await jobs.create(readFileSync(join(root, 'examples', 'job-pod-failure-policy-failjob.yaml'), 'utf8'));
    await jobs.create(readFileSync(join(root, 'examples', 'job-success-policy.yaml'), 'utf8'));

    const success = await jobs.wait('job-success', { timeoutMs: 120_000 });
    // The docs expect SuccessCriteriaMet, then Complete with reason SuccessPolicy. That relies on Kubernetes
    // starting the ten pods one after another, so index 2 succeeds before seven others have failed. kjob starts
    // them within milliseconds; when more than backoffLimit (6) failures are counted in the same sync as the
    // success, Kubernetes' sync order (backoff limit before success policy) fails the Job, and so does kjob.
    const failed = success.status?.failed ?? 0;
    if (failed > 6) {
      expect(conditions(success)).toEqual(['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded']);
    } else {
      expect(conditions(success)).toEqual(['SuccessCriteriaMet=True:SuccessPolicy', 'Complete=True:SuccessPolicy']);
      expect(success.status?.conditions?.[1]?.message).toBe('Matched rules at index 0');
      expect(success.status).toMatchObject({ succeeded: 1, completedIndexes: '2' });
    }

    const failjob = await jobs.wait('job-pod-failure-policy-failjob', { timeoutMs: 120_000 });
    expect(conditions(failjob)).toEqual(['FailureTarget=True:PodFailurePolicy', 'Failed=True:PodFailurePolicy']);
    expect(failjob.status?.conditions?.[1]?.message).toMatch(
      /^Container main for pod default\/job-pod-failure-policy-failjob-[a-z0-9]{5} failed with exit code 42 matching FailJob rule at index 0$/,
    );
    // Both pods of the first wave (parallelism 2) ran their 30 s and failed; no second wave was started.
    expect(failjob.status).toMatchObject({ failed: 2 });
    expect(await jobs.pods('job-pod-failure-policy-failjob')).toHaveLength(2);
    const [log] = await jobs.logs('job-pod-failure-policy-failjob');
    expect(log!.text).toBe("Hello world! I'm going to exit with 42 to simulate a software bug.\n");
  });
});

describe('the docs’ podFailurePolicy example', () => {
  // On the time-skipping test server this race (a pod fails a FailJob rule while the others exit at the same
  // moment, so kjob cancels activities that have just completed) makes the server reject the workflow task
  // with "ACTIVITY_UNKNOWN" forever; a real server handles it.
  test('job-pod-failure-policy-example: exit code 42 fails the Job through the FailJob rule', async () => {
    await jobs.create(readFileSync(join(root, 'examples', 'job-pod-failure-policy-example.yaml'), 'utf8'));
    const job = await jobs.wait('job-pod-failure-policy-example', { timeoutMs: 120_000 });
    expect(conditions(job)).toEqual(['FailureTarget=True:PodFailurePolicy', 'Failed=True:PodFailurePolicy']);
    expect(job.status?.conditions?.[1]?.message).toMatch(
      /^Container main for pod default\/job-pod-failure-policy-example-[a-z0-9]{5} failed with exit code 42 matching FailJob rule at index 0$/,
    );
    // The first wave of three pods all failed: one matched the rule, the others failed with it or were terminated.
    expect(job.status).toMatchObject({ failed: 3 });
    expect(job.status?.succeeded).toBeUndefined();
    expect(await jobs.pods('job-pod-failure-policy-example')).toHaveLength(3);
  });
});

describe('ttlSecondsAfterFinished', () => {
  // The time-skipping test server cannot delete workflows, so the TTL runs here, in real time.
  test('the finished Job stays readable until its TTL passes, then it is gone and its name is free', async () => {
    await jobs.create(jobManifest('ttl', { ttlSecondsAfterFinished: 5 }, handlerContainer('hello')));
    const job = await jobs.wait('ttl');
    expect(job.spec.ttlSecondsAfterFinished).toBe(5);
    expect((await jobs.get('ttl')).status).toMatchObject({ succeeded: 1 });
    let gone = false;
    for (let i = 0; i < 120 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      gone = await jobs.get('ttl').then(() => false, (error: unknown) => error instanceof NotFoundError);
    }
    expect(gone).toBe(true);
    await jobs.create(jobManifest('ttl', {}, handlerContainer('hello')));
    expect((await jobs.wait('ttl')).status).toMatchObject({ succeeded: 1 });
  });
});

describe('JobClient on the dev server', () => {
  test('list finds Jobs through visibility; delete terminates pods (foreground, background) and frees the name', async () => {
    await jobs.create(jobManifest('held', {}, handlerContainer('hold')));
    let listed: string[] = [];
    for (let i = 0; i < 50 && !listed.includes('held'); i++) {
      listed = (await jobs.list()).map((j) => j.metadata.name);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed).toEqual(expect.arrayContaining(['held', 'pi']));
    const [heldPod] = await jobs.pods('held');
    // Foreground: the pod has been terminated by the time the Job is gone.
    await jobs.delete('held', { propagationPolicy: 'Foreground' });
    expect(aborted).toContain(heldPod!.metadata.name);
    await expect(jobs.get('held')).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.delete('held')).rejects.toBeInstanceOf(NotFoundError);

    // Background (kubectl's default): the Job goes at once; its pod notices on a heartbeat and is terminated.
    await jobs.create(jobManifest('held-bg', {}, handlerContainer('hold')));
    let bgPod: string | undefined;
    for (let i = 0; i < 100 && !bgPod; i++) {
      bgPod = (await jobs.pods('held-bg')).find((p) => p.status.phase === 'Running')?.metadata.name;
      await new Promise((r) => setTimeout(r, 100));
    }
    await expect(jobs.delete('held-bg', { propagationPolicy: 'Orphan' })).rejects.toBeInstanceOf(UnsupportedChangeError);
    await jobs.delete('held-bg');
    await expect(jobs.get('held-bg')).rejects.toBeInstanceOf(NotFoundError);
    for (let i = 0; i < 100 && !aborted.includes(bgPod!); i++) await new Promise((r) => setTimeout(r, 100));
    expect(aborted).toContain(bgPod);

    await jobs.create(jobManifest('held', {}, handlerContainer('hello')));
    expect((await jobs.wait('held')).status).toMatchObject({ succeeded: 1 });
  });
});

describe('what the Temporal Web UI reads', () => {
  test('search attributes find Jobs by phase and namespace; summaries on the workflow, its pods and timers', async () => {
    expect(await jobs.searchAttributesRegistered()).toBe(true);
    await jobs.create(jobManifest('ui-fails', { backoffLimit: 1, completions: 2, completionMode: 'Indexed' }, { image: 'busybox', command: ['false'] }));
    await jobs.wait('ui-fails');
    const client = await jobs.client();
    const find = async (query: string) => {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
      return ids;
    };
    // Visibility is eventually consistent: poll briefly.
    let failed: string[] = [];
    for (let i = 0; i < 50 && !failed.includes('kjob/default/ui-fails'); i++) {
      failed = await find(`KjobPhase = "Failed" AND KjobNamespace = "default"`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(failed).toContain('kjob/default/ui-fails');
    expect(await find(`KjobName = "ui-fails" AND KjobCompletionMode = "Indexed"`)).toEqual(['kjob/default/ui-fails']);
    expect(await find(`KjobPhase = "Running" AND KjobName = "ui-fails"`)).toEqual([]);

    const handle = client.workflow.getHandle('kjob/default/ui-fails');
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe('Job default/ui-fails: Indexed, 2 completions, parallelism 1');
    expect(await description.staticDetails()).toMatch(/^```yaml\n[\s\S]*name: ui-fails/);
    const history = await handle.fetchHistory();
    const summaries = await Promise.all(
      (history.events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runPod' || e.timerStartedEventAttributes)
        .map(async (e) => {
          // Raw from the history: encrypted, so through the client's codec first.
          const [summary] = await decodePayloads(client.options.loadedDataConverter, e.userMetadata?.summary ? [e.userMetadata.summary] : []);
          return summary ? String(client.options.loadedDataConverter.payloadConverter.fromPayload(summary)) : '';
        }),
    );
    expect(summaries).toContainEqual(expect.stringMatching(/^pod ui-fails-0-[a-z0-9]{5}$/));
    expect(summaries).toContainEqual(expect.stringMatching(/^backoff: next pod start at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/));
    // The UI's "current details" come from the SDK's built-in metadata query.
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/^\*\*Failed\*\* · completions 0\/2 · active 0 · ready 0 · failed 2/);
    expect(metadata.currentDetails).toContain('Condition: Failed (BackoffLimitExceeded): Job has reached the specified backoff limit');
  });
});

describe('the kjob CLI', () => {
  test('create, get, wait, logs, delete with kubectl’s output and exit codes', async () => {
    const file = join(dir, 'hello.yaml');
    writeFileSync(
      file,
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: hello\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n        command: ["sh", "-c", "echo hello from kjob"]\n`,
    );
    expect(await kjob('create', '-f', file)).toMatchObject({ code: 0, stdout: 'job.batch/hello created\n' });
    expect(await kjob('create', '-f', file)).toMatchObject({ code: 1, stderr: 'Error from server (AlreadyExists): jobs.batch "hello" already exists\n' });
    expect(await kjob('apply', '-f', file)).toMatchObject({ code: 0, stdout: 'job.batch/hello unchanged\n' });
    expect(await kjob('wait', '--for=condition=Complete', 'job/hello', '--timeout=60s')).toMatchObject({ code: 0, stdout: 'job.batch/hello condition met\n' });
    const table = await kjob('get', 'jobs', 'hello');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s{3,}STATUS\s{3,}COMPLETIONS\s{3,}DURATION\s{3,}AGE$/);
    expect(table.stdout.split('\n')[1]).toMatch(/^hello\s{3,}Complete\s{3,}1\/1\s{3,}\d+s\s{3,}\d+s$/);
    // Kubernetes gives a Job without labels its template's (selector) labels, so -l job-name=… finds it.
    expect((await kjob('get', 'jobs', '-l', 'job-name=hello', '-o', 'name')).stdout).toBe('job.batch/hello\n');
    expect(await kjob('get', 'jobs', '-l', 'job-name=nope')).toMatchObject({ code: 0, stderr: 'No resources found in default namespace.\n' });
    const json = JSON.parse((await kjob('get', 'job', 'hello', '-o', 'json')).stdout);
    expect(json).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'hello' }, status: { succeeded: 1 } });
    expect((await kjob('logs', 'job/hello')).stdout).toBe('hello from kjob\n');
    const described = (await kjob('describe', 'job', 'hello')).stdout;
    expect(described).toMatch(/^Name:\s+hello\nNamespace:\s+default\n/);
    expect(described).toMatch(/\nParallelism:\s+1\nCompletions:\s+1\nCompletion Mode:\s+NonIndexed\n/);
    expect(described).toMatch(/\nPods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/);
    expect(described).toMatch(/\nEvents:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+---\s+----\s+-------\n  Normal\s+SuccessfulCreate\s+\d+s\s+job-controller\s+Created pod: hello-[a-z0-9]{5}\n  Normal\s+Completed\s+\d+s\s+job-controller\s+Job completed/);
    const pods = await kjob('get', 'pods', '-l', 'job-name=hello');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nhello-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s+\d+s\n$/);
    expect(await kjob('delete', 'job', 'hello')).toMatchObject({ code: 0, stdout: 'job.batch "hello" deleted\n' });
    expect(await kjob('get', 'job', 'hello')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): jobs.batch "hello" not found\n' });
  });

  test('an invalid manifest prints every violation and creates nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: bad\nspec:\n  parallelism: -1\n  completionMode: Indexed\n  template:\n    spec:\n      containers:\n      - name: main\n        image: busybox\n        command: ["true"]\n`,
    );
    const result = await kjob('create', '-f', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        'The Job "bad" is invalid: ',
        '* spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        '* spec.completions: Required value: when completion mode is Indexed',
        '* spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
        '',
      ].join('\n'),
    );
    expect((await kjob('get', 'job', 'bad')).code).toBe(1);
  });

  test('create job --image, get -w, logs -f --tail, events, patch, and wait’s progress lines', async () => {
    // kubectl create job NAME --image=IMAGE -- COMMAND ARGS: one container named after the Job, restartPolicy Never.
    const script = 'for i in 1 2 3 4 5; do echo "tick $i"; sleep 1; done';
    expect(await kjob('create', 'job', 'ticker', '--image=busybox', '--', 'sh', '-c', script)).toMatchObject({
      code: 0,
      stdout: 'job.batch/ticker created\n',
    });
    // get -w: the table, then a row per change, until interrupted.
    const watch = spawn(process.execPath, [join(root, 'bin', 'kjob.js'), '--task-queue', env.taskQueue, 'get', 'jobs', 'ticker', '-w'], {
      env: { ...process.env, TEMPORAL_ADDRESS: env.server.address },
      // The environment's folder, where the CLI finds the payload key.
      cwd: env.dir,
    });
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    // logs -f follows the running pod; --tail 2 starts from its last two lines so far.
    const follow = await kjob('logs', 'job/ticker', '-f', '--tail', '2');
    expect(follow.code).toBe(0);
    expect(follow.stdout).toMatch(/(tick \d\n)*tick 5\n$/);
    expect(follow.stdout.split('\n').filter(Boolean).length).toBeLessThanOrEqual(5);
    expect((await kjob('logs', 'job/ticker', '--tail', '2')).stdout).toBe('tick 4\ntick 5\n');
    // --index: the pods of one completion index of an Indexed Job (ui-fails only ever ran index 0).
    await jobs.create(jobManifest('indexed-logs', { completions: 2, parallelism: 2, completionMode: 'Indexed' }, { image: 'busybox', command: ['sh', '-c', 'echo "index $JOB_COMPLETION_INDEX"'] }));
    await jobs.wait('indexed-logs');
    expect(await kjob('logs', 'job/indexed-logs', '--index', '1')).toMatchObject({ code: 0, stdout: 'index 1\n' });
    expect(await kjob('logs', 'job/indexed-logs', '--index', '5')).toMatchObject({ code: 1, stderr: 'error: no pods of job/indexed-logs with completion index 5\n' });
    const waited = await kjob('wait', '--for=condition=Complete', 'job/ticker', '--timeout=60s');
    expect(waited).toMatchObject({ code: 0, stdout: 'job.batch/ticker condition met\n' });
    // Not a terminal: plain progress lines on stderr.
    expect(waited.stderr).toMatch(/job\.batch\/ticker: 1\/1 succeeded, 0 active, 0 failed\n$/);
    for (let i = 0; i < 50 && !/Complete/.test(watched); i++) await new Promise((r) => setTimeout(r, 100));
    watch.kill('SIGINT');
    await new Promise((resolve) => watch.once('exit', resolve));
    const lines = watched.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s{3,}STATUS\s{3,}COMPLETIONS\s{3,}DURATION\s{3,}AGE$/);
    expect(lines.slice(1).every((line) => line.startsWith('ticker '))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^ticker\s+Complete\s+1\/1\s/);

    const events = await kjob('events', '--for', 'job/ticker');
    expect(events.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\d+s\s+Normal\s+SuccessfulCreate\s+Job\/ticker\s+Created pod: ticker-[a-z0-9]{5}\n\d+s\s+Normal\s+Completed\s+Job\/ticker\s+Job completed\n$/);

    // patch: mutable fields change, immutable ones are refused with Kubernetes' message.
    await jobs.create(jobManifest('patched', { suspend: true }, handlerContainer('hello')));
    expect(await kjob('patch', 'job', 'patched', '-p', '{"spec":{"parallelism":2}}')).toMatchObject({ code: 0, stdout: 'job.batch/patched patched\n' });
    expect((await jobs.get('patched')).spec.parallelism).toBe(2);
    expect(await kjob('patch', 'job', 'patched', '-p', '{"spec":{"parallelism":2}}')).toMatchObject({ stdout: 'job.batch/patched patched (no change)\n' });
    const immutable = await kjob('patch', 'job/patched', '-p', '{"spec":{"completionMode":"Indexed"}}');
    expect(immutable.code).toBe(1);
    expect(immutable.stderr).toContain('spec.completionMode: Invalid value: "Indexed": field is immutable');
    await jobs.delete('patched');
  });

  test('the front door: a 30 MB manifest and one nested 3,000 deep are refused in Kubernetes’ words, before any work', async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: big\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n        command: ["sh", "-c", "${'x'.repeat(30_000_000)}"]\n`);
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "deep"}, "spec": ${'{"a": '.repeat(3000)}1${'}'.repeat(3000)}}`);
    const started = Date.now();
    expect(await kjob('apply', '-f', big)).toMatchObject({ code: 1, stdout: '', stderr: 'Error from server (RequestEntityTooLarge): Request entity too large: limit is 3145728\n' });
    expect(await kjob('create', '-f', deep)).toMatchObject({ code: 1, stdout: '', stderr: 'error: error parsing manifest: exceeded max depth of 256 at line 1\n' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await kjob('get', 'jobs', 'big')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): jobs.batch "big" not found\n' });
  });

  test('kubectl’s resource names from the kinds table; unknown ones refused', async () => {
    expect((await kjob('get', 'jobs.batch', 'pi', '-o', 'name')).stdout).toBe('job.batch/pi\n');
    expect((await kjob('get', 'Job', 'pi', '-o', 'name')).stdout).toBe('job.batch/pi\n');
    expect(await kjob('get', 'cj')).toMatchObject({ code: 0, stderr: 'No resources found in default namespace.\n' });
    expect(await kjob('get', 'deployments')).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "deployments"\n' });
    expect(await kjob('delete', 'deployment', 'x')).toMatchObject({ code: 1, stderr: 'error: the server doesn\'t have a resource type "deployment"\n' });
  });

  test('get works on a finished Job with no worker running', async () => {
    env.worker.shutdown();
    await env.running;
    const job = await jobs.get('pi');
    expect(conditions(job)).toContain('Complete=True:CompletionsReached');
    expect((await jobs.logs('pi'))[0]!.text).toMatch(/^3\.14159/);
    expect((await kjob('get', 'jobs')).stdout).toMatch(/\npi\s+Complete\s+1\/1/);
  });
});
