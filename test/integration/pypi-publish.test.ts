import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../src/errors.js';
import { createPypiDestination, type PypiOptions } from '../../src/publish/pypi.js';
import { TrustedPublisher } from '../../src/publish/pypi/oidc.js';
import { clearSecrets } from '../../src/secrets.js';
import { startActionsOidcServer, startPypiServer, type ActionsOidcServer, type PypiServer } from '../servers/pypi.js';
import { makeWheelBuffer, writeSdist, writeWheel, type DistSpec } from '../servers/pypi/make-dist.js';
import { publishFile, testRun } from '../servers/pypi/run.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';

const fast: PypiOptions = { retryBaseMs: 5, timeoutMs: 2000, maxAttempts: 8 };

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ww-pypi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => clearSecrets());

/** A fresh release: `count` wheels and an sdist of a fresh project version. */
async function release(version: string, count = 3, extra: Partial<DistSpec> = {}) {
  const d = path.join(dir, `r${n++}`);
  const tags = ['cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp312-cp312-musllinux_1_2_aarch64', 'cp312-cp312-macosx_11_0_arm64', 'cp312-cp312-win_amd64', 'py3-none-any'];
  const files = [];
  for (let i = 0; i < count; i++) {
    const spec = { name: 'demo-core', version, tag: tags[i % tags.length]!, requiresPython: '>=3.10', payloadBytes: 20_000, seed: i, ...extra };
    files.push(await publishFile(await writeWheel(d, spec), 'demo-core', version));
  }
  files.push(await publishFile(await writeSdist(d, { name: 'demo-core', version, requiresPython: '>=3.10', ...extra }), 'demo-core', version));
  return files;
}

async function publishAll(server: PypiServer, files: Awaited<ReturnType<typeof release>>, env: NodeJS.ProcessEnv = { PYPI_TOKEN: server.token }, opts: PypiOptions = {}) {
  const run = testRun({ cwd: dir, files, env, repositoryUrl: server.uploadUrl });
  const dest = createPypiDestination({ ...fast, ...opts });
  await dest.preflight(run);
  const result = await dest.publish(run);
  return { run, result };
}

