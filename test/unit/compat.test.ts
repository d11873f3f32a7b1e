// Version sets, file selection, the requirements file and the environment check (no processes, no network).
import { describe, expect, it } from 'vitest';
import { CompatError } from '../../src/errors.js';
import type { ReleaseManifest } from '../../src/manifest.js';
import { checkEnvironment, describeReport } from '../../src/compat/check.js';
import { renderConstraints, selectFiles } from '../../src/compat/constraints.js';
import { parsePlatform, parsePython } from '../../src/compat/tags.js';
import { checkSetAgainstFiles, parseVersionSet, serializeVersionSet, versionSetFromFiles, type VersionSet } from '../../src/versionset.js';
import { lineOf } from '../../src/commands/compat.js';

const h = (c: string) => c.repeat(64);

function manifest(version: string): ReleaseManifest {
  return {
    schemaVersion: 1,
    tool: { name: 'wheelwright', version: '0.1.0' },
    version,
    tag: `v${version}`,
    commit: 'c0ffee',
    createdAt: '2026-11-23T12:00:00.000Z',
    packages: [
      { name: 'engine-core', distName: 'engine_core', path: 'packages/core', kind: 'native', builder: 'cibuildwheel', requiresPython: '>=3.10' },
      { name: 'engine.cli', distName: 'engine_cli', path: 'packages/cli', kind: 'pure', builder: 'build', requiresPython: null },
    ],
    jobs: [],
    expected: [],
    built: [],
    verify: null,
    assets: [],
    publish: {},
  };
}

const FILES = [
  { filename: 'engine_core-26.8.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', package: 'engine-core', sha256: h('1'), size: 10 },
  { filename: 'engine_core-26.8.0-cp312-cp312-manylinux_2_28_x86_64.whl', package: 'engine-core', sha256: h('2'), size: 11 },
  { filename: 'engine_core-26.8.0-cp312-cp312-manylinux_2_17_aarch64.whl', package: 'engine-core', sha256: h('3'), size: 12 },
  { filename: 'engine_core-26.8.0-cp310-abi3-macosx_11_0_arm64.whl', package: 'engine-core', sha256: h('4'), size: 13 },
  { filename: 'engine_core-26.8.0-cp312-cp312-win_amd64.whl', package: 'engine-core', sha256: h('5'), size: 14 },
  { filename: 'engine_core-26.8.0.tar.gz', package: 'engine-core', sha256: h('6'), size: 15 },
  { filename: 'engine_cli-26.8.0-py3-none-any.whl', package: 'engine-cli', sha256: h('7'), size: 16 },
  { filename: 'engine_cli-26.8.0.tar.gz', package: 'engine-cli', sha256: h('8'), size: 17 },
  { filename: 'SHA256SUMS', package: 'engine-cli', sha256: h('9'), size: 18 },
];

const set = (version = '26.8.0'): VersionSet => versionSetFromFiles(manifest(version), FILES);

describe('version set', () => {
  it('lists every package by normalised name with its files, expanded tags and requires-python', () => {
    const s = set();
    expect(s).toMatchObject({ schemaVersion: 1, version: '26.8.0', tag: 'v26.8.0', commit: 'c0ffee' });
    expect(s.packages.map((p) => p.name)).toEqual(['engine-cli', 'engine-core']);
    const core = s.packages[1]!;
    expect(core.requiresPython).toBe('>=3.10');
    expect(core.files).toHaveLength(6);
    expect(core.files.find((f) => f.filename.includes('manylinux2014'))!.tags).toEqual([
      'cp312-cp312-manylinux_2_17_x86_64',
      'cp312-cp312-manylinux2014_x86_64',
    ]);
    expect(core.files.find((f) => f.type === 'sdist')!.tags).toEqual([]);
    expect(JSON.stringify(s)).not.toContain('SHA256SUMS');
  });

  it('round-trips through versions.json and names the field of a bad one', () => {
    expect(parseVersionSet(serializeVersionSet(set()), 'versions.json')).toEqual(set());
    const bad = JSON.parse(serializeVersionSet(set()));
    bad.packages[0].files[0].sha256 = 'xyz';
    expect(() => parseVersionSet(JSON.stringify(bad), 'v.json')).toThrow(/packages\.0\.files\.0\.sha256/);
    expect(() => parseVersionSet('{"schemaVersion":2}', 'v.json')).toThrow(/schemaVersion is 2/);
    expect(() => parseVersionSet('{', 'v.json')).toThrow(CompatError);
  });

  it('a file served with another digest than versions.json says is a hash mismatch', () => {
    const served = new Map(FILES.map((f) => [f.filename, { filename: f.filename, sha256: f.sha256, size: f.size }]));
    expect(() => checkSetAgainstFiles(set(), served, 'idx')).not.toThrow();
    served.set(FILES[6]!.filename, { filename: FILES[6]!.filename, sha256: h('a'), size: 16 });
    expect(() => checkSetAgainstFiles(set(), served, 'idx')).toThrow(/hash mismatch for engine_cli-26\.8\.0-py3-none-any\.whl/);
    served.set(FILES[6]!.filename, { filename: FILES[6]!.filename, sha256: h('7'), size: 16 });
    served.delete(FILES[0]!.filename);
    expect(() => checkSetAgainstFiles(set(), served, 'idx')).toThrow(/is not served by idx/);
  });
});

