// The git layer on real repositories: reads, writes, the atomic push and snapshot/restore.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { GitError } from '../../src/errors.js';
import { GitRepo, Snapshot } from '../../src/git/index.js';
import { createLogger } from '../../src/log.js';
import { git, tempRepo } from '../helpers/gitdir.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function repoWith(tree: Record<string, string>) {
  const r = tempRepo(tree);
  cleanups.push(r.cleanup);
  return r.dir;
}

function quietCtx(dir: string, dryRun = false, lines: string[] = []) {
  const sink = (s: string) => void lines.push(s);
  return createContext({ cwd: dir, dryRun, log: createLogger({ stderr: sink, stdout: sink }) });
}

/** A bare remote, optionally with a pre-receive hook that rejects every push. */
function bareRemote(dir: string, reject = false): string {
  const remote = mkdtempSync(path.join(os.tmpdir(), 'ww-remote-'));
  cleanups.push(() => rmSync(remote, { recursive: true, force: true }));
  git(remote, 'init', '-q', '--bare', '-b', 'main');
  if (reject) {
    writeFileSync(path.join(remote, 'hooks/pre-receive'), '#!/bin/sh\necho "protected: pushes are refused" >&2\nexit 1\n');
    chmodSync(path.join(remote, 'hooks/pre-receive'), 0o755);
  }
  git(dir, 'remote', 'add', 'origin', remote);
  return remote;
}

/** Everything that must be identical before and after a failed command. */
function fingerprint(dir: string) {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex') + ` ${statSync(p).mode.toString(8)}`;
    }
  };
  walk(dir);
  return {
    status: git(dir, 'status', '--porcelain', '--untracked-files=all'),
    head: git(dir, 'rev-parse', 'HEAD'),
    symbolic: git(dir, 'symbolic-ref', 'HEAD'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    index: git(dir, 'ls-files', '-s'),
    files,
  };
}

describe('GitRepo reads', () => {
  it('names every dirty file (staged, modified, untracked) and suggests the fix', async () => {
    const dir = repoWith({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    writeFileSync(path.join(dir, 'new file.txt'), 'x\n');
    git(dir, 'rm', '-q', 'b.txt');
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const err = await repo.assertClean().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).exitCode).toBe(6);
    expect((err as GitError).message).toBe(
      'working tree has uncommitted changes: a.txt, b.txt, new file.txt — commit or stash them, or use --dry-run',
    );
  });

  it('a clean tree passes; branch, HEAD and tags are read from the repository', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const repo = await GitRepo.open(quietCtx(dir), path.join(dir));
    await repo.assertClean();
    expect(await repo.currentBranch()).toBe('main');
    expect(await repo.head()).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(await repo.tagExists('v1')).toBe(false);
    git(dir, 'tag', 'v1');
    expect(await repo.tagExists('v1')).toBe(true);
    git(dir, 'checkout', '-q', '--detach');
    expect(await repo.currentBranch()).toBeNull();
  });

  it('outside a repository GitRepo.open fails with exit 6', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-nogit-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await expect(GitRepo.open(quietCtx(dir), dir)).rejects.toThrow(/is not inside a git repository/);
  });

  it('asks the remote (ls-remote) whether a tag exists there, not the local refs', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const remote = bareRemote(dir);
    git(dir, 'push', '-q', 'origin', 'main');
    git(remote, 'tag', 'v2.0.0', 'main');
    const repo = await GitRepo.open(quietCtx(dir), dir);
    expect(await repo.tagExists('v2.0.0')).toBe(false);
    expect(await repo.remoteRefExists('origin', 'refs/tags/v2.0.0')).toBe(true);
    expect(await repo.remoteRefExists('origin', 'refs/tags/v2.0')).toBe(false);
    git(dir, 'remote', 'set-url', 'origin', path.join(dir, 'no-such-remote'));
    await expect(repo.remoteRefExists('origin', 'refs/tags/v2.0.0')).rejects.toThrow(/could not ask remote `origin`/);
  });
});

