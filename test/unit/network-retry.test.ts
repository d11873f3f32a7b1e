// fetchWithRetry and RetryDeadline (wheelwright#17): 5xx and 429 asked again within the deadline, a
// Retry-After past it never slept through, and the final error saying what was tried.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failedAnswer, fetchWithRetry, RetriesExhausted, RetryDeadline, retryAfterMs, retryHint, sameOrigin } from '../../src/network.js';

const URL_ = 'http://user:planted-0012@127.0.0.1:9/simple/_sets/index.json?token=planted-0013';

/** A fetch that answers `status` (with `headers`) every time, counting the calls. */
function answering(status: number, headers: Record<string, string> = {}) {
  const calls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    calls.push(String(url));
    return new Response('nope', { status, headers });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('fetchWithRetry', () => {
  it('asks again after a 500 until the deadline, then says how often and what came back', async () => {
    const calls = answering(500);
    const deadline = new RetryDeadline(400);
    const started = Date.now();
    // Real sleeps (0.25 s, then what is left of the 0.4 s): the run ends at the deadline.
    const err = await fetchWithRetry(URL_, {}, { timeoutMs: 1000, deadline }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect(calls).toHaveLength(2);
    const message = (err as Error).message;
    expect(message).toContain('http://127.0.0.1:9/simple/_sets/index.json');
    expect(message).not.toMatch(/planted|user:/);
    expect(message).toMatch(/2 attempts within the 0\.4 s retry deadline \(WHEELWRIGHT_RETRY_DEADLINE\); last answer: 500/);
    expect(retryHint(deadline)).toMatch(/WHEELWRIGHT_RETRY_DEADLINE/);
  });

  it('gives up at once on a Retry-After past the deadline, without sleeping', async () => {
    const calls = answering(429, { 'retry-after': '3600' });
    const slept: number[] = [];
    const err = await fetchWithRetry(URL_, {}, { timeoutMs: 1000, deadline: new RetryDeadline(2000), sleep: async (ms) => void slept.push(ms) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect(calls).toHaveLength(1);
    expect(slept).toEqual([]);
    expect((err as Error).message).toMatch(/asked to wait 3600 s, past the retry deadline.*last answer: 429.*Retry-After 3600 s/);
  });

  it('waits the Retry-After that fits, then returns the good answer', async () => {
    let n = 0;
    vi.stubGlobal('fetch', async () => (++n === 1 ? new Response('', { status: 429, headers: { 'retry-after': '1' } }) : new Response('{}', { status: 200 })));
    const slept: number[] = [];
    const res = await fetchWithRetry(URL_, {}, { timeoutMs: 1000, deadline: new RetryDeadline(5000), sleep: async (ms) => void slept.push(ms) });
    expect(res.status).toBe(200);
    expect(slept).toEqual([1000]);
  });

  it('a Retry-After of 0 still waits the backoff: a server cannot make it spin', async () => {
    const calls = answering(503, { 'retry-after': '0' });
    const slept: number[] = [];
    let clock = 0;
    const deadline = new RetryDeadline(3000);
    vi.spyOn(deadline, 'remainingMs').mockImplementation(() => 3000 - clock);
    vi.spyOn(deadline, 'passed').mockImplementation(() => clock >= 3000);
    const err = await fetchWithRetry(URL_, {}, { timeoutMs: 1000, deadline, sleep: async (ms) => void (slept.push(ms), (clock += ms)) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect(slept.slice(0, 4)).toEqual([250, 500, 1000, 1250]);
    expect(calls.length).toBeLessThan(10);
    expect((err as Error).message).toMatch(/last answer: 503, Retry-After 0 s/);
  });

  it('returns a 4xx at once (not retried)', async () => {
    const calls = answering(404);
    const res = await fetchWithRetry(URL_, {}, { timeoutMs: 1000, deadline: new RetryDeadline(5000), sleep: async () => undefined });
    expect(res.status).toBe(404);
    expect(calls).toHaveLength(1);
  });
});

describe('the pieces every client shares', () => {
  it('reads Retry-After as seconds or an HTTP date, and describes a failed answer without a stray comma', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Fri, 04 Dec 2026 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(failedAnswer(503, '', 0)).toBe('503, Retry-After 0 s');
    expect(failedAnswer(429, 'Too Many Requests', 60_000)).toBe('429 Too Many Requests, Retry-After 60 s');
    expect(failedAnswer(500, 'Internal Server Error', null)).toBe('500 Internal Server Error');
  });

  it('lets a token go only to its own origin', () => {
    expect(sameOrigin('https://ghe.example/api/v3/repos/o/r/releases/assets/1', 'https://ghe.example/api/v3')).toBe(true);
    expect(sameOrigin('https://evil.example/api/v3/repos/o/r/releases/assets/1', 'https://ghe.example/api/v3')).toBe(false);
    expect(sameOrigin('http://ghe.example/x', 'https://ghe.example/x')).toBe(false);
    expect(sameOrigin('https://ghe.example:8443/x', 'https://ghe.example/x')).toBe(false);
    expect(sameOrigin('not a url', 'not a url')).toBe(false);
  });
});
