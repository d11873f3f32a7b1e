// `release prepare` on a git copy of examples/, through the built CLI: the commit, the tag, the files, the preflight.
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { git } from '../helpers/gitdir.js';
import { hasTowncrierOracle, requireTools } from '../helpers/tools.js';
import { addRemote, exampleRepo, fingerprint, tagMessage, towncrierOracle, type Fixture } from './prepare-fixture.js';

const DATE = '2026-11-23';
const FRAGMENTS = ['changes/+tooling.misc.md', 'changes/12.feature.md', 'changes/15.bugfix.md', 'changes/17.feature.md'];

const fixtures: Fixture[] = [];
afterEach(() => {
  while (fixtures.length) fixtures.pop()!.cleanup();
});
function repo(edit?: (dir: string) => void): string {
  const fx = exampleRepo(edit);
  fixtures.push(fx);
  return fx.dir;
}

const haveTowncrier = requireTools('release prepare vs towncrier', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);

describe.skipIf(!haveTowncrier)('release prepare on a copy of examples/', () => {
  it('--bump minor makes one commit `release: 0.4.0` with VERSION, pins, changelog and the fragments removed', async () => {
    const dir = repo();
    const initial = git(dir, 'rev-parse', 'HEAD');
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE], { cwd: dir });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);

    expect(git(dir, 'log', '-1', '--format=%B')).toBe('release: 0.4.0');
    expect(git(dir, 'rev-parse', 'HEAD^')).toBe(initial);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    const changed = git(dir, 'show', '--name-status', '--format=', 'HEAD').split('\n').sort();
    expect(changed).toEqual(
      ['M\tCHANGELOG.md', 'M\tVERSION', 'M\tpackages/demo-cli/pyproject.toml', ...FRAGMENTS.map((f) => `D\t${f}`)].sort(),
    );

    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('0.4.0\n');
    // every package's VERSION is still the symlink to the root file
    for (const p of ['demo-core', 'demo-cli', 'demo-speedups']) {
      expect(readlinkSync(path.join(dir, 'packages', p, 'VERSION'))).toBe('../../VERSION');
    }
    const cli = readFileSync(path.join(dir, 'packages/demo-cli/pyproject.toml'), 'utf8');
    expect(cli).toContain('dependencies = ["demo-core==0.4.0"]');
    expect(cli).not.toContain('0.3.0');
    const left = git(dir, 'ls-files', 'changes').split('\n');
    for (const f of FRAGMENTS) expect(left).not.toContain(f);
  });

  it('the changelog is byte-for-byte what towncrier writes, and the tag is annotated on the commit with the notes as message', async () => {
    const dir = repo();
    const oracle = towncrierOracle('0.4.0', DATE);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8')).toBe(oracle.changelog);
    expect(git(dir, 'cat-file', '-t', 'v0.4.0')).toBe('tag');
    expect(git(dir, 'rev-parse', 'v0.4.0^{commit}')).toBe(git(dir, 'rev-parse', 'HEAD'));
    const message = tagMessage(dir, 'v0.4.0');
    expect(message.trimEnd()).toBe(oracle.draft.trimEnd());
    expect(message).toContain('## demo 0.4.0 (2026-11-23)');
    expect(r.stdout).toMatch(/^prepared 0\.4\.0: commit [0-9a-f]{12}, tag v0\.4\.0/);
  });

  it('--version 1.0.0rc1 --json releases exactly that version and reports what it did', async () => {
    const dir = repo();
    const r = await runRelease(['prepare', '--version', '1.0.0rc1', '--date', DATE, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      dryRun: false,
      previous: '0.3.0',
      version: '1.0.0rc1',
      tag: 'v1.0.0rc1',
      commit: git(dir, 'rev-parse', 'HEAD'),
      branch: 'main',
      pushed: [],
      pullRequest: null,
      notesSource: 'towncrier',
    });
    expect((out.changed as string[]).sort()).toEqual(['CHANGELOG.md', 'VERSION', 'packages/demo-cli/pyproject.toml']);
    expect((out.removed as string[]).sort()).toEqual([...FRAGMENTS].sort());
    expect(tagMessage(dir, 'v1.0.0rc1')).toBe((out.notes as string).endsWith('\n') ? out.notes : `${out.notes}\n`);
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('1.0.0rc1\n');
  });

  it('--push sends the branch and the tag to the remote', async () => {
    const dir = repo();
    const remote = addRemote(dir);
    fixtures.push(remote);
    const r = await runRelease(['prepare', '--bump', 'patch', '--date', DATE, '--push'], { cwd: dir });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(git(remote.dir, 'rev-parse', 'main')).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(remote.dir, 'rev-parse', 'v0.3.1')).toBe(git(dir, 'rev-parse', 'v0.3.1'));
    expect(git(remote.dir, 'cat-file', '-t', 'v0.3.1')).toBe('tag');
  });

  it("untracked files in dist/ (wheelwright's working area) do not block the release and are not committed", async () => {
    const dir = repo();
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'dist/release-manifest.json'), '{}\n');
    const r = await runRelease(['prepare', '--bump', 'patch', '--date', DATE], { cwd: dir });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('?? dist/release-manifest.json');
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD')).not.toContain('dist/');
  });

  it('without --bump or --version, the version already in VERSION is released', async () => {
    const dir = repo((d) => writeFileSync(path.join(d, 'VERSION'), '0.3.0\n'));
    const r = await runRelease(['prepare', '--date', DATE], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('write VERSION (skipped: VERSION already says 0.3.0)');
    expect(git(dir, 'log', '-1', '--format=%B')).toBe('release: 0.3.0');
    expect(git(dir, 'tag', '--list')).toBe('v0.3.0');
  });
});

