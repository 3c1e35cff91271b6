/**
 * The embedded dev server: `temporal server start-dev` with a SQLite file and the Web UI, started as a child
 * process and waited for until it answers. kjob starts it itself (rather than through the SDK's 5 s window)
 * so `kjob dev` can keep it running, choose its file and ports, and register search attributes.
 */
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../shared/protocol/search-attributes.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ProvisioningError } from '../shared/errors.js';
import { provisionTemporalCli } from './temporal-cli.js';
import type { ProvisionOptions } from './types.js';

export interface DevServerOptions extends ProvisionOptions {
  /** SQLite file that keeps the server's state across restarts; in memory when omitted. */
  dbFile?: string;
  /** gRPC port (default: a free one). */
  port?: number;
  /** Web UI port (default: a free one); `false` for none. */
  uiPort?: number | false;
  namespace?: string;
  /** How long to wait for the server to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Extra arguments for `temporal server start-dev`. */
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The server process, when kjob started it itself (not through the SDK's download fallback). */
  process?: ChildProcess;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A port free to listen on. Linux may hand a just-closed ephemeral port out again at once, and the dev server picks
 * its own internal ports the same way: so, as the Temporal CLI's GetFreePort does, a connection to the port is
 * closed from the listening side first, which keeps the port in TIME_WAIT (not handed out by bind(0) for a while)
 * while an explicit bind with SO_REUSEADDR, as Go and Node do, still gets it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer((accepted) => accepted.destroy());
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return server.close(() => reject(new Error('no port')));
      const client = connect(address.port, '127.0.0.1');
      client.once('error', () => undefined);
      client.once('close', () => server.close(() => resolve(address.port)));
    });
  });
}

/** kjob's search attributes, registered when the dev server starts (a real cluster registers them once; README). */
function searchAttributeArgs(): string[] {
  return SEARCH_ATTRIBUTE_DEFINITIONS.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]);
}

/** Attempts at starting the server when kjob chose its ports: another process may take a free port first. */
const START_ATTEMPTS = 3;

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = await provisionTemporalCli(options);
  const namespace = options.namespace ?? 'default';
  const portChosenHere = options.port === undefined;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? (await freePort()));
    if (cli.type !== 'existing-path') return startWithSdkDownload({ ...options, namespace, port, uiPort }, cli.failures);
    try {
      return await launch(cli.path, { ...options, namespace, port, uiPort });
    } catch (error) {
      if (!(error instanceof EarlyExitError) || !portChosenHere || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/** The server process ended before it answered (a port taken meanwhile, a bad flag, a broken database file). */
class EarlyExitError extends ProvisioningError {}

/** The start of a stream and its end: a Go panic's message comes first, then a long stack trace. */
function headAndTail(limit: number): { add(text: string): void; text(): string } {
  let head = '';
  let tail = '';
  let dropped = false;
  return {
    add(text) {
      if (head.length < limit / 2) {
        const room = limit / 2 - head.length;
        head += text.slice(0, room);
        text = text.slice(room);
      }
      if (tail.length + text.length > limit / 2) dropped = true;
      tail = (tail + text).slice(-limit / 2);
    },
    text: () => (dropped ? `${head}\n[…]\n${tail}` : head + tail),
  };
}

async function launch(
  cliPath: string,
  options: DevServerOptions & { namespace: string; port: number; uiPort: number | undefined },
): Promise<DevServer> {
  const { namespace, port, uiPort } = options;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  args.push(...searchAttributeArgs(), ...(options.extraArgs ?? []));
  const child = spawn(cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = headAndTail(4000);
  child.stderr?.on('data', (d: Buffer) => stderr.add(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new EarlyExitError(`temporal server start-dev exited with code ${child.exitCode}:\n${stderr.text()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace });
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new ProvisioningError(`temporal server start-dev did not answer on ${address}: ${String(error)}\n${stderr.text()}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    namespace,
    ...(uiPort !== undefined ? { uiUrl: `http://127.0.0.1:${uiPort}` } : {}),
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Last resort: the SDK downloads the CLI and starts it (needs the internet). */
async function startWithSdkDownload(
  options: DevServerOptions & { namespace: string; port: number; uiPort: number | undefined },
  failures: string[],
): Promise<DevServer> {
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        namespace: options.namespace,
        ip: '127.0.0.1',
        port: options.port,
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        ui: options.uiPort !== undefined,
        ...(options.uiPort !== undefined ? { uiPort: options.uiPort } : {}),
        extraArgs: [...searchAttributeArgs(), ...(options.extraArgs ?? [])],
      },
    });
    return {
      address: env.address,
      namespace: options.namespace,
      ...(options.uiPort !== undefined ? { uiUrl: `http://127.0.0.1:${options.uiPort}` } : {}),
      stop: () => env.teardown(),
    };
  } catch (error) {
    throw new ProvisioningError(
      'No Temporal CLI for the dev server. Set TEMPORAL_CLI_PATH, put `temporal` on PATH, install Go so kjob can build it ' +
        '(go install github.com/temporalio/cli/cmd/temporal@v1.5.1), or allow the SDK to download it.\n' +
        [...failures, `SDK download failed: ${String(error)}`].join('\n'),
      { cause: error },
    );
  }
}
