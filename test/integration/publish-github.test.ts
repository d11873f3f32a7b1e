// `release publish --to github` against the local GitHub server: draft first, every asset once, publish last.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { GitError, PublishError, VerifyError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { parseManifest } from '../../src/manifest.js';
import { publishTestSeam, type PublishOptions, type PublishTestOptions } from '../../src/publish/run.js';
import { changelogSection } from '../../src/notes/section.js';
import { git } from '../helpers/gitdir.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { makeReleaseFixture, writePublishConfig, type ReleaseFixture } from './publish-fixture.js';

const FAST = { secondMs: 1, timeoutMs: 500, pace: false };

let gh: GithubServer;
let fx: ReleaseFixture;
let lines: string[];

function ctxFor(root: string, extra: { dryRun?: boolean; env?: Record<string, string> } = {}) {
  const log = createLogger({ stderr: (s) => void lines.push(s), stdout: (s) => void lines.push(s) });
  return createContext({ cwd: root, dryRun: extra.dryRun, log, env: { GITHUB_TOKEN: gh.token!, ...extra.env } });
}

function publish(root: string, opts: PublishOptions & PublishTestOptions = {}, extra: { dryRun?: boolean; env?: Record<string, string> } = {}) {
  return publishTestSeam.run(ctxFor(root, extra), { to: ['github'], github: FAST, changelogSection, ...opts });
}

function expectedAssets(f: ReleaseFixture): string[] {
  return [...f.files.map((x) => x.filename), 'SHA256SUMS', 'release-manifest.json', 'versions.json'].sort();
}

beforeEach(async () => {
  lines = [];
  gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
  fx = await makeReleaseFixture();
  writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
});

afterEach(async () => {
  await gh.close();
  fx.cleanup();
});

