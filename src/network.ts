// The bound on every HTTP exchange: a server that accepts and then sends nothing, or sends a byte a
// second, is abandoned after it with a message naming the URL, never holding a run for hours.
import { ConfigError } from './errors.js';
import { redact } from './secrets.js';

/** Seconds one HTTP exchange may take, from the first byte sent to the last byte of the answer. */
export const NETWORK_TIMEOUT_VARIABLE = 'WHEELWRIGHT_NETWORK_TIMEOUT';

/** The timeout of one exchange: WHEELWRIGHT_NETWORK_TIMEOUT (seconds) when set, else the client's own default. */
export function networkTimeoutMs(env: NodeJS.ProcessEnv, fallbackMs: number): number {
  const raw = env[NETWORK_TIMEOUT_VARIABLE];
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`${NETWORK_TIMEOUT_VARIABLE} is ${JSON.stringify(raw)}, not a positive number of seconds`, {
      field: NETWORK_TIMEOUT_VARIABLE,
      hint: `set it to the seconds one request may take (e.g. ${NETWORK_TIMEOUT_VARIABLE}=120), or unset it for the defaults`,
    });
  }
  return Math.round(seconds * 1000);
}

/**
 * The total time a destination may spend waiting to retry, across its requests: WHEELWRIGHT_RETRY_DEADLINE
 * (seconds) when set to a positive number, else 180 s.
 */
export function retryDeadlineMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.WHEELWRIGHT_RETRY_DEADLINE);
  return seconds > 0 ? Math.round(seconds * 1000) : 180_000;
}

/** What an upload of `bytes` gets on top of the timeout: 1 s per 256 KiB (slower than that is stalled). */
export function transferAllowanceMs(bytes: number): number {
  return Math.round((bytes / 262_144) * 1000);
}

