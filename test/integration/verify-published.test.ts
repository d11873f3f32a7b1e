// `release verify --published`: the published release checked against its manifest and its signatures,
// from the test PyPI (integrity API) and the test GitHub (release assets, signed SHA256SUMS).
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statementFor } from '../../src/attest/pep740.js';
import { identityToken } from '../../src/attest/oidc.js';
import { signStatement } from '../../src/attest/sigstore.js';
import type { ReleaseManifest } from '../../src/manifest.js';
import { createPypiDestination } from '../../src/publish/pypi.js';
import type { PublishFile } from '../../src/publish/types.js';
import { clearSecrets } from '../../src/secrets.js';
import { SUMS_BUNDLE, verifyPublished, verifyPublishedWaiting, type PublishedOptions } from '../../src/verify/published.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { startActionsOidcServer, startPypiServer, type ActionsOidcServer, type PypiServer } from '../servers/pypi.js';
import { writeSdist, writeWheel } from '../servers/pypi/make-dist.js';
import { publishFile, testRun } from '../servers/pypi/run.js';
import { startSigstore, type SigstoreServer } from '../servers/sigstore.js';
import { repoRoot, runRelease } from '../helpers/cli.js';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { verifySelection } from '../../src/compat/provenance.js';
import type { PackageSelection } from '../../src/compat/constraints.js';