describe('publishing a GitHub release', () => {
  it('creates a draft, uploads every asset once, and publishes only when all are attached', async () => {
    const summary = await publish(fx.root);
    const { releases } = gh.state();
    expect(releases).toHaveLength(1);
    const r = releases[0]!;
    expect(r.draft).toBe(false);
    expect(r.prerelease).toBe(false);
    expect(r.make_latest).toBe('true');
    expect(r.body).toContain('Wheels for everyone. (#1)');
    expect(r.body).not.toContain('Older.');
    expect(r.assets.map((a) => a.name).sort()).toEqual(expectedAssets(fx));
    for (const f of fx.files) expect(r.assets.find((a) => a.name === f.filename)?.sha256).toBe(f.sha256);
    const created = gh.history().filter((e) => e.type === 'release-created');
    expect(created).toEqual([expect.objectContaining({ draft: true })]);
    const published = gh.history().filter((e) => e.type === 'release-published');
    expect(published).toHaveLength(1);
    if (published[0]!.type === 'release-published') expect(published[0]!.assets.map((a) => a.name).sort()).toEqual(expectedAssets(fx));
    expect(summary.destinations[0]).toMatchObject({ name: 'github', status: 'published' });
    const m = parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath);
    expect(m.publish.github).toMatchObject({ complete: true, releaseId: r.id });
    expect(Object.keys(m.publish.github!.files).sort()).toEqual(expectedAssets(fx));
  });

  it('a second run after a complete release sends nothing and says so', async () => {
    await publish(fx.root);
    const before = gh.history().length;
    lines = [];
    const summary = await publish(fx.root);
    expect(summary.nothingToDo).toBe(true);
    expect(gh.history().length).toBe(before);
    expect(lines.join('')).toMatch(/nothing to do: v1\.0\.0 is already published to github/);
  });

  it('attaches SHA256SUMS, the manifest without publish progress, and the version set', async () => {
    await publish(fx.root);
    const sums = readFileSync(path.join(fx.dist, 'release-assets/SHA256SUMS'), 'utf8');
    for (const f of fx.files) expect(sums).toContain(`${f.sha256}  ${f.filename}\n`);
    const frozen = JSON.parse(readFileSync(path.join(fx.dist, 'release-assets/release-manifest.json'), 'utf8'));
    expect(frozen.publish).toEqual({});
    const set = JSON.parse(readFileSync(path.join(fx.dist, 'release-assets/versions.json'), 'utf8'));
    expect(set.packages.map((p: { name: string }) => p.name).sort()).toEqual(['demo-cli', 'demo-core']);
  });

  it('survives dropped, failed, rate-limited and store-then-fail requests without a duplicate or an early publish', async () => {
    gh.inject({ kind: 'store-then-fail', route: 'create-release' });
    gh.inject({ kind: 'drop', route: 'upload-asset' });
    gh.inject({ kind: 'status', status: 502, route: 'upload-asset', starter: true });
    gh.inject({ kind: 'store-then-fail', route: 'upload-asset', drop: true });
    gh.inject({ kind: 'rate-limit', status: 429, retryAfter: 1, route: 'upload-asset' });
    gh.inject({ kind: 'rate-limit', status: 403, retryAfter: 1, route: 'list-assets' });
    gh.inject({ kind: 'status', status: 503, route: 'update-release' });
    gh.inject({ kind: 'hang', route: 'list-releases' });
    await publish(fx.root);
    expect(gh.pending()).toEqual([]);
    const { releases } = gh.state();
    expect(releases).toHaveLength(1);
    expect(releases[0]!.draft).toBe(false);
    expect(releases[0]!.assets.map((a) => a.name).sort()).toEqual(expectedAssets(fx));
    expect(releases[0]!.assets.every((a) => a.state === 'uploaded')).toBe(true);
  });

  it('continues after a failed run from what the manifest and the release hold', async () => {
    gh.inject({ kind: 'status', status: 500, route: 'upload-asset' });
    await expect(publish(fx.root, { github: { ...FAST, attempts: 1 } })).rejects.toBeInstanceOf(PublishError);
    const partial = gh.state().releases[0]!;
    expect(partial.draft).toBe(true);
    expect(partial.assets.length).toBeGreaterThan(0);
    const confirmed = parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath).publish.github!;
    expect(confirmed.complete).toBe(false);
    expect(Object.keys(confirmed.files).sort()).toEqual(partial.assets.map((a) => a.name).sort());
    await publish(fx.root);
    const uploads = gh.history().filter((e) => e.type === 'asset-uploaded');
    expect(uploads).toHaveLength(expectedAssets(fx).length);
    expect(gh.state().releases).toHaveLength(1);
    expect(gh.state().releases[0]!.draft).toBe(false);
    expect(gh.history().filter((e) => e.type === 'release-published')).toHaveLength(1);
  });

  it('replaces its own generated assets in a draft when `release verify` ran again between two attempts', async () => {
    gh.inject({ kind: 'status', status: 500, route: 'update-release', times: 10 });
    await expect(publish(fx.root)).rejects.toBeInstanceOf(PublishError);
    expect(gh.state().releases[0]!.draft).toBe(true);
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.verify.at = '2026-11-24T08:00:00.000Z';
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    gh.clearFaults();
    await publish(fx.root);
    const r = gh.state().releases[0]!;
    expect(r.draft).toBe(false);
    const frozen = readFileSync(path.join(fx.dist, 'release-assets/release-manifest.json'));
    expect(r.assets.find((a) => a.name === 'release-manifest.json')!.size).toBe(frozen.length);
    expect(gh.history().filter((e) => e.type === 'asset-deleted').map((e) => (e as { name: string }).name)).toEqual(['release-manifest.json']);
  });

  it('refuses before any upload when the published release holds a different file of the same name', async () => {
    await publish(fx.root);
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.publish = {};
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const f = fx.files[0]!;
    // Tamper with the asset on the server: delete it and upload other bytes under the same name.
    const r = gh.state().releases[0]!;
    const asset = r.assets.find((a) => a.name === f.filename)!;
    const headers = { authorization: `Bearer ${gh.token}` };
    await fetch(`${gh.apiUrl}/repos/acme/demo/releases/assets/${asset.id}`, { method: 'DELETE', headers });
    await fetch(`${gh.uploadUrl}/repos/acme/demo/releases/${r.id}/assets?name=${f.filename}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/zip' },
      body: 'other bytes',
    });
    const before = gh.history().filter((e) => e.type !== 'request').length;
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toContain(f.filename);
    expect(gh.history().filter((e) => e.type !== 'request').length).toBe(before);
    await publish(fx.root, { replace: true });
    const now = gh.state().releases[0]!.assets.find((a) => a.name === f.filename)!;
    expect(now.sha256).toBe(f.sha256);
  });

  it('refuses to add to an immutable published release that lacks a file', async () => {
    await gh.close();
    gh = await startGithubServer({ owner: 'acme', repo: 'demo', immutable: true });
    writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
    await fetch(`${gh.apiUrl}/repos/acme/demo/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gh.token}` },
      body: JSON.stringify({ tag_name: fx.tag, draft: false }),
    });
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/immutable/);
  });

  it('works against GitHub Enterprise Server by its base URL, uploading where upload_url says', async () => {
    await gh.close();
    gh = await startGithubServer({ owner: 'acme', repo: 'demo', enterprise: true });
    expect(gh.apiUrl).toMatch(/\/api\/v3$/);
    writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
    await publish(fx.root);
    const r = gh.state().releases[0]!;
    expect(r.draft).toBe(false);
    expect(r.assets).toHaveLength(expectedAssets(fx).length);
    const uploads = gh.history().filter((e) => e.type === 'request' && e.route === 'upload-asset');
    expect(uploads.length).toBe(expectedAssets(fx).length);
  });

  it('checks assets that carry no digest by downloading them, and sends nothing again', async () => {
    await gh.close();
    gh = await startGithubServer({ owner: 'acme', repo: 'demo', digests: false });
    writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
    await publish(fx.root);
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.publish = {};
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const again = await publish(fx.root);
    expect(again.destinations[0]!.uploaded).toEqual([]);
    expect(gh.history().filter((e) => e.type === 'request' && e.route === 'get-asset')).toHaveLength(expectedAssets(fx).length);
    expect(gh.history().filter((e) => e.type === 'asset-uploaded')).toHaveLength(expectedAssets(fx).length);
  });

  it('marks a pre-release as prerelease and never latest', async () => {
    fx.cleanup();
    fx = await makeReleaseFixture({ version: '2.0.0rc1' });
    writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
    await publish(fx.root);
    const r = gh.state().releases[0]!;
    expect(r).toMatchObject({ draft: false, prerelease: true, make_latest: 'false', tag_name: 'v2.0.0rc1' });
  });

  it('recognises an asset GitHub renamed (a local version `+`) as already there', async () => {
    fx.cleanup();
    fx = await makeReleaseFixture({ version: '1.0.0+cpu', packages: ['demo-core'], wheelTags: ['py3-none-any'] });
    writePublishConfig(fx.root, { to: ['github'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
    await publish(fx.root);
    const names = gh.state().releases[0]!.assets.map((a) => a.name);
    expect(names).toContain('demo_core-1.0.0.cpu-py3-none-any.whl');
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.publish = {};
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const again = await publish(fx.root);
    expect(again.destinations[0]!.uploaded).toEqual([]);
    expect(gh.state().releases[0]!.assets).toHaveLength(names.length);
  });

  it('prints every changing request with sizes in a dry run and sends none', async () => {
    await publish(fx.root, {}, { dryRun: true });
    const out = lines.join('');
    expect(out).toMatch(/\[dry-run\] POST .*\/repos\/acme\/demo\/releases \(create draft release v1\.0\.0/);
    for (const f of fx.files) expect(out).toContain(`name=${f.filename} (${f.size} bytes`);
    expect(out).toMatch(/\[dry-run\] PATCH .*"draft":false/);
    const writes = gh.history().filter((e) => e.type === 'request' && e.method !== 'GET');
    expect(writes).toEqual([]);
    expect(parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath).publish).toEqual({});
  });

  it('fails with the fix when GITHUB_TOKEN is missing or rejected', async () => {
    const missing = await publishTestSeam.run(createContext({ cwd: fx.root, log: createLogger({ stderr: () => undefined }), env: {} }), { to: ['github'], github: FAST, changelogSection }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PublishError);
    expect((missing as Error).message).toMatch(/GITHUB_TOKEN is not set/);
    const rejected = await publish(fx.root, {}, { env: { GITHUB_TOKEN: 'ghs_wrongwrongwrongwrongwrongwrong0000' } }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(PublishError);
    expect((rejected as Error).message).toMatch(/401/);
    expect((rejected as Error).message).not.toContain('ghs_wrong');
    expect(gh.state().releases).toEqual([]);
  });
});

describe('the gate before publishing', () => {
  it('refuses a release that was not verified', async () => {
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.verify = null;
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as VerifyError).hint).toMatch(/release verify/);
    expect(gh.history()).toEqual([]);
  });

  it('refuses a file that changed after verification, naming it', async () => {
    const f = fx.files[1]!;
    writeFileSync(path.join(fx.dist, f.filename), 'tampered');
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as Error).message).toContain(f.filename);
    // The preflight may read while the files are re-hashed; nothing is created, changed or sent.
    expect(gh.history().filter((e) => e.type !== 'request' || e.method !== 'GET')).toEqual([]);
    expect(gh.history().length).toBeGreaterThan(0);
  });

  it('refuses an incomplete set', async () => {
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.expected.push({ ...m.expected[0], id: 'x', filename: 'demo_core-1.0.0-cp313-cp313-win_amd64.whl' });
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerifyError);
    expect((err as Error).message).toContain('missing demo_core-1.0.0-cp313-cp313-win_amd64.whl');
  });

  it('refuses when the tag points at another commit than the manifest names', async () => {
    writeFileSync(path.join(fx.root, 'x.txt'), 'x');
    git(fx.root, 'add', 'x.txt');
    git(fx.root, 'commit', '-q', '-m', 'later');
    git(fx.root, 'tag', '-f', '-a', fx.tag, '-m', 'moved');
    const err = await publish(fx.root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as Error).message).toMatch(/tag v1\.0\.0 points at [0-9a-f]{12}, but the release was planned from/);
    expect(gh.history()).toEqual([]);
  });

  it('skips the tag check, and says so, when the manifest names no commit', async () => {
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.commit = null;
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    git(fx.root, 'tag', '-d', fx.tag);
    await publish(fx.root);
    expect(lines.join('')).toMatch(/check the tag \(skipped: the manifest names no commit/);
  });

  it('cuts release notes longer than GitHub accepts', async () => {
    const long = Array.from({ length: 4000 }, (_, i) => `- Change number ${i} with some words to make it long. (#${i})`).join('\n');
    writeFileSync(path.join(fx.root, 'CHANGELOG.md'), `# Changelog\n\n## 1.0.0\n\n${long}\n`);
    await publish(fx.root);
    const body = gh.state().releases[0]!.body!;
    expect(body.length).toBe(125_000);
    expect(body).toMatch(/cut to fit GitHub's limit/);
  });

  it('uses the tag annotation when the changelog has no section for the version', async () => {
    writeFileSync(path.join(fx.root, 'CHANGELOG.md'), '# Changelog\n\n## 0.9.0\n\n- Older.\n');
    await publish(fx.root);
    expect(gh.state().releases[0]!.body).toBe('Release 1.0.0\n\ntag notes');
  });
});

describe('the release command', () => {
  it('reads --dist from another directory', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'ww-dist-'));
    try {
      fx.copy(path.join(other, 'repo'));
      await publish(fx.root, { distDir: path.join(other, 'repo', 'dist') });
      expect(gh.state().releases[0]!.assets).toHaveLength(expectedAssets(fx).length);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
