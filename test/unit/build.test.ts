import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchProduced, packageOfFilename } from '../../src/builders/check-produced.js';
import { cibuildwheelEnv, cibwOptionsSet, jobInvocations, type BuildOptions } from '../../src/builders/invocations.js';
import { hostMachine } from '../../src/builders/steps.js';
import { loadFacts } from '../../src/platforms/facts.js';
import { BuildError } from '../../src/errors.js';
import { computePlan, type PlanPackage } from '../../src/plan/compute.js';
import { loadRecipes } from '../../src/platforms/recipes.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const base = { version: '1.0.0', tag: 'v1.0.0', commit: null, createdAt: '2026-01-01T00:00:00.000Z', tool: { name: 'wheelwright', version: '0' } };
const opts: BuildOptions = { python: 'python', offline: false, native: false, root: '/repo', workDir: '/scratch' };

function pkg(over: Partial<PlanPackage> & { name: string }): PlanPackage {
  return { distName: over.name.replace(/-/g, '_'), relDir: `pkgs/${over.name}`, kind: 'native', builder: 'cibuildwheel', targets: [], python: ['3.11', '3.12'], requiresPython: null, ...over };
}

async function cibw(version: string) {
  return (await loadFacts()).cibuildwheel.get(version)!;
}

async function plan(packages: PlanPackage[]) {
  const recipes = await loadRecipes(repoRoot, undefined);
  return { m: computePlan({ ...base, packages, recipes }), recipes };
}

async function invocationsFor(target: string, packages: PlanPackage[], o: Partial<BuildOptions> = {}) {
  const { m, recipes } = await plan(packages);
  const job = m.jobs.find((j) => j.target === target)!;
  return jobInvocations(m, job, recipes.recipes.get(target)!, { ...opts, ...o });
}

describe('builder commands per recipe', () => {
  it('cibuildwheel on macos-arm64: CIBW_BUILD lists the planned identifiers, the deployment target is a plain variable', async () => {
    const [inv] = await invocationsFor('macos-arm64', [pkg({ name: 'fast', targets: ['macos-arm64'], python: ['3.12', '3.11', '3.14t'] })], { cibwRelease: await cibw('4.2.0') });
    expect([inv!.file, ...inv!.args]).toEqual(['python', '-m', 'cibuildwheel', '--output-dir', '/scratch/fast', '/repo/pkgs/fast']);
    // No CIBW_ENVIRONMENT (it would replace the project's `environment`), and no CIBW_ENABLE: 4.x builds cp314t by default.
    expect(inv!.env).toEqual({ CIBW_PLATFORM: 'macos', CIBW_ARCHS: 'arm64', CIBW_BUILD: 'cp311-macosx_arm64 cp312-macosx_arm64 cp314t-macosx_arm64', MACOSX_DEPLOYMENT_TARGET: '11.0' });
  });

  it('CIBW_ENABLE names only a group the pinned cibuildwheel knows, and only for its pre-release CPython', async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const linux = recipes.recipes.get('linux-x86_64')!;
    const v410 = await cibw('4.1.0');
    const v420 = await cibw('4.2.0');
    expect(cibuildwheelEnv(linux, ['3.15'], new Set(), v410).CIBW_ENABLE).toBe('cpython-prerelease');
    expect(cibuildwheelEnv(linux, ['3.15', '3.14t'], new Set(), v420).CIBW_ENABLE).toBeUndefined();
    for (const release of [v410, v420]) expect(release.enable_groups).not.toContain('cpython-freethreading');
  });

  it("never overrides a cibuildwheel option the project's own config sets", async () => {
    const recipes = await loadRecipes(repoRoot, undefined);
    const r = recipes.recipes.get('linux-aarch64')!;
    const withImage = { ...r, cibuildwheel: { ...r.cibuildwheel!, env: { CIBW_MANYLINUX_AARCH64_IMAGE: 'manylinux2014', CC: 'clang' } } };
    expect(cibuildwheelEnv(withImage, ['3.12'], new Set(), undefined)).toMatchObject({ CIBW_MANYLINUX_AARCH64_IMAGE: 'manylinux2014', CC: 'clang' });
    const project = cibwOptionsSet({ environment: { X: '1' }, linux: { 'manylinux-aarch64-image': 'manylinux_2_28' }, 'test-command': 'pytest' });
    expect([...project].sort()).toEqual(['environment', 'manylinux_aarch64_image', 'test_command']);
    const env = cibuildwheelEnv(withImage, ['3.12'], project, undefined);
    expect(env).toEqual({ CIBW_PLATFORM: 'linux', CIBW_ARCHS: 'aarch64', CIBW_BUILD: 'cp312-manylinux_aarch64' });
  });

  it('cibuildwheel on windows targets uses the Windows arch names', async () => {
    for (const [target, arch, id] of [
      ['windows-amd64', 'AMD64', 'win_amd64'],
      ['windows-x86', 'x86', 'win32'],
      ['windows-arm64', 'ARM64', 'win_arm64'],
    ] as const) {
      const [inv] = await invocationsFor(target, [pkg({ name: 'n', targets: [target], python: ['3.12'] })]);
      expect(inv!.env).toMatchObject({ CIBW_PLATFORM: 'windows', CIBW_ARCHS: arch, CIBW_BUILD: `cp312-${id}` });
    }
  });

  it('abi3 packages build once, on the lowest Python', async () => {
    const [inv] = await invocationsFor('musllinux-x86_64', [pkg({ name: 'a', kind: 'abi3', targets: ['musllinux-x86_64'], python: ['3.12', '3.10'] })]);
    expect(inv!.env).toMatchObject({ CIBW_BUILD: 'cp310-musllinux_x86_64' });
  });

  it('maturin gets the Rust target, the interpreters and the compatibility tag', async () => {
    const [inv] = await invocationsFor('linux-aarch64', [pkg({ name: 'r', builder: 'maturin', targets: ['linux-aarch64'] })]);
    expect([inv!.file, ...inv!.args]).toEqual([
      'maturin', 'build', '--release', '--out', '/scratch/r', '--target', 'aarch64-unknown-linux-gnu', '--interpreter', 'python3.11', 'python3.12', '--compatibility', 'manylinux2014',
    ]);
    expect(inv!.cwd).toBe('/repo/pkgs/r');
  });

  it('the any job builds sdist+wheel for pure packages and only the sdist for native ones; --offline adds --no-isolation', async () => {
    const invs = await invocationsFor('any', [pkg({ name: 'p', kind: 'pure', builder: 'build' }), pkg({ name: 'n', targets: ['linux-x86_64'] })], { offline: true, python: '/usr/bin/python3' });
    expect(invs.map((i) => [i.file, ...i.args])).toEqual([
      ['/usr/bin/python3', '-m', 'build', '--sdist', '--wheel', '--no-isolation', '--outdir', '/scratch/p', '/repo/pkgs/p'],
      ['/usr/bin/python3', '-m', 'build', '--sdist', '--no-isolation', '--outdir', '/scratch/n', '/repo/pkgs/n'],
    ]);
  });

  it('--native builds the wheel with the host Python and marks it for repair', async () => {
    const [inv] = await invocationsFor('linux-x86_64', [pkg({ name: 'n', targets: ['linux-x86_64'], python: ['3.11'] })], { native: true });
    expect([inv!.file, ...inv!.args]).toEqual(['python', '-m', 'build', '--wheel', '--outdir', '/scratch/n', '/repo/pkgs/n']);
    expect(inv!.repair).toBe(true);
  });


  it('maps Node architectures to uname names', () => {
    expect([hostMachine('x64'), hostMachine('arm64'), hostMachine('ia32')]).toEqual(['x86_64', 'aarch64', 'i686']);
  });
});