const ID = { repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v7.0.0' };
let dir: string;
let n = 0;
let sig: SigstoreServer;
let actions: ActionsOidcServer;
let pypi: PypiServer;
let gh: GithubServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ww-published-'));
  sig = await startSigstore();
  actions = await startActionsOidcServer({ repository: 'owner/demo', workflow: 'release.yml', ref: 'refs/tags/v7.0.0' });
  pypi = await startPypiServer({ trustedPublishers: [{ ...ID, project: 'demo-core' }], projects: ['demo-core'], sigstoreTrustedRoot: sig.trustedRoot });
  gh = await startGithubServer({ owner: 'owner', repo: 'demo', token: 'ghs_published' });
});
afterAll(async () => {
  await Promise.all([sig?.close(), actions?.close(), pypi?.close(), gh?.close()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => clearSecrets());

/** Files of a fresh version, published to the test PyPI with trusted publishing (signed). */
async function published(version: string, o: { later?: boolean } = {}): Promise<{ files: PublishFile[]; manifest: ReleaseManifest; upload: () => Promise<void> }> {
  const d = path.join(dir, `r${n++}`);
  const files = [
    await publishFile(await writeWheel(d, { name: 'demo-core', version, tag: 'py3-none-any', payloadBytes: 4000 }), 'demo-core', version),
    await publishFile(await writeSdist(d, { name: 'demo-core', version }), 'demo-core', version),
  ];
  const run = testRun({ cwd: dir, files, env: { ...actions.env, ...sig.env }, repositoryUrl: pypi.uploadUrl });
  run.manifest = {} as ReleaseManifest;
  const dest = createPypiDestination({ retryBaseMs: 5, timeoutMs: 5000 });
  const upload = async () => {
    await dest.preflight(run);
    await dest.publish(run);
  };
  if (!o.later) await upload();
  const manifest = {
    version, tag: 'v7.0.0',
    built: files.map((f) => ({ filename: f.filename, package: 'demo-core', target: null, job: 'build', size: f.size, sha256: f.sha256 })),
  } as unknown as ReleaseManifest;
  return { files, manifest, upload };
}

const options = (manifest: ReleaseManifest, extra: Partial<PublishedOptions> = {}): PublishedOptions => ({
  manifest, indexUrl: pypi.url, identity: ID, env: { ...sig.env }, ...extra,
});

describe('verify --published against PyPI', () => {
  it('passes when every file matches the manifest and every attestation verifies', async () => {
    const { manifest } = await published('7.0.0');
    const r = await verifyPublished(options(manifest));
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.files.map((f) => f.pypi)).toEqual([
      { ok: true, attestations: 1, signer: 'https://github.com/owner/demo/.github/workflows/release.yml@refs/tags/v7.0.0' },
      { ok: true, attestations: 1, signer: 'https://github.com/owner/demo/.github/workflows/release.yml@refs/tags/v7.0.0' },
    ]);
  });

  it('catches a file whose bytes on the index were changed', async () => {
    const { files, manifest } = await published('7.0.1');
    const stored = pypi.file(files[0]!.filename)!;
    stored.data![stored.data!.length - 30]! ^= 0xff;
    const r = await verifyPublished(options(manifest));
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([expect.objectContaining({ filename: files[0]!.filename, where: 'pypi', code: 'content' })]);
    expect(r.findings[0]!.message).toContain(`the manifest has ${files[0]!.sha256}`);
  });

  it('catches a signer that is not this repository, workflow and tag', async () => {
    const { manifest } = await published('7.0.2');
    for (const identity of [{ ...ID, ref: 'refs/tags/v7.0.3' }, { ...ID, workflow: 'nightly.yml' }, { ...ID, repository: 'fork/demo' }]) {
      const r = await verifyPublished(options(manifest, { identity }));
      expect(r.findings.map((f) => f.code)).toEqual(['attestation', 'attestation']);
      expect(r.findings[0]!.message).toMatch(/wrong signer/);
    }
  });

  it('catches a file uploaded without an attestation, and one missing from the index', async () => {
    const { files, manifest } = await published('7.0.4');
    const d = path.join(dir, `r${n++}`);
    const unsigned = await publishFile(await writeWheel(d, { name: 'demo-core', version: '7.0.4', tag: 'cp312-cp312-win_amd64', payloadBytes: 3000 }), 'demo-core', '7.0.4');
    const run = testRun({ cwd: dir, files: [unsigned], env: { PYPI_TOKEN: pypi.token }, repositoryUrl: pypi.uploadUrl });
    run.manifest = {} as ReleaseManifest;
    const dest = createPypiDestination({ retryBaseMs: 5, timeoutMs: 5000 });
    await dest.preflight(run);
    await dest.publish(run);
    manifest.built.push({ filename: unsigned.filename, package: 'demo-core', target: 'windows-x86_64', job: 'build', size: unsigned.size, sha256: unsigned.sha256 });
    manifest.built.push({ ...manifest.built[0]!, filename: 'demo_core-7.0.4-cp312-cp312-macosx_11_0_arm64.whl' });
    const r = await verifyPublished(options(manifest));
    expect(r.findings.map((f) => [f.filename, f.code])).toEqual([
      [unsigned.filename, 'no-provenance'],
      ['demo_core-7.0.4-cp312-cp312-macosx_11_0_arm64.whl', 'missing-on-index'],
    ]);
    expect(files).toHaveLength(2);
  });
});

describe('release verify --published leaves nothing running', () => {
  it('has an empty event loop once it is done, even after an answer whose body it never read', async () => {
    // an index that answers every request with 404 and a 1 MB page: a body left unread keeps its keep-alive socket
    // (and so the process) alive until the server hangs up
    const index = http.createServer((req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end(Buffer.alloc(1 << 20, 32)));
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    try {
      const built = [{ filename: 'demo_core-7.6.0-py3-none-any.whl', package: 'demo-core', target: null, job: 'build', size: 10, sha256: 'a'.repeat(64) }];
      const full = { version: '7.6.0', tag: 'v7.6.0', built, schemaVersion: 1, tool: { name: 'wheelwright', version: '0' }, commit: null, createdAt: '2026-01-01T00:00:00Z', packages: [], jobs: [], expected: [], verify: null, publish: {} };
      const file = path.join(dir, 'manifest-7.6.0.json');
      await writeFile(file, JSON.stringify(full));
      const url = `http://127.0.0.1:${(index.address() as { port: number }).port}/`;
      const args = ['verify', '--published', '7.6.0', '--manifest', file, '--index-url', url, '--repository', 'owner/demo', '--trusted-root', sig.trustedRootPath];
      // what bin/release does, then a look at what still keeps the event loop alive once main() has returned
      const probe = `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist-js/cli.js')).href)}); const code = await main(process.argv.slice(1)); setImmediate(() => { process.stderr.write('EVENT-LOOP ' + JSON.stringify(process.getActiveResourcesInfo()) + '\\n'); process.exitCode = code; });`;
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', probe, ...args], { cwd: dir, env: { ...process.env, GITHUB_REPOSITORY: '', WHEELWRIGHT_PLAIN_OUTPUT: '1', WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.stdout.resume();
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r.stderr).toContain('missing-on-index');
      expect(r.code).toBe(4);
      const left = JSON.parse(/EVENT-LOOP (.*)/.exec(r.stderr)![1]!) as string[];
      // stdio pipes only: no socket, no timer
      expect(left.filter((h) => h !== 'PipeWrap' && h !== 'TTYWrap')).toEqual([]);
    } finally {
      index.closeAllConnections();
      index.close();
    }
  });
});

describe('verify --published --wait (PyPI CDN lag)', () => {
  it('looks again while the files are not listed yet, and passes once they are', async () => {
    const { manifest, upload } = await published('7.5.0', { later: true });
    const pauses: number[] = [];
    const sleep = async (ms: number) => {
      pauses.push(ms);
      if (pauses.length === 2) await upload();
    };
    const r = await verifyPublishedWaiting(options(manifest), 600_000, { delaysMs: [10_000, 20_000], sleep });
    expect(r.findings).toEqual([]);
    expect(r.looks).toBe(3);
    expect(pauses).toEqual([10_000, 20_000]);
  });

  it('gives up when the wait runs out, and at once on a finding lag cannot explain', async () => {
    let t = 0;
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms), delaysMs: [10_000, 20_000, 40_000] };
    const { manifest } = await published('7.5.1', { later: true });
    const never = await verifyPublishedWaiting(options(manifest), 60_000, clock);
    expect(never.findings.map((f) => f.code)).toEqual(['missing-on-index', 'missing-on-index']);
    // looks at 0, 10, 30 and 60 s: the last pause is cut to what is left of the minute
    expect([never.looks, t]).toEqual([4, 60_000]);
    t = 0;
    const { files, manifest: changed } = await published('7.5.2');
    pypi.file(files[0]!.filename)!.data![200]! ^= 1;
    const hard = await verifyPublishedWaiting(options(changed), 60_000, clock);
    expect(hard.findings.map((f) => f.code)).toEqual(['content']);
    expect([hard.looks, t]).toEqual([1, 0]);
  });
});

