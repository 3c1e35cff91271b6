/**
 * `kjob/testing`: run your own Jobs on Temporal's time-skipping test server. Backoffs and deadlines that take
 * minutes pass in seconds, because `jobs.wait(name)` awaits the workflow's result, which lets time skip.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { JobClient } from '../client/job-client.js';
import { ConfigMapClient, SecretClient } from '../client/config-object-client.js';
import { encryptingDataConverter } from '../codec/data-converter.js';
import { encryptionKeysFromEnv } from '../codec/encryption-keys.js';
import { ProvisioningError } from '../shared/errors.js';
import type { PodHandlers } from '../worker/handlers.js';
import { provisionTestServer } from '../provision/test-server.js';
import { quietTemporalRuntime } from '../worker/runtime-logging.js';
import { createJobWorker, type JobWorkerOptions } from '../worker/create-worker.js';

/** A workflow task open this long, with nothing else happening, is one no worker completes (a task takes milliseconds). */
const STALL_TIMEOUT_MS = 30_000;

export interface JobTestEnvironmentOptions extends Omit<JobWorkerOptions, 'connection' | 'taskQueue' | 'handlers' | 'timeSkippingTestServer'> {
  handlers?: PodHandlers;
  /**
   * A Job whose workflow task has stayed open this long with nothing else happening fails the `wait` (and any
   * other read awaiting its result) with an error naming the Job and its last history event (default 30 s).
   */
  stallTimeoutMs?: number;
}

export interface JobTestEnvironment {
  /** A JobClient on the test server; its `wait` skips time. */
  jobs: JobClient;
  /** ConfigMaps and Secrets on the test server, for the Jobs' pods to read. */
  configMaps: ConfigMapClient;
  secrets: SecretClient;
  /** The Temporal test environment (its client skips time when awaiting results). */
  env: TestWorkflowEnvironment;
  worker: Worker;
  taskQueue: string;
  /** Stops the worker and the test server. */
  teardown(): Promise<void>;
}

/**
 * Starts the time-skipping test server (provisioned offline when possible) for the test suite; its client uses
 * `dataConverter` (the worker's, so both read each other's payloads).
 */
export async function startTimeSkippingServer(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const server = await provisionTestServer();
  const executable = server.type === 'existing-path' ? { type: 'existing-path' as const, path: server.path } : { type: 'cached-download' as const };
  try {
    return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable }, ...(dataConverter ? { client: { dataConverter } } : {}) });
  } catch (error) {
    if (server.type === 'existing-path') throw error;
    throw new ProvisioningError(
      'No Temporal time-skipping test server: set TEMPORAL_TEST_SERVER_PATH, put temporal-test-server on PATH, ' +
        'install Java 17 and Maven so kjob can fetch io.temporal:temporal-test-server from Maven Central, or allow the SDK to download it.\n' +
        [...server.failures, `SDK download failed: ${String(error)}`].join('\n'),
      { cause: error },
    );
  }
}

export async function createJobTestEnvironment({ stallTimeoutMs = STALL_TIMEOUT_MS, ...options }: JobTestEnvironmentOptions = {}): Promise<JobTestEnvironment> {
  // One converter for the worker and the test client: the worker's keys (encryptionKeys, or as the worker finds them).
  const dataConverter = options.dataConverter ?? encryptingDataConverter(options.encryptionKeys ?? encryptionKeysFromEnv({ stateDir: options.stateDir ?? join(process.cwd(), '.kjob') }));
  const env = await startTimeSkippingServer(dataConverter);
  const taskQueue = `kjob-test-${randomUUID()}`;
  let worker: Worker;
  try {
    // Tests run the author's own Jobs on their own machine: command pods are on unless turned off.
    // Jobs work around the test server's faults (worker option timeSkippingTestServer).
    worker = await createJobWorker({
      commandPods: true,
      images: 'pull-or-host',
      ...options,
      ...(dataConverter ? { dataConverter } : { encryptionKeys: [] }),
      timeSkippingTestServer: true,
      connection: env.nativeConnection,
      taskQueue,
    });
  } catch (error) {
    await env.teardown();
    throw error;
  }
  const running = worker.run();
  // The test server cannot delete workflows: deleted objects are marked (src/client/execution-deletion.ts).
  const objectOptions = { client: env.client, taskQueue, deletionMarks: true };
  return {
    configMaps: new ConfigMapClient(objectOptions),
    secrets: new SecretClient(objectOptions),
    jobs: new JobClient({
      client: env.client,
      taskQueue,
      // The test server needs awaited results one at a time; a Job that stalls fails its wait instead of holding
      // the others (src/client/stall-watch.ts).
      serializeResults: true,
      stallTimeoutMs,
      // Queries that meet a workflow's end can go unanswered on the test server: try again soon.
      queryAttemptTimeoutMs: 3_000,
      // The test server cannot delete workflows: deleted Jobs are marked (src/client/execution-deletion.ts).
      deletionMarks: true,
    }),
    env,
    worker,
    taskQueue,
    async teardown() {
      worker.shutdown();
      await running.catch(() => undefined);
      await env.teardown();
    },
  };
}
