/**
 * A TLS-terminating gRPC proxy in front of the dev server (which speaks plaintext only), as a cloud load balancer
 * would be: it requires a client certificate signed by its CA (mTLS) and, optionally, `authorization: Bearer
 * <apiKey>` on every stream, then relays each stream to the dev server over plaintext HTTP/2. It counts what it
 * saw, so a test can tell that traffic really went through it. Also: throwaway certificates made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http2, {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM } = http2.constants;

export interface TlsProxyOptions {
  /** The server's certificate and key (PEM). */
  cert: Buffer;
  key: Buffer;
  /** The CA that client certificates must be signed by (PEM). */
  ca: Buffer;
  /** The plaintext gRPC server behind the proxy, host:port. */
  upstream: string;
  /** When set, every stream must carry `authorization: Bearer <apiKey>`; others get UNAUTHENTICATED. */
  apiKey?: string;
}

export interface TlsProxyStats {
  /** Streams relayed to the upstream (they passed the API key check). */
  relayed: number;
  /** Relayed streams still open upstream (a cancelled or reset call closes its upstream stream too). */
  open: number;
  /** Streams answered UNAUTHENTICATED for a missing or wrong API key. */
  unauthenticated: number;
  /** Failed TLS handshakes (no client certificate, one from another CA, …), with their messages. */
  tlsErrors: string[];
  /** How many streams carried each `authorization` value (`(none)` when absent). */
  authorizations: Map<string, number>;
  /** How many relayed streams called each gRPC method (`:path`, e.g. `/temporal.api…WorkflowService/PollActivityTaskQueue`). */
  methods: Map<string, number>;
}

export interface TlsProxy {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  stats: TlsProxyStats;
  /** The `grpc-message` of its UNAUTHENTICATED answers. */
  readonly unauthenticatedMessage: string;
  /** Ends every session (both sides) and stops listening. */
  close(): Promise<void>;
}

// No '%' or non-ASCII: the value goes out as a grpc-message without percent-encoding.
const UNAUTHENTICATED_MESSAGE = 'kjob test proxy: missing or invalid API key';

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const stats: TlsProxyStats = { relayed: 0, open: 0, unauthenticated: 0, tlsErrors: [], authorizations: new Map(), methods: new Map() };
  const sessions = new Set<Http2Session>();
  const track = <S extends Http2Session>(session: S): S => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A peer that goes away mid-stream is routine for a proxy; the streams' own handlers clean up.
    session.on('error', () => undefined);
    return session;
  };

  const server = http2.createSecureServer({
    key: options.key,
    cert: options.cert,
    ca: options.ca,
    requestCert: true,
    rejectUnauthorized: true,
    allowHTTP1: false,
    ALPNProtocols: ['h2'],
  });
  server.on('tlsClientError', (error) => stats.tlsErrors.push(error.message));
  // Long polls (workflow and activity task polls) last up to a minute: no idle timeout on either side.
  server.setTimeout(0);

  // One plaintext upstream session per client session, so that closing one closes the other.
  const upstreamOf = new WeakMap<Http2Session, ClientHttp2Session>();
  server.on('session', (session) => {
    const upstream = track(http2.connect(`http://${options.upstream}`));
    upstreamOf.set(track(session), upstream);
    session.once('close', () => upstream.destroy());
    upstream.once('close', () => session.destroy());
  });

  server.on('stream', (stream, headers) => {
    const authorization = headers.authorization ?? '(none)';
    stats.authorizations.set(authorization, (stats.authorizations.get(authorization) ?? 0) + 1);
    stream.on('error', () => undefined);
    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      stats.unauthenticated++;
      // gRPC's "trailers-only" answer: HTTP 200 and the gRPC status in the only HEADERS frame.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': UNAUTHENTICATED_MESSAGE }, { endStream: true });
      stream.resume(); // discard the request body
      return;
    }
    const upstream = stream.session && upstreamOf.get(stream.session);
    if (!upstream || upstream.destroyed) {
      stream.close(NGHTTP2_CANCEL);
      return;
    }
    stats.relayed++;
    const method = headers[':path'] ?? '';
    stats.methods.set(method, (stats.methods.get(method) ?? 0) + 1);
    stats.open++;
    relay(stream, headers, upstream).once('close', () => stats.open--);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    stats,
    unauthenticatedMessage: UNAUTHENTICATED_MESSAGE,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

/** Relays one stream: request headers and body up; response headers, body and trailers down; resets both ways. */
function relay(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, upstream: ClientHttp2Session): ClientHttp2Stream {
  // :scheme and :authority are the upstream session's own; :method, :path and the gRPC headers pass unchanged.
  const request = upstream.request(copyHeaders(headers, [':scheme', ':authority']));
  request.on('error', () => undefined);

  let trailers: OutgoingHttpHeaders = {};
  request.on('response', (response, flags) => {
    if (stream.destroyed) return;
    const head = copyHeaders(response);
    // A trailers-only answer (a gRPC error before any message) ends the stream with its headers.
    if ((flags & NGHTTP2_FLAG_END_STREAM) !== 0) {
      stream.respond(head, { endStream: true });
      return;
    }
    // gRPC's status comes in trailers, after the body: hold the stream open for them.
    stream.respond(head, { waitForTrailers: true });
    request.pipe(stream);
  });
  request.on('trailers', (received) => {
    trailers = copyHeaders(received);
  });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  stream.pipe(request);

  // A reset on either side (a cancelled call, a closed connection) resets the other; a normal end does not.
  stream.on('close', () => {
    if (!request.closed) request.close(stream.rstCode && stream.rstCode !== NGHTTP2_NO_ERROR ? stream.rstCode : NGHTTP2_CANCEL);
  });
  request.on('close', () => {
    const reset = request.rstCode !== undefined && request.rstCode !== NGHTTP2_NO_ERROR;
    // Closed without an answer (the upstream connection went away): the client must not wait forever either.
    if (!stream.closed && (reset || !stream.headersSent)) stream.close(reset ? request.rstCode : NGHTTP2_INTERNAL_ERROR);
  });
  return request;
}

function copyHeaders(headers: IncomingHttpHeaders, except: string[] = []): OutgoingHttpHeaders {
  const copy: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !except.includes(name)) copy[name] = value;
  return copy;
}

