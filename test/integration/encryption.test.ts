/**
 * Nothing secret in plain text (issue 13): on the dev server, with payloads encrypted as `kjob dev` does, a value
 * held in a Job's container env and printed by its pods (a handler pod, a command pod on the host, a pod that
 * fails with it in its error, a pod still running with it in its live log) is found nowhere in plain text: not
 * in any workflow history (the Temporal CLI's JSON and the SDK's), any workflow's description, or the server's
 * SQLite files. The client and the CLI with the key still read the Jobs, pods and logs; a client without it or
 * with another key cannot. A control Job of an unencrypted worker on the same server proves the scan sees
 * plain text where there is some. kjob/testing encrypts with the keys it is given, its worker and client alike.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { JobClient } from '../../src/client/job-client.js';
import { generateEncryptionKey } from '../../src/codec/encryption-keys.js';
import { provisionTemporalCli } from '../../src/provision/index.js';
import { createJobTestEnvironment } from '../../src/testing/index.js';
import { createJobWorker } from '../../src/worker/create-worker.js';
import type { PodHandlers } from '../../src/worker/handlers.js';
import { runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { eventually, handlerContainer, jobManifest } from '../helpers.js';
import { countRuns, scanFiles, scanHistories, sqliteFiles, type HistoryScanTarget } from '../plaintext-scan.js';

const MARKER = `kjob-secret-${randomUUID()}`;
const CONTROL = `kjob-control-${randomUUID()}`;
const env = (value: string) => [{ name: 'MARKER', value }];
let release: (() => void) | undefined;
const handlers: PodHandlers = {
  print: (ctx) => ctx.log.info(`the marker is ${ctx.env.MARKER}`),
  fail: (ctx) => {
    throw new Error(`failing with ${ctx.env.MARKER}`);
  },
  hold: async (ctx) => {
    ctx.log.info(`holding ${ctx.env.MARKER}`);
    ctx.heartbeat({ progress: ctx.env.MARKER });
    await new Promise<void>((resolve) => (release = resolve));
  },
};

let dev: DevEnvironment;
let plain: { worker: Worker; running: Promise<void>; connection: NativeConnection; jobs: JobClient } | undefined;
let target: HistoryScanTarget;

beforeAll(async () => {
  dev = await startDevEnvironment('encryption', { worker: { handlers } });
  // The control: a worker and client without keys on their own task queue of the same server.
  const connection = await NativeConnection.connect({ address: dev.server.address });
  const taskQueue = `${dev.taskQueue}-plain`;
  const worker = await createJobWorker({ connection, taskQueue, handlers, encryptionKeys: [], stateDir: join(dev.dir, 'plain-state'), commandPods: true, images: 'host' });
  plain = { worker, running: worker.run(), connection, jobs: new JobClient({ address: dev.server.address, taskQueue, encryptionKeys: [] }) };
  const cli = await provisionTemporalCli();
  if (cli.type !== 'existing-path') throw new Error('no Temporal CLI to export histories with');
  target = { client: await dev.jobs.client(), cliPath: cli.path, address: dev.server.address };
});

afterAll(async () => {
  if (plain) {
    plain.worker.shutdown();
    await plain.running.catch(() => undefined);
    await plain.jobs.close();
    await plain.connection.close();
  }
  release?.();
  await dev?.stop();
});

test('a secret in container env and pod logs is in no history, description or SQLite file; the key holders read it all', async () => {
  const jobs = dev.jobs;
  await jobs.create(jobManifest('enc-handler', {}, handlerContainer('print', { env: env(MARKER) })));
  await jobs.create(jobManifest('enc-command', {}, { image: 'busybox', command: ['sh', '-c', 'echo "the marker is $MARKER"'], env: env(MARKER) }));
  await jobs.create(jobManifest('enc-fails', { backoffLimit: 0 }, handlerContainer('fail', { env: env(MARKER) })));
  await jobs.create(jobManifest('enc-running', {}, handlerContainer('hold', { env: env(MARKER) })));
  await plain!.jobs.create(jobManifest('enc-control', {}, { image: 'busybox', command: ['sh', '-c', 'echo "the marker is $MARKER"'], env: env(CONTROL) }));
  await plain!.jobs.create(jobManifest('enc-control-fails', { backoffLimit: 0 }, handlerContainer('fail', { env: env(CONTROL) })));

  for (const name of ['enc-handler', 'enc-command']) {
    expect((await jobs.wait(name, { timeoutMs: 60_000 })).status?.conditions?.at(-1)?.type).toBe('Complete');
    expect((await jobs.logs(name)).map((l) => l.text).join('')).toContain(`the marker is ${MARKER}`);
    expect((await jobs.pods(name)).map((p) => p.status.phase)).toEqual(['Succeeded']);
  }
  expect((await jobs.wait('enc-fails', { timeoutMs: 60_000 })).status?.conditions?.at(-1)?.reason).toBe('BackoffLimitExceeded');
  expect((await plain!.jobs.wait('enc-control', { timeoutMs: 60_000 })).status?.conditions?.at(-1)?.type).toBe('Complete');
  expect((await plain!.jobs.wait('enc-control-fails', { timeoutMs: 60_000 })).status?.conditions?.at(-1)?.reason).toBe('BackoffLimitExceeded');
  // The running pod's log, live from its heartbeat details (encrypted on the server, decrypted by the client).
  await eventually(
    async () => (await jobs.logs('enc-running')).map((l) => l.text).join(''),
    (text) => text.includes(`holding ${MARKER}`),
  );

  // The CLI, run where kjob dev would leave the key (<dir>/.kjob/encryption-keys), reads them too.
  const logs = await runKjob(dev, 'logs', 'job/enc-command');
  expect(logs).toMatchObject({ code: 0, stdout: `the marker is ${MARKER}\n` });
  expect((await runKjob(dev, 'get', 'job', 'enc-handler')).stdout).toMatch(/^NAME +STATUS +COMPLETIONS[\s\S]*enc-handler +Complete +1\/1/);
  const described = await runKjob(dev, 'describe', 'job', 'enc-command');
  expect(described.code).toBe(0);
  expect(described.stdout).toContain(MARKER);

  // Without the key, or with another, a client cannot read the Jobs: it says which key the payloads need.
  const keyless = new JobClient({ address: dev.server.address, taskQueue: dev.taskQueue, encryptionKeys: [] });
  const otherKey = new JobClient({ address: dev.server.address, taskQueue: dev.taskQueue, encryptionKeys: [generateEncryptionKey('other')] });
  try {
    await expect(keyless.logs('enc-command')).rejects.toThrow(/binary\/encrypted/);
    await expect(otherKey.logs('enc-command')).rejects.toThrow(`encrypted with key "${dev.keys[0]!.id}", which this process does not have`);
  } finally {
    await keyless.close();
    await otherKey.close();
  }

  // The scan reads every run of the namespace (6 Jobs, their runs) and finds the control's plain value where it
  // was stored unencrypted: in its histories and in the SQLite files.
  expect(await countRuns(target.client)).toBeGreaterThanOrEqual(6);
  const control = await scanHistories(target, CONTROL);
  expect(control.some((hit) => hit.where.includes('(temporal workflow show)'))).toBe(true);
  expect(control.some((hit) => hit.where.includes('(fetchHistory)'))).toBe(true);
  expect(control.every((hit) => /kjob\/default\/enc-control(-fails)?\//.test(hit.where))).toBe(true);
  const dbFiles = sqliteFiles(join(dev.dir, 'temporal.db'));
  expect(scanFiles(dbFiles, CONTROL).length).toBeGreaterThan(0);

  // The secret: nowhere, while one pod still runs (its heartbeat in the description) and after all finished.
  expect(await scanHistories(target, MARKER)).toEqual([]);
  expect(scanFiles(dbFiles, MARKER)).toEqual([]);
  release!();
  expect((await jobs.wait('enc-running', { timeoutMs: 60_000 })).status?.conditions?.at(-1)?.type).toBe('Complete');
  expect(await scanHistories(target, MARKER)).toEqual([]);
  expect(scanFiles(dbFiles, MARKER)).toEqual([]);

  // What kjob writes for the UI is encrypted too (user metadata): the workflow summary, the pods' activity
  // summaries; and failure messages (the failure converter moves them into an encrypted payload): the pod's
  // error, the Job workflow's failure. The control Jobs' are found in plain text, so the needles are right.
  const isControl = (hit: { where: string }) => /kjob\/default\/enc-control(-fails)?\//.test(hit.where);
  for (const needle of ['Job default/enc-', 'pod enc-', 'failing with', 'Job has reached the specified backoff limit']) {
    const hits = await scanHistories(target, needle);
    expect(hits.some(isControl), needle).toBe(true);
    expect(hits.filter((hit) => !isControl(hit)), needle).toEqual([]);
  }
  // The failed Job's workflow failure, as stored: the SDK's placeholder message, the real one in an encrypted
  // payload; the control's in plain text.
  const storedFailure = async (client: JobClient, name: string) => {
    const events = (await (await client.client()).workflow.getHandle(`kjob/default/${name}`).fetchHistory()).events ?? [];
    return events.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes?.failure;
  };
  const encrypted = await storedFailure(jobs, 'enc-fails');
  expect(encrypted?.message).toBe('Encoded failure');
  expect(new TextDecoder().decode(encrypted?.encodedAttributes?.metadata?.encoding ?? undefined)).toBe('binary/encrypted');
  expect((await storedFailure(plain!.jobs, 'enc-control-fails'))?.message).toMatch(/backoff limit/);
});

test('kjob/testing with encryptionKeys: its worker and its time-skipping client share the key; the history is encrypted', async () => {
  const key = generateEncryptionKey('kit');
  const t = await createJobTestEnvironment({ handlers, encryptionKeys: [key] });
  try {
    await t.jobs.create(jobManifest('kit-print', {}, handlerContainer('print', { env: env(MARKER) })));
    expect((await t.jobs.wait('kit-print')).status?.conditions?.at(-1)?.type).toBe('Complete');
    expect((await t.jobs.logs('kit-print')).map((l) => l.text).join('')).toContain(`the marker is ${MARKER}`);
    const history = await t.env.client.workflow.getHandle('kjob/default/kit-print').fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(new TextDecoder().decode(input?.metadata?.encoding ?? undefined)).toBe('binary/encrypted');
    expect(new TextDecoder().decode(input?.metadata?.['encryption-key-id'] ?? undefined)).toBe('kit');
  } finally {
    await t.teardown();
  }
});
