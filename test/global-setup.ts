/**
 * Provisions both Temporal servers once before any test file runs, so a first-time build (minutes) does not
 * count against a test's timeout. A test that cannot get a real server fails; nothing is mocked.
 */
import { provisionTemporalCli, provisionTestServer } from '../src/provision/index.js';

export default async function setup(): Promise<void> {
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const [cli, testServer] = await Promise.all([provisionTemporalCli({ progress }), provisionTestServer({ progress })]);
  progress(`kjob tests: Temporal CLI from ${cli.source}${cli.type === 'existing-path' ? ` (${cli.path})` : ''}`);
  progress(`kjob tests: test server from ${testServer.source}${testServer.type === 'existing-path' ? ` (${testServer.path})` : ''}`);
}
