/**
 * The time-skipping test server (Java, Maven artifact io.temporal:temporal-test-server). Found, in order:
 * TEMPORAL_TEST_SERVER_PATH, `temporal-test-server` on PATH, the cache, a Maven fetch (when Java and Maven
 * exist), and last the SDK's own download. The cached copy is a launcher script the SDK runs as `path <port>`;
 * it starts the JVM with a class-data-sharing archive made at provisioning time, so the server answers well
 * within the 5 s the SDK allows.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { cacheDir, explicitOrOnPath, findOnPath, stderrProgress } from './paths.js';
import { runTool } from './run-tool.js';
import type { Provisioned, ProvisionOptions } from './types.js';

export const TEST_SERVER_VERSION = process.env.KJOB_TEST_SERVER_VERSION ?? '1.38.0';

export async function provisionTestServer(options: ProvisionOptions = {}): Promise<Provisioned> {
  const progress = options.progress ?? stderrProgress;
  const given = explicitOrOnPath('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
  if (given) return { type: 'existing-path', ...given };
  const dir = join(cacheDir(), 'test-server', TEST_SERVER_VERSION);
  const launcher = join(dir, 'temporal-test-server');
  if (existsSync(launcher)) return { type: 'existing-path', path: launcher, source: 'cache' };
  const java = javaBinary();
  const failures: string[] = [];
  if (options.build !== false && java && findOnPath('mvn')) {
    const built = await fetchWithMaven(dir, java, progress);
    if (built.ok) return { type: 'existing-path', path: launcher, source: 'maven', seconds: built.seconds };
    failures.push(`mvn dependency:copy-dependencies of io.temporal:temporal-test-server:${TEST_SERVER_VERSION} failed:\n${built.error}`);
  } else {
    failures.push('Java and Maven are not both installed, so the test server cannot be fetched from Maven Central');
  }
  return { type: 'cached-download', source: 'SDK download', failures };
}

function javaBinary(): string | undefined {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  return findOnPath('java');
}

const pom = (version: string) => `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kjob</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;

async function fetchWithMaven(dir: string, java: string, progress: (line: string) => void): Promise<{ ok: boolean; error?: string; seconds: number }> {
  const staging = `${dir}.fetching-${process.pid}`;
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'pom.xml'), pom(TEST_SERVER_VERSION));
  progress(`kjob: fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with Maven (first time only)...`);
  const run = await runTool({
    label: 'kjob: mvn dependency:copy-dependencies',
    command: 'mvn',
    args: ['-B', '-q', 'dependency:copy-dependencies', '-DoutputDirectory=lib'],
    cwd: staging,
    progress,
  });
  if (!run.ok) {
    await rm(staging, { recursive: true, force: true });
    return { ok: false, error: run.output.trim().split('\n').slice(-15).join('\n'), seconds: run.seconds };
  }
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  await writeLauncher(dir, java, false);
  // Record the classes the server loads, then start it from that archive from now on.
  const archived = await createClassDataArchive(dir);
  await writeLauncher(dir, java, archived);
  progress(`kjob: fetched the test server in ${run.seconds}s${archived ? ' (with a class-data-sharing archive)' : ''} -> ${dir}`);
  return { ok: true, seconds: run.seconds };
}

async function writeLauncher(dir: string, java: string, withArchive: boolean): Promise<void> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const flags = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xss1m'];
  if (withArchive) flags.push(`-XX:SharedArchiveFile=${join(dir, 'classes.jsa')}`, '-Xshare:auto');
  const script = `#!/bin/sh
# Launches the Temporal time-skipping test server; written by kjob's provisioning. Usage: $0 <port>
exec ${q(java)} ${flags.join(' ')} -cp ${q(join(dir, 'lib'))}/'*' io.temporal.testserver.TestServer "$@"
`;
  const launcher = join(dir, 'temporal-test-server');
  await writeFile(launcher, script);
  await chmod(launcher, 0o755);
}

/** Runs the server once with -XX:ArchiveClassesAtExit so later starts map its classes instead of loading them. */
async function createClassDataArchive(dir: string): Promise<boolean> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const archive = join(dir, 'classes.jsa');
  const child = spawn(join(dir, 'temporal-test-server'), [String(port)], {
    env: { ...process.env, JAVA_TOOL_OPTIONS: `-XX:ArchiveClassesAtExit=${archive}` },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !(await portOpen(port))) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return existsSync(archive);
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
