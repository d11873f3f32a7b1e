// `release notes draft | check | create` as real processes on real git repositories, the conventional
// commits fallback, and --consolidate of rc sections checked against towncrier on the same fragments.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { renderRelease } from '../../src/notes/release.js';
import { runRelease } from '../helpers/cli.js';
import { git, tempRepo, writeTree } from '../helpers/gitdir.js';
import { hasCommand, hasTowncrierOracle, requireTools, towncrierOracle } from '../helpers/tools.js';

const ok = requireTools('notes commands', [['git', hasCommand('git')], ['towncrier 26.9.0 (.ci/setup extracts it)', hasTowncrierOracle()]]);
const oracle = (args: string[], cwd: string) => {
  const o = towncrierOracle();
  return spawnSync(o.cmd, [...o.args, ...args], { cwd, env: o.env, encoding: 'utf8' });
};
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const TOWNCRIER = [
  '[tool.towncrier]',
  'directory = "changes"',
  'filename = "CHANGELOG.md"',
  'start_string = "<!-- towncrier release notes start -->\\n"',
  'title_format = "## {version} ({project_date})"',
  'issue_format = "[#{issue}](https://example.invalid/issues/{issue})"',
  '',
].join('\n');

function repo(tree: Record<string, string>): string {
  const r = tempRepo({ 'src/pkg/__init__.py': '', ...tree });
  cleanups.push(r.cleanup);
  return r.dir;
}

