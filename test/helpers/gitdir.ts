import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A file tree: path → content; a value `{ symlink: target }` makes a symlink. */
export type FileTree = Record<string, string | { symlink: string }>;

export function writeTree(dir: string, tree: FileTree): void {
  for (const [rel, content] of Object.entries(tree)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'string') writeFileSync(p, content);
    else symlinkSync(content.symlink, p);
  }
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  }).trim();
}

/** `git init` on main in `dir`, with a test identity and no signing, and one commit of everything in it. */
export function initRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'config', 'tag.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial', '--allow-empty');
}

/** A temp dir holding `tree`; with `commit`, a real git repo on branch main with one commit. */
export function tempRepo(tree: FileTree, opts: { commit?: boolean } = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-'));
  writeTree(dir, tree);
  if (opts.commit !== false) initRepo(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
