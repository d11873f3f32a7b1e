import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runRelease } from '../helpers/cli.js';
import { git, tempRepo, type FileTree } from '../helpers/gitdir.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function repo(tree: FileTree) {
  const r = tempRepo(tree);
  cleanups.push(r.cleanup);
  return r.dir;
}

const setuptoolsFile = (name: string, extra = '') => `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "${name}"
dynamic = ["version"]
${extra}
[tool.setuptools.dynamic]
version = {file = "VERSION"}
`;

const base = (packages: string[]): FileTree => ({
  VERSION: '1.4.0\n',
  'release.yaml': `packages:\n${packages.map((p) => `  - ${p}`).join('\n')}\n`,
});

describe('release version check on real repositories', () => {
  it('passes when every package reads VERSION (setuptools file via symlink, attr, hatch path)', async () => {
    const dir = repo({
      ...base(['pkgs/a', 'pkgs/b', 'pkgs/c']),
      'pkgs/a/pyproject.toml': setuptoolsFile('Pkg.A'),
      'pkgs/a/VERSION': { symlink: '../../VERSION' },
      'pkgs/b/pyproject.toml': `[project]\nname = "pkg-b"\ndynamic = ["version"]\ndependencies = ["pkg_a==1.4.0"]\n[tool.setuptools.dynamic]\nversion = {attr = "pkg_b.__version__"}\n`,
      'pkgs/b/src/pkg_b/__init__.py': 'from pathlib import Path\n__version__ = (Path(__file__).parent / "VERSION").read_text().strip()\n',
      'pkgs/b/src/pkg_b/VERSION': { symlink: '../../../../VERSION' },
      'pkgs/c/pyproject.toml': `[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[project]\nname = "pkg-c"\ndynamic = ["version"]\n[tool.hatch.version]\npath = "VERSION"\npattern = "(?P<version>.+)"\n`,
      'pkgs/c/VERSION': { symlink: '../../VERSION' },
    });
    const r = await runRelease(['version', 'check', '--json'], { cwd: dir });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.packages.map((p: { package: string; ok: boolean }) => [p.package, p.ok])).toEqual([
      ['pkg-a', true],
      ['pkg-b', true],
      ['pkg-c', true],
    ]);
  });

  it.each<[string, FileTree, RegExp, string]>([
    ['a hard-coded other version', { 'p/pyproject.toml': '[project]\nname = "p"\nversion = "1.3.9"\n' }, /hard-codes version 1\.3\.9, but VERSION is 1\.4\.0/, 'p/pyproject.toml'],
    ['a hard-coded equal version', { 'p/pyproject.toml': '[project]\nname = "p"\nversion = "1.4.0"\n' }, /hard-codes version 1\.4\.0 instead of taking it from VERSION/, 'p/pyproject.toml'],
    ['a VERSION copy instead of a symlink', { 'p/pyproject.toml': setuptoolsFile('p'), 'p/VERSION': '1.4.0\n' }, /reads its version from VERSION, which is not the root VERSION file/, 'p/pyproject.toml'],
    ['a __version__ literal', { 'p/pyproject.toml': '[project]\nname = "p"\ndynamic = ["version"]\n[tool.setuptools.dynamic]\nversion = {attr = "p.__version__"}\n', 'p/src/p/__init__.py': '__version__ = "1.4.0"\n' }, /hard-codes __version__ = "1\.4\.0"/, 'p/src/p/__init__.py'],
    ['setuptools_scm', { 'p/pyproject.toml': '[project]\nname = "p"\ndynamic = ["version"]\n[tool.setuptools_scm]\n' }, /takes its version from git tags/, 'p/pyproject.toml'],
    ['a stale sibling pin', { 'p/pyproject.toml': setuptoolsFile('p', 'dependencies = ["q==1.3.0"]\n'), 'p/VERSION': { symlink: '../VERSION' }, 'q/pyproject.toml': setuptoolsFile('q'), 'q/VERSION': { symlink: '../VERSION' } }, /pins q==1\.3\.0, but VERSION is 1\.4\.0/, 'p/pyproject.toml'],
  ])('fails on %s, naming the file', async (_what, tree, message, file) => {
    const pkgs = [...new Set(Object.keys(tree).map((k) => k.split('/')[0]!))];
    const dir = repo({ ...base(pkgs), ...tree });
    const r = await runRelease(['version', 'check'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(path.join(dir, file));
  });
});

describe('release version bump/set write VERSION and sibling pins', () => {
  it('bump minor --pre rc writes the normalised version, keeps the newline style, moves pins, and is a no-op in dry run', async () => {
    const dir = repo({
      VERSION: '1.2.3',
      'release.yaml': 'packages: [a, b]\n',
      'a/pyproject.toml': setuptoolsFile('a'),
      'a/VERSION': { symlink: '../VERSION' },
      'b/pyproject.toml': setuptoolsFile('b', 'dependencies = ["a[fast] == 1.2.3", "other==1.2.3"]\n'),
      'b/VERSION': { symlink: '../VERSION' },
    });
    const dry = await runRelease(['version', 'bump', 'minor', '--pre', 'rc', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ from: '1.2.3', to: '1.3.0rc1', dry_run: true });
    expect(git(dir, 'status', '--porcelain')).toBe('');

    const r = await runRelease(['version', 'bump', 'minor', '--pre', 'rc', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: '1.2.3', to: '1.3.0rc1' });
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('1.3.0rc1');
    const b = readFileSync(path.join(dir, 'b/pyproject.toml'), 'utf8');
    expect(b).toContain('"a[fast] == 1.3.0rc1"');
    expect(b).toContain('"other==1.2.3"');
    const check = await runRelease(['version', 'check'], { cwd: dir });
    expect(check.code).toBe(0);
  });

  it('bump with a package whose pyproject.toml cannot be read changes nothing', async () => {
    const dir = repo({
      VERSION: '1.2.3\n',
      'release.yaml': 'packages: [a, b]\n',
      'a/pyproject.toml': setuptoolsFile('a'),
      'a/VERSION': { symlink: '../VERSION' },
      'b/pyproject.toml': '[project\nname = "b"\n',
    });
    const r = await runRelease(['version', 'bump', 'minor'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/b\/pyproject\.toml.*invalid TOML/);
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('1.2.3\n');
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('set refuses a local version and writes nothing', async () => {
    const dir = repo({ VERSION: '1.2.3\n' });
    const r = await runRelease(['version', 'set', '1.3.0+local'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/local version label/);
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('1.2.3\n');
  });

  it('set normalises and keeps the trailing newline', async () => {
    const dir = repo({ VERSION: '1.2.3\n' });
    const r = await runRelease(['version', 'set', 'V2.0-RC1'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('2.0rc1\n');
  });
});

describe('bad input gets one clear message and a distinct exit code', () => {
  it.each<[string, FileTree, string[], number, RegExp]>([
    ['a missing VERSION', {}, ['version', 'show'], 2, /VERSION file not found[\s\S]*hint: create it/],
    ['a BOM', { VERSION: '\ufeff1.0\n' }, ['version', 'show'], 2, /byte-order mark/],
    ['an unknown config key', { VERSION: '1.0\n', 'release.yaml': 'version_fle: VERSION\n' }, ['version', 'show'], 2, /release\.yaml:1: version_fle: unknown key `version_fle` \(did you mean `version_file`\?\)/],
    ['a wrong type', { VERSION: '1.0\n', 'release.yaml': 'python: "3.12"\n' }, ['config', 'show'], 2, /release\.yaml:1: python: .*got "3\.12"/],
    ['a wrong enum', { VERSION: '1.0\n', 'release.yaml': 'packages:\n  - path: a\n    kind: compiled\n' }, ['config', 'show'], 2, /release\.yaml:3: packages\.0\.kind: [\s\S]*allowed: pure, native, abi3/],
    ['an unknown key in pyproject', { VERSION: '1.0\n', 'pyproject.toml': '[project]\nname = "x"\n\n[tool.wheelwright]\nversion_schema = "calver"\n' }, ['version', 'show'], 2, /pyproject\.toml:5: tool\.wheelwright\.version_schema: unknown key .*did you mean `version_scheme`/],
    ['an unknown command', { VERSION: '1.0\n' }, ['verison', 'show'], 64, /unknown command `verison show` \(did you mean `version show`\?\)/],
    ['an unknown flag', { VERSION: '1.0\n' }, ['version', 'bump', 'minor', '--prer', 'rc'], 64, /unknown option `--prer`.*did you mean `--pre`/],
    ['a part that does not exist', { VERSION: '1.0\n' }, ['version', 'bump', 'mini'], 64, /unknown part `mini` \(did you mean `minor`\?\)/],
    ['a backwards bump', { VERSION: '1.3.0rc1\n' }, ['version', 'bump', 'pre', '--pre', 'b'], 2, /going back from rc to b/],
  ])('%s', async (_what, tree, args, code, message) => {
    const dir = repo(tree);
    const r = await runRelease(args, { cwd: dir });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.code).toBe(code);
  });

  it('a config edited after it was cached is validated again', async () => {
    const dir = repo({ VERSION: '1.0\n', 'release.yaml': 'version_scheme: calver\n' });
    const env = { WHEELWRIGHT_CACHE_DIR: path.join(dir, '.cache') };
    expect((await runRelease(['version', 'show'], { cwd: dir, env })).code).toBe(0);
    expect((await runRelease(['version', 'show'], { cwd: dir, env })).code).toBe(0);
    writeFileSync(path.join(dir, 'release.yaml'), 'version_scheme: calvar\n');
    const r = await runRelease(['version', 'show'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/version_scheme: Invalid option.*got "calvar"/);
  });

  it('--verbose shows the stack of an expected error', async () => {
    const dir = repo({});
    const r = await runRelease(['version', 'show', '--verbose'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('help', () => {
  it('`release --help` lists the commands and `release version bump --help` shows options and examples', async () => {
    const main = await runRelease(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/version bump\s+bump VERSION/);
    expect(main.stdout).toMatch(/Exit codes: 0 ok \(also when there is nothing to do\), 2 config/);
    const sub = await runRelease(['version', 'bump', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/Usage: release version bump major\|minor/);
    expect(sub.stdout).toMatch(/--pre a\|b\|rc/);
    expect(sub.stdout).toMatch(/Examples:\n {2}release version bump minor/);
  });
});
