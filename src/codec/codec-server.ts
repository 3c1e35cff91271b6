/**
 * The codec endpoint (Temporal's remote codec-server protocol, temporalio/samples-go codec-server/protocol.md):
 * POST `.../encode` and `.../decode` take and give `{ "payloads": [...] }` in proto3 JSON, so the Temporal Web UI
 * (and `temporal --codec-endpoint`) show what kjob's payloads hold to whoever reaches this server. The UI calls it
 * from the browser with `Content-Type: application/json` and `X-Namespace`, so it answers CORS preflights, for
 * the UI's origins only. It binds 127.0.0.1 unless told otherwise: anyone who reaches it reads every payload.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { payloadsFromJson, payloadsToJson } from './payloads-json.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default a free one. */
  port?: number;
  /** Origins (`http://127.0.0.1:8233`) whose pages may call it; requests from pages of other origins are refused. */
  allowedOrigins: readonly string[];
  /** Largest request body (default 64 MiB: many payloads of up to Temporal's 2 MiB). */
  maxBodyBytes?: number;
}

export interface CodecServer {
  /** `http://host:port`: the UI's codec endpoint. */
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An `Origin` header's value as the browser sends it: scheme, host and port, no path. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.allowedOrigins.map(originOf));
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 400;
      if (!response.headersSent) send(response, status, { message: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin;
    // A page of another origin gets no CORS headers and no answer; tools without an Origin (the CLI) do.
    if (origin !== undefined && !allowed.has(origin)) throw new HttpError(403, `origin ${origin} may not use this codec endpoint`);
    if (origin !== undefined) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      response.setHeader('Access-Control-Allow-Headers', request.headers['access-control-request-headers'] ?? 'Content-Type, X-Namespace, Authorization');
      if (request.headers['access-control-request-private-network'] === 'true') response.setHeader('Access-Control-Allow-Private-Network', 'true');
      response.setHeader('Access-Control-Max-Age', '600');
      response.writeHead(204).end();
      return;
    }
    // Only the URL's last part counts (the protocol's rule), so the endpoint may sit under any prefix.
    const operation = new URL(request.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean).at(-1);
    if (operation !== 'encode' && operation !== 'decode') throw new HttpError(404, 'the codec endpoint serves POST .../encode and .../decode');
    if (request.method !== 'POST') throw new HttpError(405, `${operation} takes POST`);
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request, maxBodyBytes));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
    }
    const payloads = payloadsFromJson(body);
    const result = operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    send(response, 200, payloadsToJson(result));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
