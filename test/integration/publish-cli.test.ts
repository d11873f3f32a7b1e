// `release publish` as a real process: exit codes, --json, the second run, usage errors, dry run.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { makeReleaseFixture, writePublishConfig, type ReleaseFixture } from './publish-fixture.js';

let gh: GithubServer;
let fx: ReleaseFixture;
let env: Record<string, string>;

beforeEach(async () => {
  gh = await startGithubServer({ owner: 'acme', repo: 'demo' });
  fx = await makeReleaseFixture({ packages: ['demo-core'] });
  writePublishConfig(fx.root, { to: ['github', 'index'], github: { repository: 'acme/demo', api_url: gh.apiUrl } });
  env = { GITHUB_TOKEN: gh.token!, WHEELWRIGHT_GITHUB_PACE: 'off' };
});
afterEach(async () => {
  await gh.close();
  fx.cleanup();
});

describe('release publish (CLI)', () => {
  it('publishes to the configured destinations, then a second run does nothing, says so, and exits 0', async () => {
    const first = await runRelease(['publish', '--json'], { cwd: fx.root, env });
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.destinations.map((d: { name: string; status: string }) => [d.name, d.status])).toEqual([
      ['index', 'published'],
      ['github', 'published'],
    ]);
    expect(gh.state().releases[0]!.draft).toBe(false);
    const before = gh.history().length;
    const second = await runRelease(['publish'], { cwd: fx.root, env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/nothing to do: v1\.0\.0 is already published to index, github/);
    expect(gh.history().length).toBe(before);
  });

  it('exits 4 with the fix when the files were not verified', async () => {
    const m = JSON.parse(readFileSync(fx.manifestPath, 'utf8'));
    m.verify.ok = false;
    m.verify.files[0].ok = false;
    m.verify.files[0].codes = ['W001'];
    writeFileSync(fx.manifestPath, JSON.stringify(m));
    const res = await runRelease(['publish'], { cwd: fx.root, env });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/`release verify` failed for this release: .*\(W001\)/);
    expect(res.stderr).toMatch(/hint: /);
    expect(gh.history()).toEqual([]);
  });

  it('exits 64 for an unknown destination, suggesting the right one', async () => {
    const res = await runRelease(['publish', '--to', 'pypy'], { cwd: fx.root, env });
    expect(res.code).toBe(64);
    expect(res.stderr).toContain('unknown destination `pypy` (did you mean `pypi`?)');
  });

  it('exits 5 without a token, and never prints one', async () => {
    const res = await runRelease(['publish', '--to', 'github'], { cwd: fx.root, env: { GITHUB_TOKEN: '', WHEELWRIGHT_GITHUB_PACE: 'off' } });
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/GITHUB_TOKEN is not set/);
    const bad = await runRelease(['publish', '--to', 'github'], { cwd: fx.root, env: { ...env, GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' } });
    expect(bad.code).toBe(5);
    expect(bad.stderr + bad.stdout).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('--dry-run prints the requests with sizes and sends no change', async () => {
    const res = await runRelease(['publish', '--dry-run', '--to', 'github'], { cwd: fx.root, env });
    expect(res.code, res.stderr).toBe(0);
    for (const f of fx.files) expect(res.stderr).toContain(`name=${f.filename} (${f.size} bytes`);
    expect(res.stderr).toMatch(/\[dry-run\] PATCH /);
    expect(gh.history().filter((e) => e.type === 'request' && e.method !== 'GET')).toEqual([]);
  });
});
