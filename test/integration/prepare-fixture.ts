// Shared by the `release prepare` tests: a git copy of examples/, a bare remote, and a fingerprint of the repository.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { repoRoot } from '../helpers/cli.js';
import { git, initRepo } from '../helpers/gitdir.js';
import { towncrierOracle as towncrierCommand } from '../helpers/tools.js';

export const examplesDir = path.join(repoRoot, 'examples');

export interface Fixture {
  dir: string;
  cleanup(): void;
}

/** A temp copy of examples/ (symlinks kept), `git init` on main, one commit; `edit` runs before the commit. */
export function exampleRepo(edit?: (dir: string) => void): Fixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ww-prepare-'));
  cpSync(examplesDir, dir, { recursive: true, verbatimSymlinks: true });
  edit?.(dir);
  initRepo(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Change keys of release.yaml in place (keeps comments). */
export function editReleaseYaml(dir: string, set: Array<[string[], unknown]>): void {
  const file = path.join(dir, 'release.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  for (const [at, value] of set) doc.setIn(at, value);
  writeFileSync(file, doc.toString());
}

/** A bare repository added as `origin` (main pushed); with `reject`, a pre-receive hook refuses every push after that. */
export function addRemote(dir: string, opts: { reject?: boolean } = {}): Fixture {
  const remote = mkdtempSync(path.join(os.tmpdir(), 'ww-remote-'));
  git(remote, 'init', '-q', '--bare', '-b', 'main');
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'main');
  if (opts.reject) {
    const hook = path.join(remote, 'hooks/pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "remote: refs are protected, push refused" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
  }
  return { dir: remote, cleanup: () => rmSync(remote, { recursive: true, force: true }) };
}

/** An executable hook in the repository's .git/hooks. */
export function addHook(dir: string, name: string, script: string): void {
  const hook = path.join(dir, '.git/hooks', name);
  writeFileSync(hook, script);
  chmodSync(hook, 0o755);
}

/** Everything `release prepare` may touch: status, HEAD, every ref, the index, and every file's bytes and mode. */
export function fingerprint(dir: string) {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = path.join(d, e.name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) files[path.relative(dir, p)] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mode.toString(8)}`;
    }
  };
  walk(dir);
  return {
    status: git(dir, 'status', '--porcelain', '--untracked-files=all'),
    head: git(dir, 'rev-parse', 'HEAD'),
    symbolicHead: git(dir, 'symbolic-ref', 'HEAD'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    index: git(dir, 'ls-files', '--stage'),
    files,
  };
}

/** The message of an annotated tag, exactly as stored. */
export function tagMessage(dir: string, tag: string): string {
  const raw = execFileSync('git', ['cat-file', 'tag', tag], { cwd: dir, encoding: 'utf8' });
  return raw.slice(raw.indexOf('\n\n') + 2);
}

/** What the newest towncrier (26.9.0) writes for the same tree: the CHANGELOG after `towncrier build --yes`, and the --draft notes. */
export function towncrierOracle(version: string, date: string): { changelog: string; draft: string } {
  const fx = exampleRepo();
  const tc = towncrierCommand();
  try {
    const draft = execFileSync(tc.cmd, [...tc.args, 'build', '--draft', '--version', version, '--date', date], { cwd: fx.dir, env: tc.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync(tc.cmd, [...tc.args, 'build', '--yes', '--version', version, '--date', date], { cwd: fx.dir, env: { ...tc.env, GIT_CEILING_DIRECTORIES: '' }, stdio: 'pipe' });
    return { changelog: readFileSync(path.join(fx.dir, 'CHANGELOG.md'), 'utf8'), draft };
  } finally {
    fx.cleanup();
  }
}
