// `release publish` over PyPI, the static index and GitHub together: one preflight for all, then each in order.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { PublishError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { parseManifest } from '../../src/manifest.js';
import { publishTestSeam } from '../../src/publish/run.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { startPypiServer, type PypiServer } from '../servers/pypi.js';
import { makeReleaseFixture, writePublishConfig, type ReleaseFixture } from './publish-fixture.js';

let gh: GithubServer;
let pypi: PypiServer;
let fx: ReleaseFixture;

const quiet = () => createLogger({ stderr: () => undefined, stdout: () => undefined });
const fast = { github: { secondMs: 1, timeoutMs: 1000, pace: false }, pypi: { retryBaseMs: 1, timeoutMs: 1000 } };

beforeEach(async () => {
  gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
  pypi = await startPypiServer();
  fx = await makeReleaseFixture();
  // The config points PyPI somewhere unreachable: --repository-url must win.
  writePublishConfig(fx.root, {
    to: ['pypi', 'index', 'github'],
    github: { repository: 'acme/demo', api_url: gh.apiUrl },
    pypi: { repository_url: 'http://127.0.0.1:9/legacy/' },
    index: { dir: 'public/simple' },
  });
});
afterEach(async () => {
  await gh.close();
  await pypi.close();
  fx.cleanup();
});

describe('publishing to every destination', () => {
  it('puts every file on PyPI, in the index and on the GitHub release, and records each destination complete', async () => {
    const ctx = createContext({ cwd: fx.root, log: quiet(), env: { GITHUB_TOKEN: gh.token!, PYPI_TOKEN: pypi.token } });
    const summary = await publishTestSeam.run(ctx, { ...fast, repositoryUrl: pypi.uploadUrl, indexDir: path.join(fx.root, 'elsewhere') });
    expect(summary.destinations.map((d) => d.name)).toEqual(['pypi', 'index', 'github']);
    for (const f of fx.files) {
      expect(pypi.file(f.filename)?.sha256).toBe(f.sha256);
      expect(existsSync(path.join(fx.root, 'elsewhere', f.package, f.filename))).toBe(true);
    }
    expect(existsSync(path.join(fx.root, 'public'))).toBe(false);
    expect(gh.state().releases[0]!.draft).toBe(false);
    const m = parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath);
    expect(Object.values(m.publish).map((d) => d.complete)).toEqual([true, true, true]);
  });

  it('stops in preflight, before any upload anywhere, when one destination refuses the credentials', async () => {
    const ctx = createContext({ cwd: fx.root, log: quiet(), env: { GITHUB_TOKEN: gh.token!, PYPI_TOKEN: 'pypi-wrongwrongwrongwrongwrong' } });
    const err = await publishTestSeam.run(ctx, { ...fast, repositoryUrl: pypi.uploadUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect(pypi.files()).toEqual([]);
    expect(gh.history().filter((e) => e.type === 'request' && e.method !== 'GET')).toEqual([]);
    expect(existsSync(path.join(fx.root, 'public', 'simple'))).toBe(false);
  });

  it('in a dry run without tokens, prints the plan for every destination and changes nothing', async () => {
    const lines: string[] = [];
    const log = createLogger({ stderr: (x) => void lines.push(x), stdout: (x) => void lines.push(x) });
    const ctx = createContext({ cwd: fx.root, log, dryRun: true, env: {} });
    const summary = await publishTestSeam.run(ctx, { ...fast, repositoryUrl: pypi.uploadUrl });
    expect(summary.destinations.map((d) => d.status)).toEqual(['dry-run', 'dry-run', 'dry-run']);
    const out = lines.join('');
    expect(out).toMatch(/GITHUB_TOKEN is not set: the dry run assumes the release does not exist yet/);
    for (const f of fx.files) expect(out).toContain(`name=${f.filename} (${f.size} bytes`);
    expect(pypi.files()).toEqual([]);
    expect(gh.history()).toEqual([]);
    expect(existsSync(path.join(fx.root, 'public', 'simple'))).toBe(false);
    expect(parseManifest(readFileSync(fx.manifestPath, 'utf8'), fx.manifestPath).publish).toEqual({});
  });

  it('uploads nothing to PyPI when GitHub, the last destination, fails its preflight', async () => {
    const ctx = createContext({ cwd: fx.root, log: quiet(), env: { GITHUB_TOKEN: 'ghs_notthetokennotthetoken000000', PYPI_TOKEN: pypi.token } });
    const err = await publishTestSeam.run(ctx, { ...fast, repositoryUrl: pypi.uploadUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/^preflight every destination: github: GitHub rejected the token \(401/);
    expect(pypi.files()).toEqual([]);
    expect(existsSync(path.join(fx.root, 'public', 'simple'))).toBe(false);
  });
});