describe('checking what a builder produced against the plan', () => {
  async function linuxJob() {
    const { m } = await plan([pkg({ name: 'demo-speedups', targets: ['linux-x86_64'], python: ['3.11'] })]);
    return m.expected.filter((e) => e.job === 'build-linux-x86_64');
  }
  const f = (filename: string, p = 'demo-speedups') => ({ package: p, path: `/x/${filename}`, filename });

  it('accepts exactly the planned wheel', async () => {
    const matched = matchProduced('linux-x86_64', await linuxJob(), [f('demo_speedups-1.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')]);
    expect(matched.map((m) => m.expected.id)).toEqual(['demo-speedups:wheel:linux-x86_64:3.11']);
  });

  it('fails on no wheel, naming package and target', async () => {
    const expected = await linuxJob();
    expect(() => matchProduced('linux-x86_64', expected, [])).toThrow(/package demo-speedups produced no wheel for Python 3\.11 on target linux-x86_64/);
  });

  it('fails on a pure wheel where a platform wheel was expected', async () => {
    const run = async () => matchProduced('linux-x86_64', await linuxJob(), [f('demo_speedups-1.0.0-py3-none-any.whl')]);
    await expect(run()).rejects.toThrow(BuildError);
    await expect(run()).rejects.toThrow(/package demo-speedups built a pure wheel demo_speedups-1\.0\.0-py3-none-any\.whl for target linux-x86_64/);
  });

  it('fails on an extra wheel (an unplanned Python, or a second copy)', async () => {
    await expect(async () =>
      matchProduced('linux-x86_64', await linuxJob(), [f('demo_speedups-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl'), f('demo_speedups-1.0.0-cp312-cp312-manylinux_2_17_x86_64.whl')]),
    ).rejects.toThrow(/package demo-speedups built an extra file demo_speedups-1\.0\.0-cp312-cp312-manylinux_2_17_x86_64\.whl for target linux-x86_64/);
    await expect(async () =>
      matchProduced('linux-x86_64', await linuxJob(), [f('demo_speedups-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl'), f('demo_speedups-1.0.0-cp311-cp311-manylinux_2_28_x86_64.whl')]),
    ).rejects.toThrow(/already fills/);
  });

  it('rejects a linux_x86_64 wheel (PyPI would too)', async () => {
    await expect(async () => matchProduced('linux-x86_64', await linuxJob(), [f('demo_speedups-1.0.0-cp311-cp311-linux_x86_64.whl')])).rejects.toThrow(/extra file .*linux_x86_64/);
  });

  it('tells which package a file belongs to', () => {
    expect(packageOfFilename('Demo.Core-1.0.tar.gz')).toBe('demo-core');
    expect(packageOfFilename('demo_core-1.0-py3-none-any.whl')).toBe('demo-core');
  });
});
