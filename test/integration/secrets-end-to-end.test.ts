/**
 * A Secret's value from `kjob create secret` to the pods that read it, on the dev server with payloads encrypted
 * as `kjob dev` encrypts them: a command pod (env from secretKeyRef, envFrom of a ConfigMap, a secret volume) and
 * a handler pod (ctx.env, ctx.path) get the value, `kjob logs` shows what the pod printed, and then no workflow
 * history, no workflow description and none of the dev server's SQLite files holds the value in plain text (or in
 * base64), nor does `kjob describe secret`. A client without an encryption key may not write a Secret at all.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SecretClient } from '../../src/client/config-object-client.js';
import { provisionTemporalCli } from '../../src/provision/index.js';
import { EncryptionRequiredError } from '../../src/shared/errors.js';
import { runKjob, startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { conditions } from '../helpers.js';
import { scanFiles, scanHistories, sqliteFiles, type HistoryScanTarget } from '../plaintext-scan.js';

const VALUE = `pw-${randomUUID()}`;
let env: DevEnvironment;
let target: HistoryScanTarget;
const handlerSaw: { env?: string; file?: string } = {};
const kjob = (...args: string[]) => runKjob(env, ...args);

beforeAll(async () => {
  env = await startDevEnvironment('secrets-e2e', {
    worker: {
      podConfigRetrySeconds: 1,
      handlers: {
        reads: async (ctx) => {
          handlerSaw.env = ctx.env.DB_PASSWORD;
          handlerSaw.file = await readFile(ctx.path('/creds/password'), 'utf8');
          return 0;
        },
      },
    },
  });
  const cli = await provisionTemporalCli();
  if (cli.type !== 'existing-path') throw new Error('no Temporal CLI to export histories with');
  target = { client: await env.jobs.client(), cliPath: cli.path, address: env.server.address };
}, 120_000);
afterAll(async () => env?.stop());

const manifest = `
apiVersion: v1
kind: ConfigMap
metadata: { name: app }
data: { MODE: fast }
---
apiVersion: batch/v1
kind: Job
metadata: { name: uses-secret }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      volumes: [{ name: creds, secret: { secretName: db } }]
      containers:
        - name: main
          image: busybox
          command: [sh, -c, 'echo "env=$DB_PASSWORD mode=$MODE"; echo "file=$(cat /creds/password)"']
          envFrom: [{ configMapRef: { name: app } }]
          env: [{ name: DB_PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }]
          volumeMounts: [{ name: creds, mountPath: /creds }]
---
apiVersion: batch/v1
kind: Job
metadata: { name: handler-uses-secret }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      volumes: [{ name: creds, secret: { secretName: db } }]
      containers:
        - name: main
          image: kjob.dev/handler/reads
          env: [{ name: DB_PASSWORD, valueFrom: { secretKeyRef: { name: db, key: password } } }]
          volumeMounts: [{ name: creds, mountPath: /creds }]
`;

describe('a Secret from the CLI to the pods, encrypted all the way', () => {
  test('pods read it; kjob logs shows what they printed; no history, description or SQLite file holds it', async () => {
    expect(await kjob('create', 'secret', 'generic', 'db', `--from-literal=password=${VALUE}`)).toMatchObject({ code: 0, stdout: 'secret/db created\n' });
    await writeFile(join(env.dir, 'uses-secret.yaml'), manifest);
    expect(await kjob('apply', '-f', join(env.dir, 'uses-secret.yaml'))).toMatchObject({ code: 0 });
    for (const name of ['uses-secret', 'handler-uses-secret']) {
      expect(conditions(await env.jobs.wait(name, { timeoutMs: 60_000 }))).toContain('Complete=True:CompletionsReached');
    }
    const logs = await kjob('logs', 'job/uses-secret');
    expect(logs.stdout).toBe(`env=${VALUE} mode=fast\nfile=${VALUE}\n`);
    expect(handlerSaw).toEqual({ env: VALUE, file: VALUE });

    const described = await kjob('describe', 'secret', 'db');
    expect(described.stdout).toMatch(/password:\s+\d+ bytes/);
    expect(described.stdout).not.toContain(VALUE);

    expect(await scanHistories(target, VALUE)).toEqual([]);
    expect(scanFiles(sqliteFiles(join(env.dir, 'temporal.db')), VALUE)).toEqual([]);
  }, 120_000);

  test('a client without an encryption key may not write a Secret, and nothing is stored', async () => {
    const unencrypted = new SecretClient({ address: env.server.address, taskQueue: env.taskQueue, encryptionKeys: [] });
    try {
      await expect(unencrypted.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, stringData: { token: VALUE } })).rejects.toBeInstanceOf(
        EncryptionRequiredError,
      );
    } finally {
      await unencrypted.close();
    }
    const got = await kjob('get', 'secret', 'plain');
    expect(got).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): secrets "plain" not found\n' });
  });
});