describe('PyPI destination against the test PyPI server', () => {
  let server: PypiServer;
  beforeAll(async () => {
    server = await startPypiServer();
  });
  afterAll(() => server.close());

  it('uploads every wheel and the sdist once, with the METADATA fields, and records each sha256', async () => {
    const files = await release('1.0.0');
    const { run, result } = await publishAll(server, files);
    expect(result.uploaded.sort()).toEqual(files.map((f) => f.filename).sort());
    for (const f of files) {
      expect(server.file(f.filename)?.sha256).toBe(f.sha256);
      expect(run.recorded[f.filename]).toMatchObject({ sha256: f.sha256, size: f.size, status: 'uploaded' });
    }
    const simple = (await (await fetch(`${server.url}/simple/demo-core/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: Array<{ 'requires-python': string }> };
    expect(simple.files.every((f) => f['requires-python'] === '>=3.10')).toBe(true);
    expect(run.logged.join('')).not.toContain(server.token);
  });

  it('a second run finds every file identical on the index and sends nothing', async () => {
    const files = await release('1.1.0');
    await publishAll(server, files);
    const before = server.stats();
    const { run, result } = await publishAll(server, files);
    expect(result.uploaded).toEqual([]);
    expect(result.existing.sort()).toEqual(files.map((f) => f.filename).sort());
    expect(Object.values(run.recorded).every((r) => r.status === 'existing')).toBe(true);
    // Only the credential probe reached the upload endpoint.
    expect(server.stats().uploadRequests - before.uploadRequests).toBe(1);
    expect(server.stats().stored).toBe(before.stored);
  });

  it('resumes: files the manifest already confirms are not looked at again', async () => {
    const files = await release('1.2.0');
    const first = files[0]!;
    const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: server.uploadUrl, confirmed: { [first.filename]: { sha256: first.sha256, size: first.size, status: 'uploaded', at: 'x' } } });
    const dest = createPypiDestination(fast);
    await dest.preflight(run);
    const result = await dest.publish(run);
    expect(result.uploaded).not.toContain(first.filename);
    expect(result.uploaded).toHaveLength(files.length - 1);
    expect(server.file(first.filename)).toBeUndefined();
  });

  it('stops in preflight when the version is on the index with other content, before any upload', async () => {
    const files = await release('1.3.0');
    await publishAll(server, [files[0]!]);
    const changed = await release('1.3.0', 1, { payloadBytes: 999 });
    const stored = server.stats().stored;
    const err = await publishAll(server, changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).exitCode).toBe(5);
    expect((err as PublishError).message).toMatch(/demo_core-1\.3\.0-cp312-cp312-manylinux_2_17_x86_64\.manylinux2014_x86_64\.whl is already on the index with other content/);
    expect(server.stats().stored).toBe(stored);
  });

  it('settles "File already exists" by digest when the lookup APIs are blind at preflight', async () => {
    const files = await release('1.4.0', 1);
    await publishAll(server, files);
    const other = await release('1.4.0', 1, { payloadBytes: 777 });
    server.inject({ kind: 'status', status: 503, target: 'json', times: 40 });
    server.inject({ kind: 'status', status: 503, target: 'simple', times: 40 });
    const err = await publishAll(server, other.slice(0, 1), undefined, { maxAttempts: 3 }).catch((e: unknown) => e);
    server.clearFaults();
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/could not be published after 3 attempts to [^;]+; last answer: File already exists/);
  });

  it('refuses a bad token in preflight with PyPI\'s 403 message and never shows the token', async () => {
    const files = await release('1.5.0', 1);
    const bad = 'pypi-AgEIcHlwaS5vcmcCJGJhZC10b2tlbi1iYWQtdG9rZW4tYmFkLXRva2Vu';
    const err = (await publishAll(server, files, { PYPI_TOKEN: bad }).catch((e: unknown) => e)) as PublishError;
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toMatch(/refused the credentials: 403 Invalid or non-existent authentication information/);
    expect(err.describe()).not.toContain(bad);
    expect(server.files().some((f) => f.version === '1.5.0')).toBe(false);
  });

  it('reads the token from TWINE_PASSWORD as twine does', async () => {
    const files = await release('1.6.0', 1);
    const { result } = await publishAll(server, files, { TWINE_PASSWORD: server.token });
    expect(result.uploaded).toHaveLength(2);
  });

  it('stops the release on a file PyPI rejects, naming the file and the fix', async () => {
    const d = path.join(dir, 'linux');
    const whl = await publishFile(await writeWheel(d, { name: 'demo-core', version: '1.7.0', tag: 'cp311-cp311-linux_x86_64' }), 'demo-core', '1.7.0');
    const err = (await publishAll(server, [whl]).catch((e: unknown) => e)) as PublishError;
    expect(err.message).toMatch(/PyPI rejected demo_core-1\.7\.0-cp311-cp311-linux_x86_64\.whl: 400 Binary wheel .* unsupported platform tag 'linux_x86_64'/);
    expect(err.hint).toMatch(/auditwheel/);
  });

  it('refuses to send a file that changed on disk since it was verified', async () => {
    const files = await release('1.8.0', 1);
    // Still a valid wheel of the same name, but not the bytes that were verified.
    await writeFile(files[0]!.path, makeWheelBuffer({ name: 'demo-core', version: '1.8.0', tag: 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64', requiresPython: '>=3.10', payloadBytes: 20_000, seed: 99 }));
    const err = (await publishAll(server, files.slice(0, 1)).catch((e: unknown) => e)) as PublishError;
    expect(err).toBeInstanceOf(PublishError);
    // Same size, other bytes: the index checks the sha256 we send against what arrives.
    expect(err.message).toMatch(/400 The digest supplied does not match a digest calculated from the uploaded file/);
    expect(err.hint).toMatch(/changed on disk since `release verify`/);
    expect(server.file(files[0]!.filename)).toBeUndefined();
  });

  it('stops on the HTML-200 trap: a URL that answers uploads with a web page is not an upload endpoint', async () => {
    const files = await release('1.10.0', 1);
    // The server routes on `:action`; one in the query string that is not file_upload falls through to a page.
    const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: `${server.uploadUrl}?:action=show` });
    const err = (await createPypiDestination(fast).preflight(run).catch((e: unknown) => e)) as PublishError;
    expect(err.message).toMatch(/answered with a web page, not as an upload endpoint/);
    expect(server.files().some((f) => f.version === '1.10.0')).toBe(false);
  });

  it('takes faults from other processes through the control endpoint and counts them', async () => {
    const post = (what: string, body: unknown) => fetch(`${server.url}/_control/${what}`, { method: 'POST', body: JSON.stringify(body) });
    const files = await release('1.11.0', 1);
    await post('inject', { kind: 'status', status: 502, filename: files[0]!.filename });
    const before = (await (await fetch(`${server.url}/_control/stats`)).json()) as { faultsTotal: number };
    await publishAll(server, files);
    const after = (await (await fetch(`${server.url}/_control/stats`)).json()) as { faultsTotal: number; faults: Record<string, number> };
    expect(after.faultsTotal - before.faultsTotal).toBe(1);
    const listed = (await (await fetch(`${server.url}/_control/files`)).json()) as Array<{ filename: string; sha256: string }>;
    expect(listed.find((f) => f.filename === files[0]!.filename)?.sha256).toBe(files[0]!.sha256);
  });

  it('dry run sends nothing and prints each upload with its size', async () => {
    const files = await release('1.9.0', 1);
    const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: server.uploadUrl, dryRun: true });
    const dest = createPypiDestination(fast);
    const before = server.stats().uploadRequests;
    await dest.preflight(run);
    const result = await dest.publish(run);
    expect(result.uploaded).toEqual([]);
    expect(server.stats().uploadRequests).toBe(before);
    expect(run.logged.join('')).toContain(`[dry-run] POST ${server.uploadUrl} ${files[0]!.filename} (${files[0]!.size} bytes`);
  });
});

describe('PyPI destination and the dry-run boundary', () => {
  /** A run whose world refuses every change and lists what it was asked to do. */
  function refusingRun(opts: Parameters<typeof testRun>[0]) {
    const run = testRun(opts);
    const asked: string[] = [];
    const world = { ...run.ctx.world, mutate: async <T,>(what: string, _action: () => Promise<T>, placeholder: T) => (asked.push(what), placeholder) };
    return { run: { ...run, ctx: { ...run.ctx, world } }, asked };
  }

  it('the credential probe and every upload go through world.mutate', async () => {
    const server = await startPypiServer();
    try {
      const files = await release('5.0.0', 1);
      const { run, asked } = refusingRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: server.uploadUrl });
      const dest = createPypiDestination(fast);
      await dest.preflight(run);
      const result = await dest.publish(run);
      expect(server.stats().uploadRequests).toBe(0);
      expect(result.uploaded).toEqual([]);
      expect(asked[0]).toBe(`check the credentials with an empty upload request to ${server.uploadUrl}`);
      expect(asked.slice(1).sort()).toEqual(files.map((f) => `POST ${server.uploadUrl} ${f.filename} (${f.size} bytes, sha256 ${f.sha256})`).sort());
    } finally {
      await server.close();
    }
  });

  it('the trusted-publishing mint goes through world.mutate', async () => {
    const oidc = await startActionsOidcServer({ repository: 'owner/demo', workflow: 'release.yml' });
    const server = await startPypiServer({ trustedPublishers: [{ repository: 'owner/demo', workflow: 'release.yml', project: 'demo-core' }], projects: ['demo-core'] });
    try {
      const files = await release('5.1.0', 1);
      const { run, asked } = refusingRun({ cwd: dir, files, env: { ...oidc.env }, repositoryUrl: server.uploadUrl });
      const dest = createPypiDestination(fast);
      await dest.preflight(run);
      await dest.publish(run);
      expect(server.stats().minted).toBe(0);
      expect(server.stats().uploadRequests).toBe(0);
      expect(asked[0]).toMatch(/^mint a trusted-publishing token, then check the credentials/);
    } finally {
      await server.close();
      await oidc.close();
    }
  });
});

describe('PyPI destination under injected faults', () => {
  let server: PypiServer;
  beforeAll(async () => {
    server = await startPypiServer();
  });
  afterAll(() => server.close());

  const cases: Array<[string, Parameters<PypiServer['inject']>[0]]> = [
    ['a connection dropped mid-body', { kind: 'drop' }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a 502', { kind: 'status', status: 502 }],
    ['a 503', { kind: 'status', status: 503 }],
    ['a 429 with Retry-After', { kind: '429', retryAfter: 0 }],
    ['a request that hangs past the timeout', { kind: 'hang' }],
    ['a 502 after the file was stored', { kind: 'store-then-fail', status: 502 }],
  ];
  cases.forEach(([what, fault], i) => {
    it(`every file ends on the index exactly once after ${what}`, async () => {
      const files = await release(`2.${i}.0`);
      const target = files[1]!.filename;
      server.inject({ ...fault, filename: target, times: 2 });
      const faultsBefore = server.stats().faultsTotal;
      const { run, result } = await publishAll(server, files, undefined, { timeoutMs: 500 });
      // A stored file is found by the lookup after the first fault, so the second is never reached.
      expect(server.stats().faultsTotal - faultsBefore).toBe(fault.kind === 'store-then-fail' ? 1 : 2);
      for (const f of files) expect(server.file(f.filename)?.sha256).toBe(f.sha256);
      expect(server.files().filter((f) => f.filename === target)).toHaveLength(1);
      expect(Object.keys(run.recorded).sort()).toEqual(files.map((f) => f.filename).sort());
      expect(result.uploaded.length + result.existing.length).toBe(files.length);
      expect(run.logged.join('')).toMatch(new RegExp(`${target.replace(/\./g, '\\.')}: .*retrying`));
    });
  });

  it('after a store-then-fail it reads the file back instead of trusting the status line', async () => {
    const files = await release('3.0.0', 1);
    server.inject({ kind: 'store-then-fail', status: 503, filename: files[0]!.filename });
    const before = server.stats();
    const { run } = await publishAll(server, files.slice(0, 1));
    const after = server.stats();
    expect(after.stored - before.stored).toBe(1);
    // Sent once, stored, answered 503; then the JSON API said it is there: no second upload.
    expect(after.uploadRequests - before.uploadRequests).toBe(2); // the probe and the one upload
    expect(run.recorded[files[0]!.filename]?.status).toBe('uploaded');
  });

  it('a file the server holds truncated (0 bytes) is named as such, with the fix for that server', async () => {
    const files = await release('3.3.0', 1);
    await publishAll(server, files);
    const stored = server.file(files[0]!.filename)!;
    const saved = { size: stored.size, sha256: stored.sha256 };
    Object.assign(stored, { size: 0, sha256: createHash('sha256').digest('hex') });
    const err = (await publishAll(server, files).catch((e: unknown) => e)) as PublishError;
    Object.assign(stored, saved);
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toMatch(new RegExp(`${files[0]!.filename.replace(/\./g, '\\.')} is on the index truncated: 0 of ${files[0]!.size} bytes`));
    expect(err.hint).toMatch(/delete .* from the server's storage, then re-run `release publish`/);
    expect(err.hint).not.toMatch(/publish a new version/);
  });

  it('an index that cannot be read for several packages is reported in one warning, not one per package', async () => {
    const d = path.join(dir, `multi${n++}`);
    const files = [];
    for (const name of ['demo-a', 'demo-b', 'demo-c']) {
      files.push(await publishFile(await writeWheel(d, { name, version: '5.0.0', tag: 'py3-none-any', requiresPython: '>=3.10', payloadBytes: 1000, seed: 1 }), name, '5.0.0'));
    }
    server.inject({ kind: 'status', status: 503, target: 'json', times: 1000 });
    server.inject({ kind: 'status', status: 503, target: 'simple', times: 1000 });
    const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: server.uploadUrl });
    const warned: string[] = [];
    run.ctx.log.warn = (m: string) => void warned.push(m);
    const dest = createPypiDestination({ ...fast, maxAttempts: 2 });
    await dest.preflight(run);
    server.clearFaults();
    const lines = warned.filter((w) => /cannot read/.test(w));
    expect(lines).toEqual([expect.stringMatching(/cannot read demo-a 5\.0\.0, demo-b 5\.0\.0, demo-c 5\.0\.0 from/)]);
  });

  it('a server answering 500 forever ends at the retry deadline, says what was tried, and promises no retry last', async () => {
    const files = await release('3.2.0', 2);
    const before = server.stats();
    server.inject({ kind: 'status', status: 500, target: 'any', times: 100_000 });
    const started = Date.now();
    const warned: string[] = [];
    const run = testRun({ cwd: dir, files, env: { PYPI_TOKEN: server.token }, repositoryUrl: server.uploadUrl });
    const origWarn = run.ctx.log.warn;
    run.ctx.log.warn = (m: string) => (warned.push(m), origWarn(m));
    const dest = createPypiDestination({ ...fast, retryBaseMs: 200, maxAttempts: 1000, retryDeadlineMs: 1500 });
    const err = (await dest.preflight(run).then(() => dest.publish(run)).catch((e: unknown) => e)) as PublishError;
    const requests = server.stats().faultsTotal - before.faultsTotal;
    const uploads = server.stats().uploadRequests;
    server.clearFaults();
    expect(err).toBeInstanceOf(PublishError);
    expect(Date.now() - started).toBeLessThan(1500 + 4 * 2000);
    expect(err.message).toMatch(/kept failing until the 2 s retry deadline \(\d+ attempts for this file, \d+ failed requests in all\); last answer: 500/);
    expect(err.hint).toMatch(/check its status, then re-run `release publish`/);
    // Far fewer requests than maxAttempts × files; and the last warning is not followed by silence.
    expect(requests).toBeLessThan(60);
    // Every "retrying" line is followed by another upload: fewer promises than uploads after the probe.
    expect(warned.filter((w) => /retrying/.test(w)).length).toBeLessThan(uploads - before.uploadRequests - 1);
  });

  it('gives up after the last attempt with a PublishError that says how to resume', async () => {
    const files = await release('3.1.0', 1);
    server.inject({ kind: 'status', status: 503, filename: files[0]!.filename, times: 10 });
    const err = (await publishAll(server, files.slice(0, 1), undefined, { maxAttempts: 3 }).catch((e: unknown) => e)) as PublishError;
    server.clearFaults();
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toMatch(/could not be published after 3 attempts to [^;]+; last answer: 503/);
    expect(err.hint).toMatch(/re-run `release publish`/);
  });
});

describe('PyPI destination with other repositories and trusted publishing', () => {
  let oidc: ActionsOidcServer;
  let sig: SigstoreServer;
  beforeAll(async () => {
    oidc = await startActionsOidcServer({ repository: 'owner/demo', workflow: 'release.yml' });
    // Trusted publishing signs by default: point it at the loopback Sigstore, never the public one.
    sig = await startSigstore();
  });
  afterAll(() => Promise.all([oidc.close(), sig.close()]));

  it('uploads to a repository that needs no credentials without any', async () => {
    const server = await startPypiServer({ anonymous: true });
    try {
      const files = await release('4.0.0', 1);
      const { result } = await publishAll(server, files, {});
      expect(result.uploaded).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('needs credentials for pypi.org and says how to give them', async () => {
    const files = await release('4.1.0', 1);
    const run = testRun({ cwd: dir, files, env: {} });
    const err = (await createPypiDestination(fast).preflight(run).catch((e: unknown) => e)) as PublishError;
    expect(err.message).toMatch(/no credentials for https:\/\/upload\.pypi\.org/);
    expect(err.hint).toMatch(/PYPI_TOKEN/);
  });

  it('publishes with trusted publishing: audience, OIDC token, minted token', async () => {
    const server = await startPypiServer({ trustedPublishers: [{ repository: 'owner/demo', workflow: 'release.yml', project: 'demo-core' }], projects: ['demo-core'] });
    try {
      const files = await release('4.2.0');
      const { run, result } = await publishAll(server, files, { ...oidc.env, ...sig.env });
      expect(result.uploaded).toHaveLength(files.length);
      expect(server.stats().minted).toBe(1);
      const minted = server.mintedTokens()[0]!.token;
      expect(run.logged.join('')).not.toContain(minted);
    } finally {
      await server.close();
    }
  });

  it('mints a new token before the old one expires, with a fresh OIDC token each time', async () => {
    let clock = Date.now();
    const server = await startPypiServer({ trustedPublishers: [{ repository: 'owner/demo', project: 'demo-core' }], now: () => clock });
    const actions = await startActionsOidcServer({ repository: 'owner/demo', now: () => clock });
    try {
      const tp = new TrustedPublisher({ repositoryUrl: server.uploadUrl, env: actions.env, now: () => clock, timeoutMs: 2000 });
      const a = await tp.token();
      clock += 9 * 60_000;
      expect(await tp.token()).toBe(a);
      clock += 2 * 60_000; // 11 minutes in: under 5 minutes left
      const b = await tp.token();
      expect(b).not.toBe(a);
      expect(tp.minted).toBe(2);
      expect(server.stats().minted).toBe(2);
      expect(actions.issued()).toBe(2);
    } finally {
      await actions.close();
      await server.close();
    }
  });

  it('reports PyPI\'s 422 reason when no trusted publisher matches', async () => {
    const server = await startPypiServer({ trustedPublishers: [{ repository: 'someone/else', project: 'demo-core' }] });
    try {
      const files = await release('4.3.0', 1);
      const err = (await publishAll(server, files, { ...oidc.env, ...sig.env }).catch((e: unknown) => e)) as PublishError;
      expect(err.message).toMatch(/PyPI refused to mint a token \(invalid-publisher: valid token, but no corresponding publisher/);
      expect(err.hint).toMatch(/trusted publisher/);
    } finally {
      await server.close();
    }
  });

  it('the test server refuses a reused OIDC token and an expired minted token', async () => {
    let clock = Date.now();
    const server = await startPypiServer({ trustedPublishers: [{ repository: 'owner/demo', project: 'demo-core' }], projects: ['demo-core'], now: () => clock });
    try {
      const jwt = ((await (await fetch(`${oidc.url}&audience=pypi`, { headers: { authorization: `bearer ${oidc.requestToken}` } })).json()) as { value: string }).value;
      const mint = () => fetch(`${server.url}/_/oidc/mint-token`, { method: 'POST', body: JSON.stringify({ token: jwt }) });
      const first = (await (await mint()).json()) as { token: string };
      const again = await mint();
      expect(again.status).toBe(422);
      expect(((await again.json()) as { errors: Array<{ code: string }> }).errors[0]!.code).toBe('invalid-reuse-token');
      clock += 901_000;
      const files = await release('4.4.0', 1);
      const run = testRun({ cwd: dir, files, env: {}, repositoryUrl: server.uploadUrl });
      const dest = createPypiDestination({ ...fast, trustedPublishing: 'never' });
      run.ctx.env.PYPI_TOKEN = first.token;
      const err = (await dest.preflight(run).catch((e: unknown) => e)) as PublishError;
      expect(err.message).toMatch(/403 Invalid API Token: token is expired/);
    } finally {
      await server.close();
    }
  });
});
