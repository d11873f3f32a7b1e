// The octokit client for every GitHub call (publish, the release pull request): retry and throttling plugins, a per-attempt timeout, quiet logs.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '../log.js';
import { boundedFetch, failedAnswer, RetriesExhausted, retryAfterMs, type RetryDeadline, timeoutOf } from '../network.js';
import { redactRequestParams } from '../secrets.js';
import { toolVersion } from '../tool.js';

export interface GithubClientOptions {
  token: string;
  /** REST base URL: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  apiUrl: string;
  log: Logger;
  /**
   * Milliseconds per "second" of the plugins' waits (retry: 1, 4, 9 s; Retry-After). 1000 in production;
   * tests pass a few ms so that a fault costs milliseconds.
   */
  secondMs?: number;
  /** Abort one HTTP attempt after this long (a hung connection); the retry plugin then tries again. */
  timeoutMs?: number;
  /**
   * Keep the throttling plugin's spacing of writes (1 s apart, 3 s for release creation), which GitHub
   * asks for. Tests turn it off; those limiters are module-global and would make every test wait.
   */
  pace?: boolean;
  /** Retries of rate-limited requests (403/429) before giving up. */
  rateLimitRetries?: number;
  /**
   * The destination's retry deadline (WHEELWRIGHT_RETRY_DEADLINE): once it has passed, a failed request
   * is not sent again (RetriesExhausted), and a Retry-After that ends past it is not waited for.
   */
  deadline?: RetryDeadline;
}

export type GithubClient = InstanceType<ReturnType<typeof Octokit.plugin>>;

const ThrottledOctokit = Octokit.plugin(retry, throttling);

/** A limiter group that never waits (the throttling plugin calls `group.key(id).schedule(opts, fn, ...args)`). */
function unpacedGroup(): unknown {
  const limiter = {
    schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve().then(() => fn(...args)),
  };
  return { key: () => limiter };
}

/**
 * fetch with a fresh bound on every attempt, the answer's body included (a server that trickles is cut
 * off like one that stalls; octokit would otherwise keep a half-read body as the answer).
 */
function timedFetch(timeoutMs: number, deadline?: RetryDeadline): typeof fetch {
  /** Requests (method and URL) whose last answer was a failure: sending one again is a retry. */
  const failing = new Set<string>();
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    const key = `${init.method ?? 'GET'} ${url}`;
    // A retry after the destination's retry deadline is not sent; a fresh request still is.
    if (deadline?.passed() && failing.has(key)) throw new RetriesExhausted(url, deadline);
    try {
      const res = await boundedFetch(url, init, { timeoutMs });
      const ra = res.headers.get('retry-after');
      if (res.status >= 500 || res.status === 429 || (res.status === 403 && ra !== null)) {
        failing.add(key);
        deadline?.failed(failedAnswer(res.status, res.statusText, retryAfterMs(ra)));
      } else failing.delete(key);
      return res;
    } catch (err) {
      failing.add(key);
      const timedOut = timeoutOf(err);
      deadline?.failed(timedOut ? `no complete answer within ${Math.round(timedOut.ms / 100) / 10} s` : 'no answer', timedOut?.ms);
      throw err;
    }
  };
}

export function createGithubClient(opts: GithubClientOptions): GithubClient {
  const secondMs = opts.secondMs ?? 1000;
  const maxRetries = opts.rateLimitRetries ?? 4;
  const onLimit = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
    // A wait that ends past the retry deadline is not begun: the run would end there anyway.
    const pastDeadline = opts.deadline !== undefined && retryAfter * secondMs > opts.deadline.remainingMs();
    const again = retryCount < maxRetries && !pastDeadline;
    opts.log.warn(
      `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${again ? `waiting ${retryAfter} s (Retry-After), then retrying` : pastDeadline ? `Retry-After ${retryAfter} s is past the retry deadline; giving up` : 'giving up'}`,
    );
    return again;
  };
  const groups = opts.pace === false
    ? { global: unpacedGroup(), auth: unpacedGroup(), write: unpacedGroup(), search: unpacedGroup(), notifications: unpacedGroup() }
    : {};
  const octokit = new ThrottledOctokit({
    auth: opts.token,
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    userAgent: `wheelwright/${toolVersion()}`,
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => opts.log.debug(`octokit: ${m}`),
      error: (m: string) => opts.log.debug(`octokit: ${m}`),
    },
    request: { fetch: timedFetch(opts.timeoutMs ?? 120_000, opts.deadline) },
    retry: { retryAfterBaseValue: secondMs, retries: 3 },
    throttle: {
      retryAfterBaseValue: secondMs,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(groups as object),
    },
  });
  octokit.hook.before('request', (options) => {
    // A release body is the changelog section: it must not carry a credential either.
    redactRequestParams(options as unknown as Record<string, unknown>);
    options.headers['x-github-api-version'] = '2022-11-28';
    if (!options.headers.accept || options.headers.accept === 'application/vnd.github.v3+json') {
      options.headers.accept = 'application/vnd.github+json';
    }
  });
  return octokit;
}

/** The HTTP status of an octokit error, or undefined for a failure before any answer. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

/** The `errors[].code` values of a GitHub validation error (422). */
export function errorCodes(err: unknown): string[] {
  const data = (err as { response?: { data?: { errors?: Array<{ code?: string }> } } })?.response?.data;
  return (data?.errors ?? []).map((e) => e.code ?? '').filter(Boolean);
}

/** GitHub's own message of a failed request. */
export function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: { message?: string } } })?.response?.data;
  return data?.message ?? (err instanceof Error ? err.message : String(err));
}

/**
 * A failure after which the request may or may not have taken effect: no answer at all (dropped,
 * timed out; octokit reports these as status 500 without a response) or a 5xx.
 */
export function isAmbiguous(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500;
}

/** A failure worth another attempt: ambiguous ones and rate limits. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  return isAmbiguous(err) || status === 429 || (status === 403 && /rate limit/i.test(githubMessage(err)));
}
