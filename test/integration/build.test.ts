import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runRelease } from '../helpers/cli.js';
import { hasCommand, hasPythonModule, requireTools } from '../helpers/tools.js';

const PY = '/usr/bin/python3';
const ok = requireTools('release build with Debian python3-build', [
  [PY, hasCommand(PY)],
  ['python3-build', hasPythonModule('build')],
  ['python3-wheel', hasPythonModule('wheel')],
  ['python3-setuptools', hasPythonModule('setuptools')],
  ['python3-packaging', hasPythonModule('packaging')],
  ['gcc', hasCommand('gcc')],
]);

const temps: string[] = [];
async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ww-build-'));
  temps.push(dir);
  await cp(path.join(repoRoot, 'examples'), dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** Run `release plan` in dir, as the plan job does before any build job. */
async function plan(dir: string): Promise<void> {
  const r = await runRelease(['plan'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
}

function py(code: string, args: string[] = [], cwd?: string): string {
  return execFileSync(PY, ['-c', code, ...args], { encoding: 'utf8', cwd });
}

describe.skipIf(!ok)('release build makes real wheels for linux-x86_64 here', () => {
  let dir: string;
  let dist: string;
  beforeAll(async () => {
    dir = await copyExamples();
    dist = path.join(dir, 'dist');
    const plan = await runRelease(['plan'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const any = await runRelease(['build', '--target', 'any', '--python', PY, '--offline', '--json'], { cwd: dir });
    expect(any.code, any.stderr).toBe(0);
    // The builder's output streams to stderr; stdout holds only the JSON result.
    expect(any.stderr).toContain('Successfully built');
    expect(JSON.parse(any.stdout).built).toHaveLength(5);
    const native = await runRelease(['build', '--target', 'linux-x86_64', '--python', PY, '--offline', '--native'], { cwd: dir });
    expect(native.code, native.stderr).toBe(0);
  }, 180_000);

  it('leaves no build/ or *.egg-info in the source tree (the next prepare needs a clean tree)', async () => {
    const left = (await readdir(dir, { recursive: true })).filter((p) => !p.startsWith('dist') && /(^|\/)(build|[^/]+\.egg-info)$/.test(p));
    expect(left).toEqual([]);
  });

  it('dist/ holds exactly the planned files: PEP 625 sdists, pure wheels and a manylinux C-extension wheel', async () => {
    const files = (await readdir(dist)).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')).sort();
    expect(files).toEqual(
      [
        'demo_cli-0.3.0-py3-none-any.whl',
        'demo_cli-0.3.0.tar.gz',
        'demo_core-0.3.0-py3-none-any.whl',
        'demo_core-0.3.0.tar.gz',
        'demo_speedups-0.3.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
        'demo_speedups-0.3.0.tar.gz',
      ].sort(),
    );
  });

  it('python3-packaging parses every name, and the retagged WHEEL lists both manylinux tags', async () => {
    const out = py(
      `import sys, zipfile
from packaging.utils import parse_wheel_filename, parse_sdist_filename
for f in sorted(sys.argv[1:]):
    if f.endswith(".whl"):
        n, v, b, tags = parse_wheel_filename(f)
        print(n, v, sorted(str(t) for t in tags))
    else:
        print(*parse_sdist_filename(f))
w = [f for f in sys.argv[1:] if "manylinux" in f][0]
z = zipfile.ZipFile(w)
print([l for l in z.read("demo_speedups-0.3.0.dist-info/WHEEL").decode().splitlines() if l.startswith(("Tag", "Root"))])`,
      (await readdir(dist)).filter((f) => f.endsWith('.whl') || f.endsWith('.tar.gz')),
      dist,
    );
    expect(out).toContain("demo-speedups 0.3.0 ['cp311-cp311-manylinux2014_x86_64', 'cp311-cp311-manylinux_2_17_x86_64']");
    expect(out).toContain('demo-core 0.3.0\n');
    expect(out).toContain("['Root-Is-Purelib: false', 'Tag: cp311-cp311-manylinux_2_17_x86_64', 'Tag: cp311-cp311-manylinux2014_x86_64']");
  });

  it('each sdist is a pax tar with one top directory {name}-{version}/ holding PKG-INFO', () => {
    const out = py(
      `import sys, tarfile
for f in ["demo_core-0.3.0.tar.gz", "demo_speedups-0.3.0.tar.gz", "demo_cli-0.3.0.tar.gz"]:
    t = tarfile.open(f)
    names = t.getnames()
    print(f, t.format == tarfile.PAX_FORMAT, sorted({n.split("/")[0] for n in names}), f[:-7] + "/PKG-INFO" in names)`,
      [],
      dist,
    );
    expect(out.trim().split('\n')).toEqual([
      "demo_core-0.3.0.tar.gz True ['demo_core-0.3.0'] True",
      "demo_speedups-0.3.0.tar.gz True ['demo_speedups-0.3.0'] True",
      "demo_cli-0.3.0.tar.gz True ['demo_cli-0.3.0'] True",
    ]);
  });

  it('the fragments record every file with its real size and sha256, per job and target', async () => {
    const frags = (await readdir(path.join(dist, 'manifest-fragments'))).sort();
    expect(frags).toEqual(['build-any.json', 'build-linux-x86_64.json']);
    const linux = JSON.parse(await readFile(path.join(dist, 'manifest-fragments/build-linux-x86_64.json'), 'utf8'));
    expect(linux.job).toBe('build-linux-x86_64');
    expect(linux.built).toHaveLength(1);
    const b = linux.built[0];
    const bytes = await readFile(path.join(dist, b.filename));
    expect(b).toEqual({ filename: b.filename, package: 'demo-speedups', target: 'linux-x86_64', job: 'build-linux-x86_64', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    const any = JSON.parse(await readFile(path.join(dist, 'manifest-fragments/build-any.json'), 'utf8'));
    expect(any.built.map((x: { filename: string; target: null }) => [x.filename, x.target]).sort()).toEqual(
      ['demo_cli-0.3.0-py3-none-any.whl', 'demo_cli-0.3.0.tar.gz', 'demo_core-0.3.0-py3-none-any.whl', 'demo_core-0.3.0.tar.gz', 'demo_speedups-0.3.0.tar.gz'].map((f) => [f, null]),
    );
  });

  it('pip installs the built wheels offline and the C extension runs', async () => {
    const venv = path.join(dir, 'venv');
    execFileSync(PY, ['-m', 'venv', venv]);
    execFileSync(path.join(venv, 'bin/python'), ['-m', 'pip', 'install', '--quiet', '--no-index', '--find-links', dist, 'demo-cli', 'demo-speedups'], { encoding: 'utf8' });
    const out = execFileSync(path.join(venv, 'bin/python'), ['-c', 'import demo_speedups._speedups as s, demo_core, demo_cli; print(s.__file__.endswith(".so"))'], { encoding: 'utf8' });
    expect(out.trim()).toBe('True');
  }, 120_000);
});

describe.skipIf(!ok)('release build failures name the package and target', () => {
  it('a C-extension package that builds a pure wheel fails with exit 7', async () => {
    const dir = await copyExamples();
    await writeFile(path.join(dir, 'packages/demo-speedups/setup.py'), 'from setuptools import setup\nsetup()\n');
    await plan(dir);
    const r = await runRelease(['build', '--target', 'linux-x86_64', '--python', PY, '--offline', '--native'], { cwd: dir });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/package demo-speedups built a pure wheel demo_speedups-0\.3\.0-py3-none-any\.whl for target linux-x86_64, where a platform wheel was expected/);
    expect((await readdir(path.join(dir, 'dist'))).filter((f) => f.endsWith('.whl'))).toEqual([]);
  }, 120_000);

  it('a host-built wheel needing a newer glibc than manylinux2014 is not retagged', async () => {
    const dir = await copyExamples();
    const c = path.join(dir, 'packages/demo-speedups/src/demo_speedups/_speedups.c');
    // dlopen lives in libc with version GLIBC_2.34 on this glibc 2.36 host: too new for manylinux_2_17.
    await writeFile(c, (await readFile(c, 'utf8')).replace('#include <Python.h>', '#include <Python.h>\n#include <dlfcn.h>\nvoid *demo_open(const char *p) { return dlopen(p, RTLD_NOW); }'));
    await plan(dir);
    const r = await runRelease(['build', '--target', 'linux-x86_64', '--python', PY, '--offline', '--native'], { cwd: dir });
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/package demo-speedups: demo_speedups-0\.3\.0-cp311-cp311-linux_x86_64\.whl cannot be tagged manylinux_2_17_x86_64\.manylinux2014_x86_64 for target linux-x86_64/);
    expect(r.stderr).toMatch(/GLIBC_2\.34/);
    expect((await readdir(path.join(dir, 'dist'))).filter((f) => f.endsWith('.whl'))).toEqual([]);
  }, 120_000);

  it('--native with a planned Python the host does not have fails before building', async () => {
    const dir = await copyExamples();
    const yaml = await readFile(path.join(dir, 'release.yaml'), 'utf8');
    await writeFile(path.join(dir, 'release.yaml'), yaml.replace('python: ["3.11"]', 'python: ["3.11", "3.12"]'));
    await plan(dir);
    const r = await runRelease(['build', '--target', 'linux-x86_64', '--python', PY, '--offline', '--native'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--native builds with \/usr\/bin\/python3 \(Python 3\.11\), but the plan wants Python 3\.11, 3\.12 on linux-x86_64/);
    expect(r.stderr).not.toMatch(/building demo-speedups/);
  });

  it('a target the plan has no job for is rejected with the nearest planned target', async () => {
    const dir = await copyExamples();
    await plan(dir);
    const r = await runRelease(['build', '--target', 'linux-x86-64'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown target `linux-x86-64` \(did you mean `linux-x86_64`\?\)/);
    const r2 = await runRelease(['build', '--target', 'macos-arm64'], { cwd: dir });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/the plan has no build job for target `macos-arm64`/);
  });
});

describe('release build never plans', () => {
  it('without dist/release-manifest.json it fails with exit 2 and says where the plan comes from', async () => {
    const dir = await copyExamples();
    const r = await runRelease(['build', '--target', 'any'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/release manifest not found/);
    expect(r.stderr).toMatch(/hint: run `release plan` first \(in CI, download the plan job's artifact into dist\/\)/);
    expect(existsSync(path.join(dir, 'dist', 'release-manifest.json'))).toBe(false);
  });
});

describe('release build --dry-run prints the exact builder commands', () => {
  it('cibuildwheel for macos-arm64 with the planned CIBW_* selection, and builds nothing', async () => {
    const dir = await copyExamples();
    const yaml = await readFile(path.join(dir, 'release.yaml'), 'utf8');
    await writeFile(path.join(dir, 'release.yaml'), yaml.replace('targets: [linux-x86_64]', 'targets: [linux-x86_64, macos-arm64]').replace('python: ["3.11"]', 'python: ["3.11", "3.12"]'));
    await plan(dir);
    const r = await runRelease(['build', '--target', 'macos-arm64', '--dry-run', '--json', '--python', 'python'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`[dry-run] $ python -m cibuildwheel --output-dir `);
    expect(r.stderr).toContain('CIBW_BUILD=cp311-macosx_arm64 cp312-macosx_arm64');
    expect(r.stderr).toContain('CIBW_ARCHS=arm64');
    const out = JSON.parse(r.stdout);
    expect(out.job).toBe('build-macos-arm64');
    expect(out.commands[0].command.slice(0, 3)).toEqual(['python', '-m', 'cibuildwheel']);
    expect(out.commands[0].command.at(-1)).toBe(path.join(dir, 'packages/demo-speedups'));
    expect(out.commands[0].env).toMatchObject({ CIBW_PLATFORM: 'macos', MACOSX_DEPLOYMENT_TARGET: '11.0' });
    // The project's [tool.cibuildwheel] environment stays authoritative: CIBW_ENVIRONMENT would replace it.
    expect(out.commands[0].env).not.toHaveProperty('CIBW_ENVIRONMENT');
    expect(out.built).toEqual([]);
    expect((await readdir(path.join(dir, 'dist'))).sort()).toEqual(['release-manifest.json']);
  });
});
