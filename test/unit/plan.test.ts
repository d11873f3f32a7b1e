import { cp, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { manifestSchema, matchesExpected, type ReleaseManifest } from '../../src/manifest.js';
import { computePlan, type PlanPackage } from '../../src/plan/compute.js';
import { planFromConfig } from '../../src/plan/from-config.js';
import { githubMatrix, githubOutputLines, markdownTable, terminalTable } from '../../src/plan/output.js';
import { loadRecipes } from '../../src/platforms/recipes.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-plan-'));
  temps.push(dir);
  await cp(path.join(repoRoot, 'examples'), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

const base = { version: '2.3.0', tag: 'v2.3.0', commit: null, createdAt: '2026-01-01T00:00:00.000Z', tool: { name: 'wheelwright', version: '0.0.0' } };

function pkg(over: Partial<PlanPackage> & { name: string }): PlanPackage {
  return {
    distName: over.name.replace(/-/g, '_'),
    relDir: over.name,
    kind: 'pure',
    builder: 'build',
    targets: [],
    python: ['3.11'],
    requiresPython: null,
    ...over,
  };
}

/** Expected names as a set: exact filenames, and patterns marked with a leading `~`. */
function names(m: ReleaseManifest): Set<string> {
  return new Set(m.expected.map((e) => e.filename ?? `~${e.pattern}`));
}

describe('release plan for examples/', () => {
  it('expects exactly two pure wheels, three PEP 625 sdists and one cp311 manylinux wheel', async () => {
    const dir = await copyExamples();
    const { manifest } = await planFromConfig(await loadConfig(dir), { env: {}, now: new Date('2026-01-01T00:00:00Z') });
    expect(names(manifest)).toEqual(
      new Set([
        'demo_core-0.3.0-py3-none-any.whl',
        'demo_core-0.3.0.tar.gz',
        'demo_cli-0.3.0-py3-none-any.whl',
        'demo_cli-0.3.0.tar.gz',
        'demo_speedups-0.3.0.tar.gz',
        '~demo_speedups-0.3.0-cp311-cp311-manylinux*_x86_64.whl',
      ]),
    );
    expect(manifest.jobs.map((j) => [j.id, j.runner, j.builder, j.packages, j.pythons])).toEqual([
      ['build-any', 'ubuntu-24.04', 'build', ['demo-core', 'demo-speedups', 'demo-cli'], []],
      ['build-linux-x86_64', 'ubuntu-24.04', 'cibuildwheel', ['demo-speedups'], ['3.11']],
    ]);
    expect(manifest.tag).toBe('v0.3.0');
    expect(manifestSchema.safeParse(manifest).success).toBe(true);
    const wheel = manifest.expected.find((e) => e.target === 'linux-x86_64')!;
    expect(matchesExpected(wheel, 'demo_speedups-0.3.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toBe(true);
    expect(matchesExpected(wheel, 'demo_speedups-0.3.0-cp311-cp311-linux_x86_64.whl')).toBe(false);
    expect(matchesExpected(wheel, 'demo_speedups-0.3.0-cp311-cp311-musllinux_1_2_x86_64.whl')).toBe(false);
  });

  it('reads the HEAD commit from .git without running git, and tolerates its absence', async () => {
    const dir = await copyExamples();
    const noGit = await planFromConfig(await loadConfig(dir), { env: {}, now: new Date() });
    expect(noGit.manifest.commit).toBeNull();
    const sha = 'a'.repeat(40);
    await mkdir(path.join(dir, '.git/refs/heads'), { recursive: true });
    await writeFile(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    await writeFile(path.join(dir, '.git/refs/heads/main'), `${sha}\n`);
    const withGit = await planFromConfig(await loadConfig(dir), { env: {}, now: new Date() });
    expect(withGit.manifest.commit).toBe(sha);
  });
});

describe('release plan for a numpy-sized config', () => {
  const targets = [
    'linux-x86_64',
    'linux-i686',
    'linux-aarch64',
    'linux-ppc64le',
    'linux-s390x',
    'musllinux-x86_64',
    'musllinux-aarch64',
    'macos-x86_64',
    'macos-arm64',
    'windows-amd64',
    'windows-x86',
    'windows-arm64',
  ];
  const pythons = ['3.11', '3.12', '3.13', '3.14', '3.14t'];

  it('lists 60 wheels and one sdist, each exactly once, matching cibuildwheel identifiers', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({
      ...base,
      packages: [pkg({ name: 'numpy', kind: 'native', builder: 'cibuildwheel', targets, python: pythons, requiresPython: '>=3.11' })],
      recipes,
    });
    const wheels = m.expected.filter((e) => e.type === 'wheel');
    expect(wheels).toHaveLength(60);
    expect(m.expected.filter((e) => e.type === 'sdist').map((e) => e.filename)).toEqual(['numpy-2.3.0.tar.gz']);
    // cibuildwheel's expected_wheels style: build the set independently and compare.
    const plat: Record<string, string> = {
      'linux-x86_64': 'manylinux*_x86_64',
      'linux-i686': 'manylinux*_i686',
      'linux-aarch64': 'manylinux*_aarch64',
      'linux-ppc64le': 'manylinux*_ppc64le',
      'linux-s390x': 'manylinux*_s390x',
      'musllinux-x86_64': 'musllinux_*_x86_64',
      'musllinux-aarch64': 'musllinux_*_aarch64',
      'macos-x86_64': 'macosx_*_x86_64',
      'macos-arm64': 'macosx_*_arm64',
      'windows-amd64': 'win_amd64',
      'windows-x86': 'win32',
      'windows-arm64': 'win_arm64',
    };
    const tags: Record<string, string> = { '3.11': 'cp311-cp311', '3.12': 'cp312-cp312', '3.13': 'cp313-cp313', '3.14': 'cp314-cp314', '3.14t': 'cp314-cp314t' };
    const want = new Set<string>(['numpy-2.3.0.tar.gz']);
    for (const t of targets) for (const p of pythons) want.add(`${t.startsWith('windows') ? '' : '~'}numpy-2.3.0-${tags[p]}-${plat[t]}.whl`);
    expect(names(m)).toEqual(want);
    expect(new Set(m.expected.map((e) => e.id)).size).toBe(61);
    // 10 native targets + any, and the two emulated targets split into one job per Python (5 each).
    expect(m.jobs).toHaveLength(21);
    const byTarget = Object.fromEntries(m.jobs.map((j) => [j.target, j]));
    expect(byTarget['linux-aarch64']!.runner).toBe('ubuntu-24.04-arm');
    expect(byTarget['windows-arm64']!.runner).toBe('windows-11-arm');
    expect(byTarget['macos-arm64']!.runner).toBe('macos-15');
    const emulated = m.jobs.filter((j) => j.emulation);
    expect(emulated.map((j) => j.id)).toEqual(['linux-ppc64le', 'linux-s390x'].flatMap((t) => ['cp311', 'cp312', 'cp313', 'cp314', 'cp314t'].map((py) => `build-${t}-${py}`)));
    for (const j of emulated) {
      expect(j.pythons).toHaveLength(1);
      // every wheel of a split job is planned in that job, and only there
      expect(m.expected.filter((e) => e.job === j.id).map((e) => e.python)).toEqual(j.pythons);
    }
    expect(byTarget['windows-x86']!.env.CIBW_ARCHS).toBe('x86');
  });

  it('drops Pythons the package’s requires-python excludes', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({ ...base, packages: [pkg({ name: 'np', kind: 'native', builder: 'cibuildwheel', targets: ['windows-amd64'], python: ['3.10', '3.11', '3.12'], requiresPython: '>=3.11' })], recipes });
    expect(names(m)).toEqual(new Set(['np-2.3.0.tar.gz', 'np-2.3.0-cp311-cp311-win_amd64.whl', 'np-2.3.0-cp312-cp312-win_amd64.whl']));
  });

  it('builds an abi3 package once per target on its lowest Python, plus free-threaded wheels', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({ ...base, packages: [pkg({ name: 'fast', kind: 'abi3', builder: 'maturin', targets: ['windows-amd64', 'macos-arm64'], python: ['3.12', '3.10', '3.14t'] })], recipes });
    expect(names(m)).toEqual(
      new Set([
        'fast-2.3.0.tar.gz',
        'fast-2.3.0-cp310-abi3-win_amd64.whl',
        'fast-2.3.0-cp314-cp314t-win_amd64.whl',
        '~fast-2.3.0-cp310-abi3-macosx_*_arm64.whl',
        '~fast-2.3.0-cp314-cp314t-macosx_*_arm64.whl',
      ]),
    );
    expect(m.jobs.map((j) => j.id)).toEqual(['build-any', 'build-windows-amd64-maturin', 'build-macos-arm64-maturin']);
  });
});

describe('release plan rejects bad input before anything runs', () => {
  it('an unknown target, suggesting the nearest', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const run = () => computePlan({ ...base, packages: [pkg({ name: 'x', kind: 'native', builder: 'cibuildwheel', targets: ['linux-x86-64'], entryIndex: 0 })], recipes, configFile: 'release.yaml' });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/unknown target `linux-x86-64` \(did you mean `linux-x86_64`\?\)/);
    try {
      run();
    } catch (e) {
      expect((e as ConfigError).field).toBe('packages.0.targets.0');
    }
  });

  it('a Python version no recipe supports', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const run = () => computePlan({ ...base, packages: [pkg({ name: 'x', kind: 'native', builder: 'cibuildwheel', targets: ['linux-x86_64'], python: ['3.7'] })], recipes });
    expect(run).toThrow(/Python 3\.7 is not supported by any recipe \(package x\)/);
  });

  it('a pure package with platform targets', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    expect(() => computePlan({ ...base, packages: [pkg({ name: 'p', targets: ['linux-x86_64'] })], recipes })).toThrow(/package p is pure but lists targets linux-x86_64/);
  });

  it('a pure package with platform targets in release.yaml (via package discovery)', async () => {
    const dir = await copyExamples();
    await writeFile(path.join(dir, 'release.yaml'), 'packages:\n  - path: packages/demo-core\n    kind: pure\n    targets: [linux-x86_64]\n');
    await expect(planFromConfig(await loadConfig(dir), { env: {}, now: new Date() })).rejects.toThrow(ConfigError);
  });

  it('a target or Python listed twice', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    expect(() => computePlan({ ...base, packages: [pkg({ name: 'n', kind: 'native', builder: 'cibuildwheel', targets: ['linux-x86_64', 'linux-x86_64'] })], recipes })).toThrow(
      /linux-x86_64 is listed twice in `targets` \(package n\)/,
    );
    expect(() => computePlan({ ...base, packages: [pkg({ name: 'n', kind: 'native', builder: 'cibuildwheel', targets: ['linux-x86_64'], python: ['3.12', '3.12'] })], recipes })).toThrow(
      /3\.12 is listed twice in `python`/,
    );
  });

  it('a native package built with `build`', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    expect(() => computePlan({ ...base, packages: [pkg({ name: 'n', kind: 'native', builder: 'build', targets: ['linux-x86_64'] })], recipes })).toThrow(/uses the `build` builder/);
  });
});