describe('compat fetch --verify-provenance', () => {
  it('passes the files signed by the expected workflow and refuses the rest, naming each problem', async () => {
    const { files } = await published('7.4.0');
    const selection = [{ pkg: { name: 'demo-core', version: '7.4.0' }, files: files.map((f) => ({ filename: f.filename, sha256: f.sha256 })), fromSdist: false }] as unknown as PackageSelection[];
    const opts = { indexUrl: pypi.url, identity: { ...ID, ref: 'refs/tags/v7.0.0' }, env: { ...sig.env }, log: () => undefined };
    expect(await verifySelection(selection, opts)).toBe(2);
    await expect(verifySelection(selection, { ...opts, identity: { ...opts.identity, repository: 'other/demo' } })).rejects.toThrow(/provenance check failed for 2 file\(s\):\n {2}attestation: .*wrong signer: signed from repository https:\/\/github.com\/owner\/demo/);
    const tampered = [{ ...selection[0]!, files: [{ filename: files[0]!.filename, sha256: 'e'.repeat(64) }] }] as unknown as PackageSelection[];
    await expect(verifySelection(tampered, opts)).rejects.toThrow(/subject: .*subject does not match distribution digest/);
    const missing = [{ ...selection[0]!, files: [{ filename: 'demo_core-7.4.0-cp312-cp312-win_amd64.whl', sha256: 'e'.repeat(64) }] }] as unknown as PackageSelection[];
    await expect(verifySelection(missing, opts)).rejects.toThrow(/no-provenance: the index has no attestation/);
  });
});

describe('release verify --published (the command)', () => {
  it('exits 0 on a good release and 4 with the findings in --json when a file was changed', async () => {
    const { files, manifest } = await published('7.3.0');
    const full = { ...(manifest as object), schemaVersion: 1, tool: { name: 'wheelwright', version: '0' }, commit: null, createdAt: '2026-01-01T00:00:00Z', packages: [], jobs: [], expected: [], verify: null, publish: {} };
    const file = path.join(dir, 'm730.json');
    await writeFile(file, JSON.stringify(full));
    const args = ['verify', '--published', '7.3.0', '--manifest', file, '--index-url', pypi.url, '--repository', 'owner/demo', '--trusted-root', sig.trustedRootPath, '--json'];
    const env = { GITHUB_REPOSITORY: '', WHEELWRIGHT_SIGSTORE_TRUSTED_ROOT: '' };
    const good = await runRelease(args, { cwd: dir, env });
    expect(good.stderr).toContain('every file matches the manifest and every attestation verifies');
    expect(good.code).toBe(0);
    pypi.file(files[1]!.filename)!.data![100]! ^= 1;
    const bad = await runRelease(args, { cwd: dir, env });
    expect(bad.code).toBe(4);
    expect((JSON.parse(bad.stdout) as { findings: Array<{ code: string; filename: string }> }).findings).toEqual([expect.objectContaining({ code: 'content', filename: files[1]!.filename })]);
    const wrongVersion = await runRelease([...args.slice(0, 2), '7.3.1', ...args.slice(3)], { cwd: dir, env });
    expect(wrongVersion.code).toBe(2);
    expect(wrongVersion.stderr).toMatch(/the manifest is for version 7.3.0, not 7.3.1/);
  });
});