/** `https://host/path` of a URL: no userinfo, no query (either can carry a credential). */
export function urlForMessage(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}`;
  } catch {
    return redact(String(url));
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** No complete answer in time: the server stalled or trickled. */
export class NetworkTimeout extends Error {
  constructor(
    readonly url: string,
    readonly ms: number,
  ) {
    super(`${urlForMessage(url)}: no complete answer within ${seconds(ms)} (the server stalled or sent too slowly)`);
    this.name = 'NetworkTimeout';
  }
}

/** The fix for a timeout, for an error's hint. */
export function timeoutHint(ms: number): string {
  return `check that the server is up and reachable; on a slow link raise ${NETWORK_TIMEOUT_VARIABLE} (seconds one request may take; now ${Math.round(ms / 100) / 10})`;
}

/** Whether `err` (or an error it wraps) is a NetworkTimeout. */
export function timeoutOf(err: unknown): NetworkTimeout | null {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof NetworkTimeout) return e;
  }
  return null;
}

export interface BoundedFetchOptions {
  /** The bound on the whole exchange: connection, headers and the body. */
  timeoutMs: number;
  /** More time for a large transfer (see transferAllowanceMs). */
  extraMs?: number;
}

/**
 * fetch whose whole exchange ends within the bound: the body is read here, under the same deadline, so
 * a server that trickles cannot outlast it. The answer comes back as a Response over the bytes read.
 * Throws NetworkTimeout when the bound passes; other failures as fetch throws them.
 */
export async function boundedFetch(url: string | URL, init: RequestInit, opts: BoundedFetchOptions): Promise<Response> {
  const ms = opts.timeoutMs + (opts.extraMs ?? 0);
  const href = String(url);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new NetworkTimeout(href, ms)), ms);
  const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
  try {
    const res = await fetch(url, { ...init, signal });
    const empty = res.status === 204 || res.status === 205 || res.status === 304 || init.method === 'HEAD';
    const body = empty ? null : await res.arrayBuffer();
    const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    Object.defineProperty(out, 'url', { value: res.url });
    return out;
  } catch (err) {
    if (controller.signal.aborted) throw controller.signal.reason as NetworkTimeout;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The setting that bounds the retries of one destination, in seconds. */
export const RETRY_DEADLINE_VARIABLE = 'WHEELWRIGHT_RETRY_DEADLINE';

/**
 * The retry deadline of one destination: its clock starts at the first failed request (5xx, 429, no
 * answer) and is not reset (as PyPI's uploader counts it), so a server that fails forever, or fails
 * between good answers, ends the run within WHEELWRIGHT_RETRY_DEADLINE. It also keeps what the final
 * message says was tried.
 */
export class RetryDeadline {
  readonly ms: number;
  private until: number | null = null;
  /** Failed requests while the clock ran. */
  failures = 0;
  /** The last failed answer, for the final message (`500 Internal Server Error`, `429, Retry-After 3600 s`). */
  last = '';
  constructor(envOrMs: NodeJS.ProcessEnv | number) {
    this.ms = typeof envOrMs === 'number' ? envOrMs : retryDeadlineMs(envOrMs);
  }
  /** The bound of the last failure, when it ran out of time (its fix is WHEELWRIGHT_NETWORK_TIMEOUT). */
  lastTimeoutMs: number | undefined;
  failed(last: string, timeoutMs?: number): void {
    this.failures++;
    this.last = last;
    this.lastTimeoutMs = timeoutMs;
    this.until ??= Date.now() + this.ms;
  }
  remainingMs(): number {
    return this.until === null ? this.ms : Math.max(0, this.until - Date.now());
  }
  passed(): boolean {
    return this.until !== null && Date.now() >= this.until;
  }
  /** `3 attempts in 2 s (the WHEELWRIGHT_RETRY_DEADLINE); last answer: 500 Internal Server Error`. */
  summary(): string {
    return `${this.failures} attempt${this.failures === 1 ? '' : 's'} within the ${seconds(this.ms)} retry deadline (${RETRY_DEADLINE_VARIABLE}); last answer: ${this.last || 'none'}`;
  }
}

/** What to do after a destination kept failing until its retry deadline. */
export function retryHint(deadline: RetryDeadline): string {
  if (deadline.lastTimeoutMs !== undefined) return `${timeoutHint(deadline.lastTimeoutMs)}; ${RETRY_DEADLINE_VARIABLE} (seconds, now ${Math.round(deadline.ms / 100) / 10}) bounds the retries`;
  return `the server kept failing: check its status page or your proxy, then run the command again; a longer ${RETRY_DEADLINE_VARIABLE} (seconds, now ${Math.round(deadline.ms / 100) / 10}) waits longer`;
}

/**
 * Every request to the destination failed until its retry deadline passed, or the server asked for a
 * Retry-After past it. Named AbortError so that octokit passes it through instead of retrying it.
 */
export class RetriesExhausted extends Error {
  constructor(
    readonly url: string,
    readonly deadline: RetryDeadline,
    why?: string,
  ) {
    super(`${urlForMessage(url)}: gave up${why ? ` (${why})` : ''} after ${deadline.summary()}`);
    this.name = 'AbortError';
  }
}

/** Whether `err` (or an error it wraps) is RetriesExhausted. */
export function exhaustedOf(err: unknown): RetriesExhausted | null {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof RetriesExhausted) return e;
  }
  return null;
}

/** Retry-After as milliseconds (seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A failed answer as the final message gives it: `503 Service Unavailable, Retry-After 3600 s`. */
export function failedAnswer(status: number, statusText: string, retryAfter: number | null): string {
  return [`${status} ${statusText}`.trim(), retryAfter !== null ? `Retry-After ${Math.round(retryAfter / 1000)} s` : ''].filter(Boolean).join(', ');
}

/** Whether two URLs share an origin (a URL that does not parse shares none): where a token may go. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * boundedFetch that answers 5xx and 429 by waiting and asking again (Retry-After when given, else 0.25,
 * 0.5, 1 … s), within the destination's retry deadline: a Retry-After past it is not slept through. The
 * first other answer comes back; RetriesExhausted when the deadline passes. Failures without an answer
 * (timeouts, resets) are thrown at once, as boundedFetch throws them.
 */
export async function fetchWithRetry(url: string, init: RequestInit, opts: BoundedFetchOptions & { deadline: RetryDeadline; sleep?: (ms: number) => Promise<void> }): Promise<Response> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    // A fresh request is always sent; only a retry waits on (and is refused by) the deadline.
    if (attempt > 1 && opts.deadline.passed()) throw new RetriesExhausted(url, opts.deadline);
    const res = await boundedFetch(url, init, opts);
    if (res.status < 500 && res.status !== 429) return res;
    const after = retryAfterMs(res.headers.get('retry-after'));
    opts.deadline.failed(failedAnswer(res.status, res.statusText, after));
    // Retry-After 0 (or a date already past) still waits the backoff: a server cannot make us spin.
    const wait = Math.max(after ?? 0, Math.min(8000, 250 * 2 ** (attempt - 1)));
    const left = opts.deadline.remainingMs();
    if (after !== null && after > left) throw new RetriesExhausted(url, opts.deadline, `the server asked to wait ${seconds(after)}, past the retry deadline`);
    if (left <= 0) throw new RetriesExhausted(url, opts.deadline);
    await sleep(Math.min(wait, left));
  }
}
