// `release prepare --pr`: push release/X and open a pull request on a local GitHub API server; undo it all on failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANGES } from '../../src/prepare/steps.js';
import { runRelease } from '../helpers/cli.js';
import { git } from '../helpers/gitdir.js';
import { hasTowncrierOracle, requireTools } from '../helpers/tools.js';
import { startGithubServer, type GithubServer } from '../servers/github.js';
import { addRemote, editReleaseYaml, exampleRepo, fingerprint, type Fixture } from './prepare-fixture.js';

const DATE = '2026-11-23';
const TOKEN = 'ghs_preparetest00000000000000000000000';

const fixtures: Fixture[] = [];
let gh: GithubServer;
beforeEach(async () => {
  gh = await startGithubServer({ owner: 'acme', repo: 'demo', token: TOKEN });
});
afterEach(async () => {
  while (fixtures.length) fixtures.pop()!.cleanup();
  await gh.close();
});

/** A copy of examples/ whose release config points at the local GitHub server, with a bare `origin`. */
function setup(): { dir: string; remote: string } {
  const fx = exampleRepo((d) =>
    editReleaseYaml(d, [
      [['publish', 'github', 'repository'], 'acme/demo'],
      [['publish', 'github', 'api_url'], gh.apiUrl],
    ]),
  );
  fixtures.push(fx);
  const remote = addRemote(fx.dir);
  fixtures.push(remote);
  return { dir: fx.dir, remote: remote.dir };
}

const env = { GITHUB_TOKEN: TOKEN, RELEASE_TOKEN: '', GITHUB_REPOSITORY: '' };

const haveTools = requireTools('release prepare --pr', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);

