/**
 * The Temporal CLI, whose `server start-dev` is the embedded dev server (SQLite, Web UI). Found, in order:
 * TEMPORAL_CLI_PATH, `temporal` on PATH, the cache, a build with `go install` from the Go module proxy
 * (v1.5.1, then the older tags), and last the SDK's own download (needs the internet).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, explicitOrOnPath, findOnPath, stderrProgress } from './paths.js';
import { runTool } from './run-tool.js';
import type { Provisioned, ProvisionOptions } from './types.js';

/** v1.5.1 is the last release whose go.mod has no replace directive, so `go install` can build it. */
export const TEMPORAL_CLI_TAGS = ['v1.5.1', 'v1.4.1', 'v1.3.0'] as const;

export async function provisionTemporalCli(options: ProvisionOptions = {}): Promise<Provisioned> {
  const progress = options.progress ?? stderrProgress;
  const given = explicitOrOnPath('TEMPORAL_CLI_PATH', 'temporal');
  if (given) return { type: 'existing-path', ...given };
  for (const tag of TEMPORAL_CLI_TAGS) {
    const cached = join(cacheDir(), 'temporal-cli', tag, 'temporal');
    if (existsSync(cached)) return { type: 'existing-path', path: cached, source: 'cache' };
  }
  const failures: string[] = [];
  if (options.build !== false && findOnPath('go')) {
    for (const tag of TEMPORAL_CLI_TAGS) {
      const built = await buildWithGo(tag, progress);
      if (built.path) return { type: 'existing-path', path: built.path, source: 'go install', seconds: built.seconds };
      failures.push(`go install github.com/temporalio/cli/cmd/temporal@${tag} failed:\n${built.error}`);
    }
  } else {
    failures.push('Go is not installed, so the Temporal CLI cannot be built');
  }
  return { type: 'cached-download', source: 'SDK download', failures };
}

async function buildWithGo(tag: string, progress: (line: string) => void): Promise<{ path?: string; error?: string; seconds: number }> {
  const target = join(cacheDir(), 'temporal-cli', tag);
  const staging = `${target}.building-${process.pid}`;
  await mkdir(staging, { recursive: true });
  progress(`kjob: building the Temporal CLI ${tag} with go install (first time only; takes a few minutes)...`);
  const run = await runTool({
    label: `kjob: go install temporal@${tag}`,
    command: 'go',
    args: ['install', '-v', `github.com/temporalio/cli/cmd/temporal@${tag}`],
    env: { GOBIN: staging, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    progress,
  });
  if (!run.ok || !existsSync(join(staging, 'temporal'))) {
    await rm(staging, { recursive: true, force: true });
    return { error: run.output.trim().split('\n').slice(-15).join('\n'), seconds: run.seconds };
  }
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  progress(`kjob: built the Temporal CLI ${tag} in ${run.seconds}s -> ${target}`);
  return { path: join(target, 'temporal'), seconds: run.seconds };
}
