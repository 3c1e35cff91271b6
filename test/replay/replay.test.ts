/**
 * Jobs outlive deployments: a worker with new workflow code must carry on the histories that older code wrote.
 * Every recorded history (test/replay/fixtures/<version>/*.json, from `npm run replay:record`) is replayed
 * against the current workflow bundle; a change that would break running Jobs fails here (nondeterminism).
 * The rule for workflow changes is in README.md ("Changing the workflow code").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { encryptingDataConverter } from '../../src/codec/data-converter.js';
import { generateEncryptionKey } from '../../src/codec/encryption-keys.js';
import { quietTemporalRuntime } from '../../src/worker/runtime-logging.js';
import { jobWorkflowBundle } from '../../src/worker/create-worker.js';

const fixturesDir = join(import.meta.dirname, 'fixtures');
const fixtures = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((version) =>
    readdirSync(join(fixturesDir, version.name))
      .filter((file) => file.endsWith('.json'))
      .map((file) => {
        // <job>.json, <job>.run<N>.json (continue-as-new), or <job>.shard<N>.json (a pod runner shard).
        const [, job, shard] = /^(.*?)(?:\.run\d+|\.shard(\d+))?\.json$/.exec(file)!;
        const workflowId = shard === undefined ? `kjob/default/${job}` : `kjob-shard/default/${job}/recorded/${shard}`;
        return { version: version.name, workflowId, file, path: join(fixturesDir, version.name, file) };
      }),
  );

describe('replaying recorded Job histories against the current workflow code', () => {
  test('there are fixtures to replay', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(9);
  });

  test.each(fixtures.map((f) => [`${f.version}/${f.file}`, f] as const))('%s', async (_label, fixture) => {
    quietTemporalRuntime();
    // The CLI's JSON export; the replayer parses it itself.
    const history: unknown = JSON.parse(readFileSync(fixture.path, 'utf8'));
    // Throws DeterminismViolationError (or another replay failure) when the code no longer fits the history.
    await Worker.runReplayHistory({ workflowBundle: await jobWorkflowBundle() }, history, fixture.workflowId);
  });
});

describe('a worker that encrypts carries on the unencrypted histories too', () => {
  // The newest fixture of each version: its payloads are plain, and the codec lets plain payloads through.
  const newest = [...new Map(fixtures.map((f) => [f.version, f])).values()];
  test.each(newest.map((f) => [`${f.version}/${f.file}`, f] as const))('%s', async (_label, fixture) => {
    quietTemporalRuntime();
    const dataConverter = encryptingDataConverter([generateEncryptionKey('replay')])!;
    const history: unknown = JSON.parse(readFileSync(fixture.path, 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: await jobWorkflowBundle(dataConverter.failureConverterPath), dataConverter }, history, fixture.workflowId);
  });
});
