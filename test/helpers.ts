import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Job, Pod } from '../src/shared/kubernetes-types.js';

/** A Job manifest with one container and the given spec fields. */
export function jobManifest(name: string, spec: Record<string, unknown>, container: Record<string, unknown>, podSpec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', ...podSpec, containers: [{ name: 'main', ...container }] } } },
  };
}

export const handlerContainer = (handler: string, extra: Record<string, unknown> = {}) => ({ image: `kjob.dev/handler/${handler}`, ...extra });

export const seconds = (iso: string | undefined) => Date.parse(iso ?? 'invalid') / 1000;

/** Seconds between the creations of consecutive pods: the replacement delays. */
export function creationGaps(pods: Pod[]): number[] {
  return pods.slice(1).map((pod, i) => seconds(pod.metadata.creationTimestamp) - seconds(pods[i]!.metadata.creationTimestamp));
}

export function conditions(job: Job): string[] {
  return (job.status?.conditions ?? []).map((c) => `${c.type}=${c.status}:${c.reason}`);
}

export function terminated(pod: Pod) {
  const state = pod.status.containerStatuses?.[0]?.state;
  return state && 'terminated' in state ? state.terminated : undefined;
}

/** Whether a child process is still running. */
export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Kills a child process with SIGKILL (a worker lost at once) and waits for it to exit. */
export async function killChild(child: ChildProcess): Promise<void> {
  const exited = alive(child) ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve();
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts test/fixtures/once-worker.mjs (a kjob worker in its own process, for tests that kill it) with `env`
 * over the test's own, and resolves once it polls. The child is added to `children` for the test's cleanup.
 */
export function startFixtureWorker(env: Record<string, string>, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'once-worker.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('worker ready') && resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`worker exited early with ${code ?? signal}`)));
  });
}

/** The run ids of a workflow that continued as new, oldest first (each run's start names the run before). */
export async function runChain(client: Client, workflowId: string): Promise<string[]> {
  const ids: string[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    ids.unshift(runId);
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return ids;
}

/** Reads until `ok` holds or the time is up; the last value either way (the caller asserts on it). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