describe('plan outputs', () => {
  const noMaturin = { package_dir: '', maturin_target: '', maturin_manylinux: '', maturin_args: '', from: '' };
  it('the GitHub matrix has one entry per job with runner, builder, QEMU platforms and timeout', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({ ...base, packages: [pkg({ name: 'n', kind: 'native', builder: 'cibuildwheel', targets: ['linux-s390x'] })], recipes });
    expect(githubMatrix(m, recipes)).toEqual({
      include: [
        { job: 'build-any', target: 'any', runner: 'ubuntu-24.04', builder: 'build', emulation: '', qemu_platforms: '', timeout: 30, ...noMaturin },
        // one Python under QEMU: 2 + 5 × 8 = 42 modelled minutes, timeout three times that
        { job: 'build-linux-s390x', target: 'linux-s390x', runner: 'ubuntu-24.04', builder: 'cibuildwheel', emulation: 'qemu', qemu_platforms: 's390x', timeout: 126, ...noMaturin },
      ],
    });
    const out = githubOutputLines(m, recipes);
    expect(out.split('\n')[0]).toMatch(/^matrix=\{"include":\[/);
    expect(JSON.parse(out.split('\n')[0]!.slice('matrix='.length))).toEqual(githubMatrix(m, recipes));
  });

  it('the table marks every expected wheel with ✓ and nothing else', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const m = computePlan({
      ...base,
      packages: [pkg({ name: 'n', kind: 'native', builder: 'cibuildwheel', targets: ['linux-x86_64', 'windows-amd64'], python: ['3.11', '3.12'], requiresPython: '>=3.12' }), pkg({ name: 'p' })],
      recipes,
    });
    const text = terminalTable(m);
    expect(text.split('\n')[0]).toBe('v2.3.0: 3 wheels + 2 sdists from 3 jobs');
    expect((text.match(/✓/g) ?? []).length).toBe(5);
    expect(text).not.toMatch(/n\s+3\.11/);
    const md = markdownTable(m);
    expect(md).toContain('| package | python | linux-x86_64 | windows-amd64 | any |');
    expect(md).toContain('| n | 3.12 | ✓ | ✓ |  |');
  });
});
