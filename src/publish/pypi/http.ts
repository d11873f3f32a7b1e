// One HTTP exchange with a package index, on node:http(s) so that we know whether the whole body reached
// the socket before a failure (the difference between "not sent" and "maybe stored"). Errors carry only
// the method, origin and path: never headers, credentials or query strings.
import http from 'node:http';
import https from 'node:https';
import type { Writable } from 'node:stream';
import { transferAllowanceMs } from '../../network.js';
import { redact } from '../../secrets.js';
import { FileChangedError } from './multipart.js';

export interface HttpResponse {
  status: number;
  /** The reason phrase (PyPI puts its message there; empty over HTTP/2). */
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a writer that streams the body into the request (without ending it). */
  body?: Buffer | ((dest: Writable) => Promise<void>);
  /**
   * Idle time (no bytes either way) after which the exchange fails; the whole exchange may take this
   * long plus 1 s per 256 KiB of request body, so that a server trickling bytes cannot hold it either.
   */
  timeoutMs: number;
  /** Stop reading a response body after this many bytes (default 4 MiB). */
  maxBody?: number;
}

/** A failure without an HTTP answer. `bodySent`: every byte of the request went out first (ambiguous). */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly bodySent: boolean,
    readonly code?: string,
    /** Set when the exchange ran out of time: the bound it had. */
    readonly timeoutMs?: number,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };

/** `POST https://host/path` with no userinfo and no query. */
export function describeUrl(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`;
}

export function send(req: HttpRequest): Promise<HttpResponse> {
  const lib = req.url.protocol === 'https:' ? https : http;
  const where = describeUrl(req.method, req.url);
  return new Promise((resolve, reject) => {
    let bodySent = false;
    let settled = false;
    /** The bound that ran out, once one did. */
    let expired: number | null = null;
    const bodyBytes = Buffer.isBuffer(req.body) ? req.body.length : Number(req.headers?.['content-length'] ?? 0) || 0;
    const totalMs = req.timeoutMs + transferAllowanceMs(bodyBytes);
    const failWith = (err: NodeJS.ErrnoException | Error, sent = bodySent) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      const code = (err as NodeJS.ErrnoException).code;
      // Only our own words and the error code: library messages can quote URLs or headers.
      const what =
        expired !== null
          ? `no complete answer within ${Math.round(expired / 100) / 10} s (the server stalled or sent too slowly)`
          : (code ?? (err.message.includes('timed out') ? 'timed out' : 'connection failed'));
      reject(new NetworkError(redact(`${where}: ${what}${sent ? ' after the request was sent' : ''}`), sent, code, expired ?? undefined));
    };
    const expire = (ms: number) => {
      expired = ms;
      r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    };
    const deadline = setTimeout(() => expire(totalMs), totalMs);
    const r = lib.request(
      req.url,
      { method: req.method, headers: req.headers, agent: req.url.protocol === 'https:' ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const max = req.maxBody ?? 4 * 1024 * 1024;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= max) chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => failWith(e, true));
        res.on('aborted', () => failWith(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), true));
      },
    );
    r.setTimeout(req.timeoutMs, () => expire(req.timeoutMs));
    r.on('finish', () => (bodySent = true));
    r.on('error', (e) => failWith(e));
    if (req.body === undefined) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      req.body(r).then(
        () => r.end(),
        (e: Error) => {
          if (e instanceof FileChangedError && !settled) {
            settled = true;
            clearTimeout(deadline);
            reject(e);
          }
          // Anything else is the connection failing: reported through the request's 'error' as a NetworkError.
          r.destroy(e instanceof FileChangedError ? undefined : Object.assign(new Error('write failed'), { code: (e as NodeJS.ErrnoException).code ?? 'EPIPE' }));
        },
      );
    }
  });
}
