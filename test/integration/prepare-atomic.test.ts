// `release prepare` is all or nothing: make each step fail in turn and check the repository is exactly as before.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANGES } from '../../src/prepare/steps.js';
import { releaseBin, runRelease } from '../helpers/cli.js';
import { git } from '../helpers/gitdir.js';
import { hasTowncrierOracle, requireTools } from '../helpers/tools.js';
import { addHook, addRemote, exampleRepo, fingerprint, type Fixture } from './prepare-fixture.js';

const DATE = '2026-11-23';
const fixtures: Fixture[] = [];
afterEach(() => {
  while (fixtures.length) fixtures.pop()!.cleanup();
});
function track<T extends Fixture>(fx: T): T {
  fixtures.push(fx);
  return fx;
}

/** Whether this machine can make a file immutable (root with CAP_LINUX_IMMUTABLE on ext4/xfs/btrfs). */
function canMakeImmutable(): boolean {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-chattr-'));
  try {
    writeFileSync(path.join(dir, 'f'), 'x');
    execFileSync('chattr', ['+i', path.join(dir, 'f')], { stdio: 'pipe' });
    execFileSync('chattr', ['-i', path.join(dir, 'f')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Steps that run on the plain and --push paths (the --pr ones are in prepare-pr.test.ts). The push itself is
// last and atomic on the remote; its failure is the rejecting-remote case below.
const PR_ONLY = new Set(['create the release branch', 'push the release branch', 'switch back to the release branch', 'open the release pull request']);
const FAILABLE = CHANGES.map((s) => s.name).filter((n) => !PR_ONLY.has(n) && n !== 'push the branch and the tag');

const haveTools = requireTools('release prepare atomicity', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);

describe.skipIf(!haveTools)('release prepare leaves nothing behind when a step fails', () => {
  it('covers every change step but the final push', () => {
    expect(FAILABLE).toEqual(['record the repository state', 'write VERSION', 'update sibling pins', 'write the changelog', 'remove the news fragments', 'stage the release files', 'commit', 'tag']);
  });

  for (const step of FAILABLE) {
    it(`a failure right after "${step}" restores files, index, HEAD, branch and tags`, async () => {
      const fx = track(exampleRepo());
      const remote = track(addRemote(fx.dir));
      const before = fingerprint(fx.dir);
      const remoteBefore = git(remote.dir, 'for-each-ref');
      const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--push'], {
        cwd: fx.dir,
        env: { WHEELWRIGHT_TEST_FAIL_AFTER_STEP: step },
      });
      expect(r.stderr).toContain(`error: ${step}: injected failure after \`${step}\``);
      expect(r.stderr).toContain('Nothing was changed: files, index, branch and tags are as they were before `release prepare`.');
      expect(r.code).toBe(70);
      expect(fingerprint(fx.dir)).toEqual(before);
      expect(git(remote.dir, 'for-each-ref')).toBe(remoteBefore);
    });
  }

  it('a pre-commit hook that refuses the commit: exit 6 with the hook output, repository as before', async () => {
    const fx = track(exampleRepo());
    addHook(fx.dir, 'pre-commit', '#!/bin/sh\necho "lint: CHANGELOG.md is too long" >&2\nexit 1\n');
    const before = fingerprint(fx.dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE], { cwd: fx.dir });
    expect(r.stderr).toMatch(/error: commit: git commit failed: lint: CHANGELOG\.md is too long/);
    expect(r.stderr).toContain('Nothing was changed');
    expect(r.code).toBe(6);
    expect(fingerprint(fx.dir)).toEqual(before);
  });

  it('a tag that appears mid-way (made by a hook): our commit is undone, the other tag is left alone', async () => {
    const fx = track(exampleRepo());
    addHook(fx.dir, 'pre-commit', '#!/bin/sh\ngit tag -a -m "someone else" v0.4.0 HEAD\n');
    const before = fingerprint(fx.dir);
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE], { cwd: fx.dir });
    expect(r.stderr).toMatch(/error: tag: git tag v0\.4\.0 failed: fatal: tag 'v0\.4\.0' already exists/);
    expect(r.code).toBe(6);
    const after = fingerprint(fx.dir);
    const theirs = `refs/tags/v0.4.0 ${git(fx.dir, 'rev-parse', 'v0.4.0')}`;
    expect(after).toEqual({ ...before, refs: [before.refs, theirs].sort().join('\n') });
    expect(execFileSync('git', ['cat-file', 'tag', 'v0.4.0'], { cwd: fx.dir, encoding: 'utf8' })).toContain('someone else');
  });

  it('a remote that rejects the push: nothing on the remote, nothing left locally', async () => {
    const fx = track(exampleRepo());
    const remote = track(addRemote(fx.dir, { reject: true }));
    const before = fingerprint(fx.dir);
    const remoteBefore = git(remote.dir, 'for-each-ref');
    const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE, '--push'], { cwd: fx.dir });
    expect(r.stderr).toMatch(/error: push the branch and the tag: git push to `origin` failed: .*refs are protected, push refused/s);
    expect(r.stderr).toMatch(/hint: nothing was pushed/);
    expect(r.code).toBe(6);
    expect(fingerprint(fx.dir)).toEqual(before);
    expect(git(remote.dir, 'for-each-ref')).toBe(remoteBefore);
  });

  it('SIGTERM while the commit runs: the step finishes, then everything is undone', async () => {
    const fx = track(exampleRepo());
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'ww-signal-')), 'in-hook');
    track({ dir: path.dirname(marker), cleanup: () => rmSync(path.dirname(marker), { recursive: true, force: true }) });
    addHook(fx.dir, 'pre-commit', `#!/bin/sh\ntouch '${marker}'\nsleep 2\n`);
    const before = fingerprint(fx.dir);
    const child = spawn(process.execPath, [releaseBin, 'prepare', '--bump', 'minor', '--date', DATE], {
      cwd: fx.dir,
      env: { ...process.env, WHEELWRIGHT_PLAIN_OUTPUT: '1', GITHUB_ACTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 300 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(true);
    child.kill('SIGTERM');
    const code = await closed;
    expect(stderr).toContain('warning: SIGTERM: finishing the current step, then undoing the release');
    expect(stderr).toMatch(/error: commit: interrupted by SIGTERM/);
    expect(stderr).toContain('Nothing was changed');
    expect(code).toBe(6);
    expect(fingerprint(fx.dir)).toEqual(before);
  });

  const immutable = canMakeImmutable();
  it.skipIf(!requireTools('immutable changelog', [['chattr +i', immutable]]))(
    'an immutable changelog: VERSION and pins already written are put back, no temp file left',
    async () => {
      const fx = track(exampleRepo());
      const changelog = path.join(fx.dir, 'CHANGELOG.md');
      execFileSync('chattr', ['+i', changelog]);
      try {
        const before = fingerprint(fx.dir);
        const r = await runRelease(['prepare', '--bump', 'minor', '--date', DATE], { cwd: fx.dir });
        const line = r.stderr.split('\n').find((l) => l.startsWith('error: ')) ?? '';
        expect(line).toContain('write the changelog: ');
        expect(line).toContain(`${changelog}: `);
        expect(line).toMatch(/could not write it: EPERM \(operation not permitted\)$/);
        expect(r.stderr).toContain('Nothing was changed');
        // A file that cannot be written is the project's problem (exit 2), not git's (6).
        expect(r.code).toBe(2);
        expect(fingerprint(fx.dir)).toEqual(before);
      } finally {
        execFileSync('chattr', ['-i', changelog]);
      }
    },
  );
});
