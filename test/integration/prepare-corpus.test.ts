// `release prepare` on the notes test corpus: the commit holds exactly what `towncrier build --yes` would stage,
// and the annotated tag's message is exactly what `towncrier build --draft` prints.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { git, writeTree } from '../helpers/gitdir.js';
import { hasTowncrierOracle, requireTools, towncrierOracle } from '../helpers/tools.js';
import { generateCorpus, type CorpusCase } from '../fixtures/notes/corpus.js';
import { fingerprint, tagMessage } from './prepare-fixture.js';

const ok = requireTools('release prepare on the notes corpus', [['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);

const TC = towncrierOracle();
// towncrier build --yes stages with git in the case's own repository, so git may look up from there.
const ENV = { ...TC.env, GIT_CEILING_DIRECTORIES: '' };

/** The corpus tree with VERSION = the case's version, as a committed repository on main. */
function checkout(root: string, c: CorpusCase, suffix: string): string {
  const dir = path.join(root, `${c.id}-${suffix}`);
  writeTree(dir, c.tree);
  writeFileSync(path.join(dir, 'VERSION'), `${c.version}\n`);
  // A root pyproject.toml is the released package: it must take its version from VERSION (preflight checks it).
  const pyproject = path.join(dir, 'pyproject.toml');
  if (existsSync(pyproject)) {
    const text = readFileSync(pyproject, 'utf8').replace('name = "demo"\n', 'name = "demo"\ndynamic = ["version"]\n');
    writeFileSync(pyproject, `${text}\n[tool.setuptools.dynamic]\nversion = {file = "VERSION"}\n`);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

describe.skipIf(!ok)('release prepare on the towncrier corpus', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ww-prepare-corpus-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const corpus = generateCorpus();

  it.each(corpus.map((c) => [c.id, c] as const))('%s: commit = towncrier build, tag message = towncrier draft', async (_id, c) => {
    const args = ['--date', c.date, '--name', c.name];
    const theirs = checkout(root, c, 'towncrier');
    const tcArgs = ['--version', c.version, ...args];
    const draft = spawnSync(TC.cmd, [...TC.args, 'build', '--draft', ...tcArgs], { cwd: theirs, encoding: 'utf8', env: ENV });
    expect(draft.status, draft.stderr).toBe(0);
    execFileSync(TC.cmd, [...TC.args, 'build', '--yes', ...tcArgs], { cwd: theirs, env: ENV, stdio: 'pipe' });

    const ours = checkout(root, c, 'prepare');
    const r = await runRelease(['prepare', ...args, '--json'], { cwd: ours });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { notes: string; version: string };

    // the tag: annotated, on the release commit, its message the notes towncrier prints
    expect(git(ours, 'cat-file', '-t', `v${out.version}`)).toBe('tag');
    expect(git(ours, 'rev-parse', `v${out.version}^{commit}`)).toBe(git(ours, 'rev-parse', 'HEAD'));
    expect(`${out.notes}\n`).toBe(draft.stdout);
    expect(tagMessage(ours, `v${out.version}`)).toBe(out.notes.endsWith('\n') ? out.notes : `${out.notes}\n`);
    // the commit: the same tree towncrier leaves staged, and the same files on disk
    expect(git(ours, 'log', '-1', '--format=%B')).toBe(`release: ${c.version}`);
    expect(git(ours, 'ls-files', '--stage')).toBe(git(theirs, 'ls-files', '--stage'));
    expect(fingerprint(ours).files).toEqual(fingerprint(theirs).files);
    expect(git(ours, 'status', '--porcelain')).toBe('');
  });
});
