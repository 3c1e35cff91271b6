/**
 * A grep for a value that must not be stored in plain text: every workflow history of a Temporal namespace (as
 * `temporal workflow show -o json` prints it, and as the SDK's fetchHistory reads it, in proto bytes), every
 * workflow's description (memo, user metadata, pending activities), and files such as the dev server's SQLite
 * database and its write-ahead log. The needle is looked for as bytes and in base64 at each of its three
 * alignments, since JSON output and payloads carry bytes in base64. `scan...` return the hits: none is the pass.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: Node's ESM loader gives it as the default export only.
const { History } = proto.temporal.api.history.v1;
const { DescribeWorkflowExecutionResponse } = proto.temporal.api.workflowservice.v1;

export interface PlaintextHit {
  /** What was scanned: `history <workflowId>/<runId> (temporal workflow show)`, a file path, ... */
  where: string;
  /** `text`, or `base64+<alignment>`. */
  form: string;
  offset: number;
}

/** The needle's byte strings: itself, and the part of its base64 that does not depend on its neighbours, at each alignment. */
export function needleForms(needle: string): { form: string; bytes: Buffer }[] {
  const raw = Buffer.from(needle, 'utf8');
  const forms = [{ form: 'text', bytes: raw }];
  for (const alignment of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(alignment), raw]).toString('base64').replace(/=+$/, '');
    // Leading characters carry bits of the bytes before; trailing ones, when the end is not on a 3-byte boundary, of the bytes after.
    const head = Math.ceil((alignment * 8) / 6);
    const tail = (alignment + raw.length) % 3 === 0 ? 0 : 1;
    forms.push({ form: `base64+${alignment}`, bytes: Buffer.from(encoded.slice(head, encoded.length - tail)) });
  }
  return forms;
}

/** Every place in `bytes` where a form of `needle` is. */
export function scanBytes(where: string, bytes: Uint8Array, needle: string): PlaintextHit[] {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hits: PlaintextHit[] = [];
  for (const { form, bytes: pattern } of needleForms(needle)) {
    for (let offset = haystack.indexOf(pattern); offset >= 0; offset = haystack.indexOf(pattern, offset + 1)) hits.push({ where, form, offset });
  }
  return hits;
}

/** Files as they are on disk now (missing ones are skipped: SQLite's -wal exists only between checkpoints). */
export function scanFiles(paths: readonly string[], needle: string): PlaintextHit[] {
  return paths.filter((path) => existsSync(path)).flatMap((path) => scanBytes(path, readFileSync(path), needle));
}

/** The dev server's SQLite files: the database, its write-ahead log and shared-memory index. */
export function sqliteFiles(dbFile: string): string[] {
  return [dbFile, `${dbFile}-wal`, `${dbFile}-shm`];
}

export interface HistoryScanTarget {
  client: Client;
  /** The Temporal CLI, for `temporal workflow show`. */
  cliPath: string;
  /** The frontend the CLI talks to. */
  address: string;
}

/**
 * Every run of every workflow in the client's namespace: the CLI's JSON history, the SDK's history in proto
 * bytes, and the description (memo, user metadata, pending activities' details) in proto bytes.
 */
export async function scanHistories({ client, cliPath, address }: HistoryScanTarget, needle: string): Promise<PlaintextHit[]> {
  const hits: PlaintextHit[] = [];
  for await (const run of client.workflow.list()) {
    const id = `${run.workflowId}/${run.runId}`;
    const { stdout } = await promisify(execFile)(
      cliPath,
      ['workflow', 'show', '--workflow-id', run.workflowId, '--run-id', run.runId, '--output', 'json', '--address', address, '--namespace', client.options.namespace],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    hits.push(...scanBytes(`history ${id} (temporal workflow show)`, Buffer.from(stdout), needle));
    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    hits.push(...scanBytes(`history ${id} (fetchHistory)`, History.encode(await handle.fetchHistory()).finish(), needle));
    hits.push(...scanBytes(`description ${id}`, DescribeWorkflowExecutionResponse.encode((await handle.describe()).raw).finish(), needle));
  }
  return hits;
}

/** How many workflow runs `scanHistories` reads: a scan of none proves nothing. */
export async function countRuns(client: Client): Promise<number> {
  let runs = 0;
  for await (const _ of client.workflow.list()) runs++;
  return runs;
}