describe('GitRepo writes', () => {
  it('commits and makes an annotated tag whose message keeps Markdown # headings verbatim', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const repo = await GitRepo.open(quietCtx(dir), dir);
    writeFileSync(path.join(dir, 'a.txt'), 'b\n');
    await repo.add([path.join(dir, 'a.txt')]);
    const sha = await repo.commit('release: 1.0.0');
    expect(sha).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(git(dir, 'log', '-1', '--format=%B')).toBe('release: 1.0.0');
    const notes = '## demo 1.0.0 (2026-11-23)\n\n### Features\n\n- A thing. (#1)\n';
    await repo.tag('v1.0.0', notes);
    expect(git(dir, 'cat-file', '-t', 'v1.0.0')).toBe('tag');
    const raw = execFileSync('git', ['cat-file', 'tag', 'v1.0.0'], { cwd: dir, encoding: 'utf8' });
    expect(raw.slice(raw.indexOf('\n\n') + 2)).toBe(notes);
  });

  it('in dry run, writes are printed as `$ git …` and nothing changes', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const lines: string[] = [];
    const repo = await GitRepo.open(quietCtx(dir, true, lines), dir);
    const before = fingerprint(dir);
    await repo.tag('v1', 'notes');
    await repo.commit('x');
    expect(fingerprint(dir)).toEqual(before);
    expect(lines.join('')).toContain('[dry-run] $ git tag -a --cleanup=verbatim -F - v1');
  });

  it('an atomic push that the remote rejects leaves the remote without branch or tag', async () => {
    const dir = repoWith({ 'a.txt': 'a\n' });
    const remote = bareRemote(dir, true);
    git(dir, 'tag', '-a', '-m', 'x', 'v1');
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const err = await repo.push('origin', ['refs/heads/main:refs/heads/main', 'refs/tags/v1:refs/tags/v1'], { atomic: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(/protected: pushes are refused/);
    expect((err as GitError).hint).toMatch(/^nothing was pushed/);
    expect(git(remote, 'for-each-ref')).toBe('');
  });
});

describe('Snapshot', () => {
  it('undoes file writes, git rm, a commit, a tag and a branch switch exactly', async () => {
    const dir = repoWith({ VERSION: '1.0.0\n', 'CHANGELOG.md': '# log\n', 'changes/1.feature.md': 'x\n' });
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const files = ['VERSION', 'CHANGELOG.md', 'changes/1.feature.md', 'NEW.md'].map((f) => path.join(dir, f));
    const before = fingerprint(dir);
    const snap = await Snapshot.take(repo, files);

    await repo.createAndSwitch('release/1.1.0');
    snap.createdRef('refs/heads/release/1.1.0');
    writeFileSync(path.join(dir, 'VERSION'), '1.1.0\n');
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# log\n\nnew\n');
    writeFileSync(path.join(dir, 'NEW.md'), 'created\n');
    await repo.rm([path.join(dir, 'changes/1.feature.md')]);
    await repo.add(['VERSION', 'CHANGELOG.md', 'NEW.md']);
    await repo.commit('release: 1.1.0');
    snap.createdRef('refs/tags/v1.1.0', await repo.tag('v1.1.0', 'notes'));
    expect((await snap.changedFiles()).map((f) => path.relative(dir, f)).sort()).toEqual(['CHANGELOG.md', 'NEW.md', 'VERSION', 'changes/1.feature.md']);

    expect(await snap.restore()).toEqual([]);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('moves the branch back after a commit on it, and restores a staged-only change', async () => {
    const dir = repoWith({ VERSION: '1.0.0\n' });
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const before = fingerprint(dir);
    const snap = await Snapshot.take(repo, [path.join(dir, 'VERSION')]);
    writeFileSync(path.join(dir, 'VERSION'), '2.0.0\n');
    await repo.add(['VERSION']);
    await repo.commit('release: 2.0.0');
    writeFileSync(path.join(dir, 'VERSION'), '3.0.0\n');
    await repo.add(['VERSION']);
    await snap.restore();
    expect(fingerprint(dir)).toEqual(before);
  });

  it('leaves alone a tag that someone else created meanwhile', async () => {
    const dir = repoWith({ VERSION: '1.0.0\n' });
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const snap = await Snapshot.take(repo, [path.join(dir, 'VERSION')]);
    git(dir, 'tag', 'v9', 'HEAD');
    await snap.restore();
    expect(git(dir, 'tag', '--list')).toBe('v9');
  });

  it('deletes a branch it pushed to the remote', async () => {
    const dir = repoWith({ VERSION: '1.0.0\n' });
    const remote = bareRemote(dir);
    git(dir, 'push', '-q', 'origin', 'main');
    const repo = await GitRepo.open(quietCtx(dir), dir);
    const snap = await Snapshot.take(repo, []);
    await repo.createAndSwitch('release/2');
    snap.createdRef('refs/heads/release/2');
    await repo.push('origin', ['refs/heads/release/2:refs/heads/release/2']);
    snap.createdRemoteRef('origin', 'refs/heads/release/2');
    expect(git(remote, 'branch', '--list')).toContain('release/2');
    expect(await snap.restore()).toEqual([]);
    expect(git(remote, 'branch', '--list')).toBe('* main');
    expect(git(dir, 'branch', '--list')).toBe('* main');
  });
});