describe.skipIf(!haveTowncrier)('release prepare --dry-run', () => {
  it('prints the version change, the notes and the files, and changes nothing', async () => {
    const dir = repo();
    const before = fingerprint(dir);
    const oracle = towncrierOracle('0.4.0', DATE);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--dry-run'], { cwd: dir });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(fingerprint(dir)).toEqual(before);
    expect(r.stdout).toContain('version: 0.3.0 → 0.4.0');
    expect(r.stdout).toContain('tag: v0.4.0');
    expect(r.stdout).toContain('changes: VERSION, packages/demo-cli/pyproject.toml, CHANGELOG.md');
    const removes = /^removes: (.*)$/m.exec(r.stdout)?.[1]?.split(', ').sort();
    expect(removes).toEqual([...FRAGMENTS].sort());
    expect(r.stdout).toContain(oracle.draft.trimEnd());
    // the boundary says what it would have run
    expect(r.stderr).toContain('[dry-run] $ git commit');
    expect(r.stderr).toContain('[dry-run] $ git tag -a --cleanup=verbatim -F - v0.4.0');
  });

  it('a dirty tree is a warning in a dry run, and still nothing changes', async () => {
    const dir = repo();
    writeFileSync(path.join(dir, 'scratch.txt'), 'wip\n');
    const before = fingerprint(dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--dry-run'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: working tree has uncommitted changes: scratch.txt (a real run stops here)');
    expect(fingerprint(dir)).toEqual(before);
  });
});

describe.skipIf(!haveTowncrier)('release prepare preflight: one clear message, nothing written', () => {
  async function refuses(dir: string, args: string[], code: number, message: RegExp, env?: Record<string, string>) {
    const before = fingerprint(dir);
    const r = await runRelease(['prepare', '--date', DATE, ...args], { cwd: dir, env });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(fingerprint(dir)).toEqual(before);
    return r;
  }

  it('uncommitted changes are listed by name', async () => {
    const dir = repo();
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# edited\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'x\n');
    await refuses(dir, ['--bump', 'minor'], 6, /working tree has uncommitted changes: CHANGELOG\.md, notes\.txt — commit or stash them, or use --dry-run/);
  });

  it('another branch than git.release_branch', async () => {
    const dir = repo();
    git(dir, 'switch', '-q', '-c', 'feature');
    await refuses(dir, ['--bump', 'minor'], 6, /on branch `feature`, but releases are made from `main`/);
  });

  it('the tag exists locally', async () => {
    const dir = repo();
    git(dir, 'tag', 'v0.4.0');
    await refuses(dir, ['--bump', 'minor'], 6, /tag v0\.4\.0 already exists\n/);
  });

  it('the tag exists on the remote only', async () => {
    const dir = repo();
    const remote = addRemote(dir);
    fixtures.push(remote);
    git(remote.dir, 'tag', 'v0.4.0', 'main');
    await refuses(dir, ['--bump', 'minor'], 6, /tag v0\.4\.0 already exists on `origin`/);
  });

  it('a package that hard-codes its version', async () => {
    const dir = repo((d) => {
      const f = path.join(d, 'packages/demo-core/pyproject.toml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('dynamic = ["version"]', 'version = "0.3.0"'));
    });
    await refuses(dir, ['--bump', 'minor'], 2, /packages\/demo-core\/pyproject\.toml: hard-codes version 0\.3\.0/);
  });

  it('an invalid VERSION', async () => {
    const dir = repo((d) => writeFileSync(path.join(d, 'VERSION'), 'banana\n'));
    await refuses(dir, ['--bump', 'minor'], 2, /"banana" is not a valid PEP 440 version/);
  });

  it('a --version lower than VERSION', async () => {
    const dir = repo();
    await refuses(dir, ['--version', '0.2.9'], 2, /0\.2\.9 is lower than the current version 0\.3\.0/);
  });

  it('a file that is not a fragment when towncrier `ignore` is set (strict, as towncrier 26.9)', async () => {
    const dir = repo((d) => {
      writeFileSync(path.join(d, 'changes/20.feture.md'), 'Typo in the type.\n');
      const toml = path.join(d, 'towncrier.toml');
      writeFileSync(toml, readFileSync(toml, 'utf8').replace('underlines = ["", "", ""]\n', 'underlines = ["", "", ""]\nignore = []\n'));
    });
    await refuses(dir, ['--bump', 'minor'], 2, /changes\/20\.feture\.md: is not a news fragment/);
  });

  it('--pre without --bump, and --push with --pr, are usage errors', async () => {
    const dir = repo();
    await refuses(dir, ['--pre', 'rc'], 64, /--pre goes with --bump/);
    await refuses(dir, ['--push', '--pr'], 64, /give --push or --pr, not both/);
  });

  it('on GitHub Actions, --push without RELEASE_TOKEN is refused because of the tag-trigger trap', async () => {
    const dir = repo();
    const remote = addRemote(dir);
    fixtures.push(remote);
    const r = await refuses(dir, ['--bump', 'minor', '--push'], 6, /release-please#1142/, { GITHUB_ACTIONS: 'true', RELEASE_TOKEN: '' });
    expect(r.stderr).toMatch(/hint: set RELEASE_TOKEN/);
    expect(git(remote.dir, 'tag', '--list')).toBe('');
  });
});