describe('file selection', () => {
  const names = (sel: ReturnType<typeof selectFiles>) => Object.fromEntries(sel.map((s) => [s.pkg.name, s.files.map((f) => f.filename)]));

  it('takes every fitting wheel, best first: the newer manylinux before manylinux2014, never the sdist', () => {
    const sel = selectFiles(set(), parsePlatform('manylinux_2_31_x86_64'), parsePython('3.12'));
    expect(names(sel)).toEqual({
      'engine-cli': ['engine_cli-26.8.0-py3-none-any.whl'],
      'engine-core': ['engine_core-26.8.0-cp312-cp312-manylinux_2_28_x86_64.whl', 'engine_core-26.8.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'],
    });
  });

  it('leaves out a manylinux wheel above the glibc level of the platform', () => {
    const sel = selectFiles(set(), parsePlatform('manylinux2014_x86_64'), parsePython('3.12'));
    expect(names(sel)['engine-core']).toEqual(['engine_core-26.8.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl']);
  });

  it('uses an abi3 wheel built for an older CPython', () => {
    const sel = selectFiles(set(), parsePlatform('macosx_14_0_arm64'), parsePython('3.13'));
    expect(names(sel)['engine-core']).toEqual(['engine_core-26.8.0-cp310-abi3-macosx_11_0_arm64.whl']);
  });

  it('names every package without a wheel for the platform and suggests the sdist', () => {
    const err = (() => {
      try {
        selectFiles(set(), parsePlatform('musllinux-x86_64'), parsePython('3.12'));
      } catch (e) {
        return e as CompatError;
      }
    })()!;
    expect(err).toBeInstanceOf(CompatError);
    expect(err.message).toContain('engine-core 26.8.0 has no wheel for musllinux-x86_64 and CPython 3.12');
    expect(err.message).toContain('its sdist is engine_core-26.8.0.tar.gz');
    expect(err.message).not.toContain('engine-cli 26.8.0 has no wheel');
    expect(err.hint).toContain('--allow-sdist');
    const sel = selectFiles(set(), parsePlatform('musllinux-x86_64'), parsePython('3.12'), { allowSdist: true });
    expect(sel.find((s) => s.pkg.name === 'engine-core')).toMatchObject({ fromSdist: true, files: [{ filename: 'engine_core-26.8.0.tar.gz' }] });
  });

  it('refuses a Python the package does not support', () => {
    expect(() => selectFiles(set(), parsePlatform('linux-x86_64'), parsePython('3.9'))).toThrow(/engine-core 26\.8\.0 requires Python >=3\.10, not 3\.9/);
  });

  it('writes a requirements file pip accepts: one pin per package, a continued --hash per file', () => {
    const sel = selectFiles(set(), parsePlatform('manylinux_2_31_x86_64'), parsePython('3.12'));
    const text = renderConstraints(set(), sel, { source: 'idx', platform: 'manylinux_2_31_x86_64', python: '3.12' });
    const body = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(body).toEqual([
      'engine-cli==26.8.0 \\',
      `    --hash=sha256:${h('7')}`,
      'engine-core==26.8.0 \\',
      `    --hash=sha256:${h('2')} \\`,
      `    --hash=sha256:${h('1')}`,
    ]);
    expect(text).toContain('pip install --require-hashes -r');
  });

  it('rejects an unknown platform and a non-CPython version with the flag named', () => {
    expect(() => parsePlatform('linux-sparc')).toThrow(/unknown platform `linux-sparc`/);
    expect(() => parsePlatform('freebsd')).toThrow(CompatError);
    expect(() => parsePython('2.7')).toThrow(/not a CPython version/);
  });
});

describe('environment check', () => {
  const sets = [set('26.8.0'), set('26.3.2')];

  it('one set installed is ok', () => {
    const r = checkEnvironment([{ name: 'engine-core', version: '26.8.0' }, { name: 'engine-cli', version: '26.8.0' }, { name: 'pip', version: '23.0.1' }], sets);
    expect(r).toMatchObject({ set: '26.8.0', ok: true });
  });

  it('names a component from another set, and one in no set', () => {
    const r = checkEnvironment([{ name: 'engine-core', version: '26.8.0' }, { name: 'engine-cli', version: '26.3.2' }], sets);
    expect(r.ok).toBe(false);
    expect(r.components.find((c) => c.name === 'engine-cli')).toMatchObject({ status: 'other-set', installed: '26.3.2', sets: ['26.3.2'] });
    expect(describeReport(r, 'py')).toContain('engine-cli==26.3.2 is from set 26.3.2, set 26.8.0 has 26.8.0');
    const odd = checkEnvironment([{ name: 'engine-core', version: '26.8.0' }, { name: 'engine-cli', version: '1.0' }], sets);
    expect(odd.components.find((c) => c.name === 'engine-cli')!.status).toBe('unknown-version');
  });

  it('a missing component fails unless --partial', () => {
    const env = [{ name: 'engine-core', version: '26.3.2' }];
    expect(checkEnvironment(env, sets)).toMatchObject({ set: '26.3.2', ok: false });
    expect(checkEnvironment(env, sets).components.find((c) => c.name === 'engine-cli')!.status).toBe('missing');
    expect(checkEnvironment(env, sets, { partial: true }).ok).toBe(true);
  });

  it('an environment with no component of any set is not ok', () => {
    expect(checkEnvironment([{ name: 'pip', version: '23.0.1' }], sets)).toEqual({ set: null, ok: false, components: [] });
  });
});

describe('release lines', () => {
  const lines = [
    { name: '26.3 LTS', series: '26.3', lts: true, end: '2027-09-30' },
    { name: '26.8', series: '26.8', lts: false, channel: 'edge' },
  ];
  it('a version belongs to the line whose series prefixes it', () => {
    expect(lineOf('26.3.4', lines)?.name).toBe('26.3 LTS');
    expect(lineOf('26.8.0rc1', lines)?.name).toBe('26.8');
    expect(lineOf('26.30.0', lines)).toBeUndefined();
  });
});