describe('verify --published against the GitHub release', () => {
  async function release(tag: string, assets: Record<string, Buffer>) {
    const h = { authorization: 'Bearer ghs_published', accept: 'application/vnd.github+json', 'content-type': 'application/json' };
    const rel = (await (await fetch(`${gh.apiUrl}/repos/owner/demo/releases`, { method: 'POST', headers: h, body: JSON.stringify({ tag_name: tag, draft: false }) })).json()) as { upload_url: string };
    for (const [name, data] of Object.entries(assets)) {
      const url = rel.upload_url.replace('{?name,label}', `?name=${encodeURIComponent(name)}`);
      const res = await fetch(url, { method: 'POST', headers: { ...h, 'content-type': 'application/octet-stream', 'content-length': String(data.length) }, body: data });
      expect(res.status).toBe(201);
    }
  }
  const sumsOf = (files: PublishFile[]) => Buffer.from(files.map((f) => `${f.sha256}  ${f.filename}\n`).join(''));
  const signSums = async (sums: Buffer) => {
    const { createHash } = await import('node:crypto');
    const statement = statementFor([{ name: 'SHA256SUMS', sha256: createHash('sha256').update(sums).digest('hex') }], 'https://in-toto.io/attestation/release/v0.1', { releaseId: 'v7.0.0' });
    return Buffer.from(JSON.stringify(await signStatement(statement, { fulcioUrl: sig.url, rekorUrl: sig.url, identityToken: () => identityToken(actions.env) })));
  };

  it('checks every asset, SHA256SUMS against the manifest and its signature', async () => {
    const { files, manifest } = await published('7.1.0');
    (manifest as { tag: string }).tag = 'v7.1.0';
    const assets: Record<string, Buffer> = {};
    for (const f of files) assets[f.filename] = await readFile(f.path);
    const sums = sumsOf(files);
    await release('v7.1.0', { ...assets, SHA256SUMS: sums, [SUMS_BUNDLE]: await signSums(sums) });
    const r = await verifyPublished(options(manifest, { indexUrl: null, github: { apiUrl: gh.apiUrl, repository: 'owner/demo', token: 'ghs_published' } }));
    expect(r.findings).toEqual([]);
    expect(r.files.every((f) => f.github?.ok)).toBe(true);
  });

  it('catches a changed asset, a SHA256SUMS that lies, and a signature over another SHA256SUMS', async () => {
    const { files, manifest } = await published('7.2.0');
    (manifest as { tag: string }).tag = 'v7.2.0';
    const wheel = await readFile(files[0]!.path);
    const changed = Buffer.from(wheel);
    changed[changed.length - 40]! ^= 1;
    const sums = sumsOf(files);
    const lying = Buffer.from(sums.toString().replace(files[1]!.sha256, '0'.repeat(64)));
    await release('v7.2.0', { [files[0]!.filename]: changed, [files[1]!.filename]: await readFile(files[1]!.path), SHA256SUMS: lying, [SUMS_BUNDLE]: await signSums(sums) });
    const r = await verifyPublished(options(manifest, { indexUrl: null, github: { apiUrl: gh.apiUrl, repository: 'owner/demo', token: 'ghs_published' } }));
    expect(r.findings.map((f) => [f.filename, f.code])).toEqual([
      [files[0]!.filename, 'content'],
      ['SHA256SUMS', 'checksums'],
      ['SHA256SUMS', 'checksums'],
    ]);
    expect(r.findings[2]!.message).toMatch(/signs another file/);
  });
});