describe.skipIf(!ok)('release notes draft', () => {
  it('skips a file that is not a fragment, as towncrier 26.9 does, and names it with --verbose', async () => {
    const dir = repo({ 'towncrier.toml': TOWNCRIER, 'changes/4.bugfx.md': 'Fixed.\n', 'changes/5.bugfix.md': 'Fixed.\n' });
    const r = await runRelease(['notes', 'draft', '--version', '1.0.0', '--verbose'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- Fixed. ([#5]');
    expect(r.stdout).not.toContain('#4');
    expect(r.stderr).toContain(`not a news fragment, skipped as towncrier skips it: ${path.join(dir, 'changes/4.bugfx.md')}`);
  });

  it('names the template file and line of a syntax error', async () => {
    const dir = repo({ 'towncrier.toml': `${TOWNCRIER}template = "news.j2"\n`, 'news.j2': '{% for s in sections %}\n{{ s }\n{% endfor %}\n', 'changes/1.feature.md': 'x\n' });
    const r = await runRelease(['notes', 'draft', '--version', '1.0.0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(dir, 'news.j2')}:2: template syntax error`);
  });

  it('prints "No significant changes." when the fragments directory does not exist (towncrier#538)', async () => {
    const dir = repo({ 'towncrier.toml': TOWNCRIER });
    const r = await runRelease(['notes', 'draft', '--version', '1.0.0', '--date', '2026-01-02'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('## 1.0.0 (2026-01-02)\n\nNo significant changes.\n\n\n\n'); // towncrier 26.9.0's bytes
  });

  it('takes the version from towncrier\'s `version` key when there is no --version, as towncrier does', async () => {
    const dir = repo({ 'towncrier.toml': `${TOWNCRIER}version = "9.9"\n` });
    const r = await runRelease(['notes', 'draft', '--date', '2026-01-02'], { cwd: dir });
    expect(r.stdout.split('\n')[0]).toBe('## 9.9 (2026-01-02)');
  });

  it('takes the version from VERSION and answers --json', async () => {
    const dir = repo({ 'towncrier.toml': TOWNCRIER, VERSION: '2.1.0rc1\n', 'changes/3.feature.md': 'New.\n' });
    const r = await runRelease(['notes', 'draft', '--json', '--date', '2026-01-02'], { cwd: dir });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ version: '2.1.0rc1', date: '2026-01-02', source: 'towncrier', fragments: [path.join(dir, 'changes/3.feature.md')] });
    expect(j.notes).toContain('- New. ([#3](https://example.invalid/issues/3))');
  });
});

describe.skipIf(!ok)('release notes create', () => {
  it('writes a fragment with the changelog suffix, and refuses an unknown type with a suggestion', async () => {
    const dir = repo({ 'towncrier.toml': TOWNCRIER });
    const r = await runRelease(['notes', 'create', '12.feature', '-m', 'Shiny.'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'changes/12.feature.md'), 'utf8')).toBe('Shiny.\n');
    const bad = await runRelease(['notes', 'create', '13.feture', '-m', 'x'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean `feature`?');
    expect(existsSync(path.join(dir, 'changes/13.feture.md'))).toBe(false);
    const again = await runRelease(['notes', 'create', '12.feature', '-m', 'x'], { cwd: dir });
    expect(again.code).toBe(2);
  });

  it('names an orphan fragment uniquely', async () => {
    const dir = repo({ 'towncrier.toml': TOWNCRIER });
    const r = await runRelease(['notes', 'create', '+.misc', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(path.basename(JSON.parse(r.stdout).file)).toMatch(/^\+[0-9a-f]+\.misc\.md$/);
  });
});

describe.skipIf(!ok)('release notes check', () => {
  function branch(files: Record<string, string>, name = 'topic', remove: string[] = []): string {
    const dir = repo({ 'towncrier.toml': TOWNCRIER, 'changes/1.feature.md': 'Old.\n', 'CHANGELOG.md': '# Changelog\n\n<!-- towncrier release notes start -->\n' });
    git(dir, 'checkout', '-q', '-b', name);
    writeTree(dir, files);
    for (const f of remove) rmSync(path.join(dir, f));
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'change');
    return dir;
  }

  it('fails a change to code without a fragment, naming the allowed types', async () => {
    const dir = branch({ 'src/pkg/core.py': 'x = 1\n' });
    const r = await runRelease(['notes', 'check', '--base', 'main'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('src/pkg/core.py');
    expect(r.stderr).toContain('allowed types: feature, bugfix, doc, removal, misc');
  });

  it('passes a change to code with a fragment, and a change to docs only', async () => {
    expect((await runRelease(['notes', 'check', '--base', 'main'], { cwd: branch({ 'src/pkg/core.py': 'x\n', 'changes/9.bugfix.md': 'Fixed.\n' }) })).code).toBe(0);
    expect((await runRelease(['notes', 'check', '--base', 'main'], { cwd: branch({ 'docs/index.md': 'Hi\n' }) })).code).toBe(0);
  });

  it('passes a release-preparation change and a release/* branch (towncrier#246)', async () => {
    const prep = branch({ 'CHANGELOG.md': '# Changelog\n\n<!-- towncrier release notes start -->\n\n## 1.0\n', 'src/pkg/version.py': 'v = 1\n' }, 'prep', ['changes/1.feature.md']);
    const r = await runRelease(['notes', 'check', '--base', 'main', '--json'], { cwd: prep });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).reason).toBe('release-preparation');
    const rel = await runRelease(['notes', 'check', '--base', 'main', '--json'], { cwd: branch({ 'src/pkg/core.py': 'x\n' }, 'release/1.0') });
    expect(JSON.parse(rel.stdout).reason).toBe('release-branch');
  });

  it('fails when a fragment in the tree breaks the config (a name outside issue_pattern), whatever the diff', async () => {
    const r = await runRelease(['notes', 'check', '--base', 'main'], { cwd: branch({ 'towncrier.toml': `${TOWNCRIER}issue_pattern = "\\\\d+"\n`, 'changes/gh-5.feature.md': 'x\n' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("issue name 'gh-5' does not match");
  });
});

describe.skipIf(!ok)('conventional commits fallback', () => {
  it('writes notes from feat/fix commits since the previous tag when there is no towncrier config', async () => {
    const dir = repo({ 'README.md': 'x\n' });
    git(dir, 'tag', 'v0.1.0');
    for (const [file, msg] of [['a.py', 'feat(core): add greeting'], ['b.py', 'fix: handle empty names'], ['c.py', 'chore: tidy'], ['d.py', 'feat!: drop Python 3.8\n\nBREAKING CHANGE: Python 3.8 is no longer supported']]) {
      writeFileSync(path.join(dir, file!), 'x\n');
      git(dir, 'add', file!);
      git(dir, 'commit', '-q', '-m', msg!);
    }
    const r = await renderRelease(createContext({ cwd: dir }), { root: dir, version: '0.2.0', date: '2026-02-03' });
    expect(r.source).toBe('conventional-commits');
    expect(r.notes).toMatch(/^## 0\.2\.0 \(2026-02-03\)\n/);
    expect(r.notes).toContain('### Features');
    expect(r.notes).toMatch(/- \*\*core:\*\* add greeting \([0-9a-f]{7}\)/);
    expect(r.notes).toContain('### Bug Fixes');
    expect(r.notes).toContain('Python 3.8 is no longer supported');
    expect(r.notes).not.toContain('tidy');
    expect(r.changelogAfter.startsWith('# Changelog\n\n## 0.2.0')).toBe(true);
    expect(r.fragmentFiles).toEqual([]);
  });
});

describe.skipIf(!ok)('--consolidate', () => {
  it('merges the rc sections into the final one, as towncrier renders all the fragments together', async () => {
    const header = '# Changelog\n\n<!-- towncrier release notes start -->\n';
    const dir = repo({ 'towncrier.toml': TOWNCRIER, 'CHANGELOG.md': `${header}\n## 0.9.0 (2025-12-01)\n\nOld release.\n`, 'changes/1.feature.md': 'First feature.\n', 'changes/2.bugfix.md': 'First fix.\n' });
    git(dir, 'tag', 'v0.9.0');
    const ctx = createContext({ cwd: dir });
    // rc1: render, write, git rm the fragments, commit, tag (what `release prepare` does).
    const rc1 = await renderRelease(ctx, { root: dir, version: '1.0.0rc1', date: '2026-01-01', consolidate: false });
    writeFileSync(rc1.changelogFile, rc1.changelogAfter);
    git(dir, 'rm', '-q', ...rc1.fragmentFiles);
    git(dir, 'commit', '-q', '-am', 'release: 1.0.0rc1');
    git(dir, 'tag', 'v1.0.0rc1');
    writeTree(dir, { 'changes/3.feature.md': 'Second feature.\n', 'changes/1.feature.1.md': 'First feature, part two.\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'more');
    const final = await renderRelease(ctx, { root: dir, version: '1.0.0', date: '2026-02-01', consolidate: true });
    expect(final.changelogAfter).not.toContain('1.0.0rc1');
    expect(final.changelogAfter).toContain('## 0.9.0 (2025-12-01)\n\nOld release.');
    // The oracle: towncrier on every fragment of the cycle at once.
    const all = repo({ 'towncrier.toml': TOWNCRIER, 'changes/1.feature.md': 'First feature.\n', 'changes/2.bugfix.md': 'First fix.\n', 'changes/3.feature.md': 'Second feature.\n', 'changes/1.feature.1.md': 'First feature, part two.\n' });
    const tc = oracle(['build', '--draft', '--version', '1.0.0', '--date', '2026-02-01'], all);
    expect(tc.status).toBe(0);
    expect(`${final.notes}\n`).toBe(tc.stdout);
    expect(final.changelogAfter).toBe(`${header}\n${final.notes}## 0.9.0 (2025-12-01)\n\nOld release.\n`);
    expect(final.fragmentFiles.map((f) => path.basename(f)).sort()).toEqual(['1.feature.1.md', '3.feature.md']);
  });

  it('finds rc sections rendered by the default rst template (no title_format) and leaves older releases', async () => {
    const toml = '[tool.towncrier]\ndirectory = "changes"\n';
    const dir = repo({ 'towncrier.toml': toml, 'NEWS.rst': 'News\n====\n\n.. towncrier release notes start\n\n2.0.0 (2025-01-01)\n==================\n\nBugfixes\n--------\n\n- Old (#1)\n', 'changes/5.feature': 'Five.\n' });
    git(dir, 'tag', 'v2.0.0');
    const ctx = createContext({ cwd: dir });
    for (const [v, frag] of [['2.1.0b1', null], ['2.1.0rc1', ['changes/6.bugfix', 'Six (rc).\n']]] as const) {
      if (frag) {
        writeTree(dir, { [frag[0]]: frag[1] });
        git(dir, 'add', '-A');
        git(dir, 'commit', '-q', '-m', 'fix');
      }
      const r = await renderRelease(ctx, { root: dir, version: v, date: '2026-01-01', consolidate: false });
      writeFileSync(r.changelogFile, r.changelogAfter);
      git(dir, 'rm', '-q', ...r.fragmentFiles);
      git(dir, 'commit', '-q', '-am', `release: ${v}`);
      git(dir, 'tag', `v${v}`);
    }
    writeTree(dir, { 'changes/7.feature': 'Seven.\n' });
    const final = await renderRelease(ctx, { root: dir, version: '2.1.0', date: '2026-03-01', consolidate: true });
    expect(final.changelogAfter).not.toMatch(/2\.1\.0(b1|rc1)/);
    expect(final.changelogAfter).toContain('2.0.0 (2025-01-01)\n==================\n\nBugfixes\n--------\n\n- Old (#1)\n');
    const all = repo({ 'towncrier.toml': toml, 'changes/5.feature': 'Five.\n', 'changes/6.bugfix': 'Six (rc).\n', 'changes/7.feature': 'Seven.\n' });
    const tc = oracle(['build', '--draft', '--version', '2.1.0', '--date', '2026-03-01'], all);
    expect(`${final.notes}\n`).toBe(tc.stdout);
  });
});