describe.skipIf(!haveTools)('release prepare --pr', () => {
  it('pushes release/0.4.0 with the release commit, opens the pull request into main, makes no tag, and returns to main', async () => {
    const { dir, remote } = setup();
    const before = fingerprint(dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);

    const pulls = gh.state().pulls;
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: 'release/0.4.0', base: 'main', title: 'release: 0.4.0', state: 'open' });
    expect(pulls[0]!.body).toContain('## demo 0.4.0 (2026-11-23)');
    expect(pulls[0]!.body).toContain('the release workflow tags the merge commit `v0.4.0`');
    expect(r.stdout).toContain('prepared 0.4.0 on release/0.4.0: pull request https://github.invalid/acme/demo/pull/1');
    expect(r.stdout).toContain('the release workflow tags the merge commit v0.4.0');

    // the release commit is on the remote branch, on top of main
    expect(git(remote, 'log', '-1', '--format=%B', 'release/0.4.0')).toBe('release: 0.4.0');
    expect(git(remote, 'rev-parse', 'release/0.4.0^')).toBe(before.head);
    expect(git(remote, 'show', 'release/0.4.0:VERSION')).toBe('0.4.0');
    expect(git(remote, 'show', 'release/0.4.0:packages/demo-cli/pyproject.toml')).toContain('"demo-core==0.4.0"');
    // the fragments are gone; anything else in changes/ (the towncrier template) stays
    const left = git(remote, 'ls-tree', '-r', '--name-only', 'release/0.4.0', 'changes/').split('\n');
    expect(left.filter((f) => /^changes\/(\+|\d)/.test(f))).toEqual([]);
    expect(left).toEqual(git(remote, 'ls-tree', '-r', '--name-only', 'main', 'changes/').split('\n').filter((f) => !/^changes\/(\+|\d)/.test(f)));
    // no tag: it is made when the pull request merges
    expect(git(remote, 'tag', '--list')).toBe('');
    expect(git(dir, 'tag', '--list')).toBe('');
    // the working copy is back on main, untouched
    const after = fingerprint(dir);
    expect(after.symbolicHead).toBe('refs/heads/main');
    expect(after.head).toBe(before.head);
    expect(after.files).toEqual(before.files);
    expect(after.status).toBe('');
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('0.3.0\n');
  });

  it('an open pull request for the same branch (422): the pushed branch is deleted again and nothing is left', async () => {
    const { dir, remote } = setup();
    const res = await fetch(`${gh.apiUrl}/repos/acme/demo/pulls`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ head: 'release/0.4.0', base: 'main', title: 'by hand' }),
    });
    expect(res.status).toBe(201);
    const before = fingerprint(dir);
    const remoteBefore = git(remote, 'for-each-ref');
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env });
    expect(r.stderr).toMatch(/error: open the release pull request: GitHub did not open the pull request release\/0\.4\.0 → main: 422 Validation Failed.*A pull request already exists/);
    expect(r.stderr).toContain('Nothing was changed');
    expect(r.code).toBe(6);
    expect(fingerprint(dir)).toEqual(before);
    expect(git(remote, 'for-each-ref')).toBe(remoteBefore);
  });

  it('a 429 asking to wait an hour: gives up at the retry deadline, nothing pushed, nothing left', async () => {
    const { dir, remote } = setup();
    gh.inject({ kind: 'rate-limit', status: 429, retryAfter: 3600, route: 'create-pull', times: 1000 });
    const before = fingerprint(dir);
    const remoteBefore = git(remote, 'for-each-ref');
    const started = Date.now();
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env: { ...env, WHEELWRIGHT_RETRY_DEADLINE: '2' } });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.stderr).toMatch(/GitHub did not open the pull request release\/0\.4\.0 → main/);
    expect(r.stderr).toMatch(/Retry-After 3600 s is past the retry deadline|retry deadline/);
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.code).toBe(6);
    expect(fingerprint(dir)).toEqual(before);
    expect(git(remote, 'for-each-ref')).toBe(remoteBefore);
  });

  it('a token GitHub refuses (401): nothing pushed, nothing left', async () => {
    const { dir, remote } = setup();
    const before = fingerprint(dir);
    const remoteBefore = git(remote, 'for-each-ref');
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env: { ...env, GITHUB_TOKEN: 'ghs_wrongtoken0000000000000000000000000' } });
    expect(r.stderr).toMatch(/401 Bad credentials/);
    expect(r.stderr).toMatch(/hint: the token was refused/);
    expect(r.stderr).not.toContain('ghs_wrongtoken0000000000000000000000000');
    expect(r.code).toBe(6);
    expect(fingerprint(dir)).toEqual(before);
    expect(git(remote, 'for-each-ref')).toBe(remoteBefore);
  });

  it('without any token, preflight refuses before writing', async () => {
    const { dir } = setup();
    const before = fingerprint(dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env: { ...env, GITHUB_TOKEN: '' } });
    expect(r.stderr).toMatch(/--pr needs a GitHub token/);
    expect(r.code).toBe(6);
    expect(fingerprint(dir)).toEqual(before);
    expect(gh.history().filter((e) => e.type === 'request')).toEqual([]);
  });

  it('a release/X branch already on the remote is refused in preflight', async () => {
    const { dir, remote } = setup();
    git(remote, 'branch', 'release/0.4.0', 'main');
    const before = fingerprint(dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env });
    expect(r.stderr).toMatch(/branch release\/0\.4\.0 already exists on `origin`/);
    expect(r.code).toBe(6);
    expect(fingerprint(dir)).toEqual(before);
  });

  const PR_STEPS = CHANGES.map((s) => s.name).filter((n) => !['tag', 'push the branch and the tag', 'open the release pull request'].includes(n));
  for (const step of PR_STEPS) {
    it(`--pr: a failure right after "${step}" leaves the repository and the remote as before`, async () => {
      const { dir, remote } = setup();
      const before = fingerprint(dir);
      const remoteBefore = git(remote, 'for-each-ref');
      const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--pr'], { cwd: dir, env: { ...env, WHEELWRIGHT_TEST_FAIL_AFTER_STEP: step } });
      expect(r.stderr).toContain(`injected failure after \`${step}\``);
      expect(r.stderr).toContain('Nothing was changed');
      expect(r.code).toBe(70);
      expect(fingerprint(dir)).toEqual(before);
      expect(git(remote, 'for-each-ref')).toBe(remoteBefore);
      expect(gh.state().pulls).toEqual([]);
    });
  }
});
