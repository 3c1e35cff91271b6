/**
 * Records the replay fixtures: runs the representative Jobs on the dev server and saves each workflow's history
 * as test/replay/fixtures/<version>/<job>.json. Run it (`npm run replay:record`) before a change to the workflow
 * code, commit the fixtures, and CI replays them against every later version (replay.test.ts). Skipped otherwise:
 * recording in every run would only replay the code against itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisionTemporalCli } from '../../src/provision/index.js';
import { startDevEnvironment, type DevEnvironment } from '../dev-environment.js';
import { runChain } from '../helpers.js';
import { replayHandlers, replayJobs } from './jobs.js';

const recording = process.env.KJOB_RECORD_REPLAY === '1';

describe.runIf(recording)('record replay fixtures', () => {
  let env: DevEnvironment;
  const version = process.env.KJOB_REPLAY_VERSION ?? new Date().toISOString().slice(0, 10);
  const out = join(import.meta.dirname, 'fixtures', version);
  beforeAll(async () => {
    // A low history threshold, so that Jobs with many pods record their continue-as-new hand-overs.
    // Low shard limits, so that a Job of 8 pods at once records pod runner shards (the others hold at most 4).
    // KJOB_REPLAY_TIME_SKIPPING=1 records the paths a worker for the time-skipping test server takes (kjob/testing:
    // pods stopped through the worker, TTL started by a local activity), on the dev server with one worker.
    const timeSkipping = process.env.KJOB_REPLAY_TIME_SKIPPING === '1' ? { timeSkippingTestServer: true } : {};
    // Unencrypted: the fixtures are read by the replayer with no keys, and by people.
    env = await startDevEnvironment('replay', {
      encryption: false,
      worker: { handlers: replayHandlers, images: 'pull', imagePullBackoffSeconds: { initial: 1, cap: 2 }, podBackoffBaseSeconds: 1, continueAsNewAfterEvents: 150, maxPodRunsPerWorkflow: 4, maxRunsPerShard: 6, ...timeSkipping },
    });
    mkdirSync(out, { recursive: true });
  });
  afterAll(async () => env?.stop());

  // KJOB_REPLAY_JOBS=a,b records only those Jobs (a new version folder for the Jobs a change touches).
  const only = process.env.KJOB_REPLAY_JOBS?.split(',');
  const recorded = replayJobs.filter((job) => !only || only.includes(job.name));
  test.each(recorded.map((job) => [job.name, job] as const))('%s', async (name, job) => {
    await job.run(env.jobs);
    const finished = await env.jobs.wait(name, { timeoutMs: 120_000 });
    expect(finished.status?.conditions?.some((c) => c.type === 'Complete' || c.type === 'Failed')).toBe(true);
    // The Temporal CLI's JSON export (the format the SDK's replayer reads), one file per run of the workflow.
    const cli = await provisionTemporalCli();
    if (cli.type !== 'existing-path') throw new Error('no Temporal CLI to export histories with');
    const client = await env.jobs.client();
    const exportHistory = async (workflowId: string, runId: string, file: string) => {
      const { stdout } = await promisify(execFile)(
        cli.path,
        ['workflow', 'show', '--workflow-id', workflowId, '--run-id', runId, '--output', 'json', '--address', env.server.address],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      writeFileSync(join(out, file), stdout);
    };
    const workflowId = `kjob/default/${name}`;
    const runs = await runChain(client, workflowId);
    for (const [i, runId] of runs.entries()) await exportHistory(workflowId, runId, runs.length === 1 ? `${name}.json` : `${name}.run${i + 1}.json`);
    // The Job's pod runner shards, once each has closed.
    const prefix = `kjob-shard/default/${name}/${finished.metadata.uid}/`;
    for (let attempt = 0; ; attempt++) {
      const shards = [];
      for await (const shard of client.workflow.list({ query: `WorkflowType = 'kjobPodShard'` })) {
        if (shard.workflowId.startsWith(prefix)) shards.push(shard);
      }
      if ((shards.length < job.shards || shards.some((shard) => shard.status.name === 'RUNNING')) && attempt < 100) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      expect(shards.length).toBeGreaterThanOrEqual(job.shards);
      expect(shards.every((shard) => shard.status.name !== 'RUNNING')).toBe(true);
      for (const shard of shards) await exportHistory(shard.workflowId, shard.runId, `${name}.shard${shard.workflowId.slice(prefix.length)}.json`);
      break;
    }
  });
});