export interface TestCertificates {
  dir: string;
  /** The CA the proxy trusts for clients and that signed its own certificate. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by the CA. */
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by another CA, which the proxy must refuse. */
  otherClientCert: string;
  otherClientKey: string;
}

/** Makes a CA, a server certificate for localhost and 127.0.0.1, and client certificates, in `dir` (file paths). */
export function makeTestCertificates(dir: string): TestCertificates {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const path = (name: string) => join(dir, name);
  // P-256 keys: quick to make, and accepted by both the SDK's clients (grpc-js on OpenSSL, Core on rustls).
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => {
    const extensions = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
    openssl('req', '-x509', ...ec, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`), '-days', '2', '-subj', `/CN=kjob test ${name}`, ...extensions);
  };
  // rustls (webpki) wants a v3 leaf with the right extended key usage and, for servers, a subjectAltName.
  const leaf = (name: string, signer: string, subject: string, extensions: string) => {
    writeFileSync(path(`${name}.ext`), extensions);
    openssl('req', '-new', ...ec, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', subject);
    const signedBy = ['-CA', path(`${signer}.crt`), '-CAkey', path(`${signer}.key`), '-CAcreateserial'];
    openssl('x509', '-req', '-in', path(`${name}.csr`), ...signedBy, '-days', '2', '-out', path(`${name}.crt`), '-extfile', path(`${name}.ext`));
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', '/CN=localhost', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const clientExtensions = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  leaf('client', 'ca', '/CN=kjob-client', clientExtensions);
  leaf('other-client', 'other-ca', '/CN=kjob-intruder', clientExtensions);
  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherClientCert: path('other-client.crt'),
    otherClientKey: path('other-client.key'),
  };
}

/** The proxy options for certificates made by makeTestCertificates. */
export function proxyCredentials(certs: TestCertificates): Pick<TlsProxyOptions, 'cert' | 'key' | 'ca'> {
  return { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), ca: readFileSync(certs.caCert) };
}
