import { describe, expect, it } from 'vitest';
import type { ExpectedArtifact } from '../../src/manifest.js';
import { parseHeaders } from '../../src/wheel/headers.js';
import { checkEntryPoints } from '../../src/verify/entry-points.js';
import { checkCoreMetadata } from '../../src/verify/metadata.js';
import { isAllowedPlatformTag, isMacosNonZeroMinor } from '../../src/platforms/pypi.js';
import { checkBuilt, checkSet } from '../../src/verify/set.js';
import { sha256sums, verifyRecord, type VerifyOutcome } from '../../src/verify/report.js';

describe('PyPI platform-tag allow-list', () => {
  it('accepts what PyPI accepts', () => {
    for (const t of ['any', 'win_amd64', 'manylinux2014_aarch64', 'manylinux_2_28_riscv64', 'musllinux_1_2_x86_64', 'macosx_10_9_universal2', 'macosx_14_0_arm64', 'linux_armv7l', 'android_24_arm64_v8a', 'ios_13_0_arm64_iphoneos', 'pyemscripten_2024_0_wasm32']) {
      expect(isAllowedPlatformTag(t), t).toBe(true);
    }
  });

  it('rejects linux_x86_64, loongarch64, musllinux ppc64 and macOS majors PyPI does not know', () => {
    for (const t of ['linux_x86_64', 'linux_aarch64', 'manylinux_2_17_loongarch64', 'musllinux_1_2_ppc64', 'macosx_16_0_arm64', 'manylinux1_aarch64', 'win_amd', 'macosx_11_1_arm64']) {
      expect(isAllowedPlatformTag(t), t).toBe(false);
    }
  });

  it('singles out a macOS ≥ 11 tag with a non-zero minor', () => {
    expect(isMacosNonZeroMinor('macosx_11_1_arm64')).toBe(true);
    expect(isMacosNonZeroMinor('macosx_11_0_arm64')).toBe(false);
    expect(isMacosNonZeroMinor('macosx_10_15_x86_64')).toBe(false);
  });
});

describe('core metadata', () => {
  const codes = (text: string) => checkCoreMetadata('W', parseHeaders(text), 'x/METADATA').findings.map((f) => f.code);
  const base = 'Name: demo\nVersion: 1.0\nDescription-Content-Type: text/markdown\n\nbody\n';
  it('accepts every Metadata-Version PyPI accepts and rejects 2.0', () => {
    for (const mv of ['2.1', '2.2', '2.3', '2.4', '2.5']) expect(codes(`Metadata-Version: ${mv}\n${base}`), mv).toEqual([]);
    // Description-Content-Type is a 2.1 field: older metadata cannot type its description (a warning only).
    const untyped = base.replace('Description-Content-Type: text/markdown\n', '');
    for (const mv of ['1.0', '1.1', '1.2']) expect(codes(`Metadata-Version: ${mv}\n${untyped}`), mv).toEqual(['W-DESCRIPTION-TYPE']);
    expect(codes(`Metadata-Version: 2.0\n${base}`)).toEqual(['W-METADATA-VERSION']);
  });

  it('rejects a field newer than the declared Metadata-Version, as packaging does for PyPI', () => {
    // The defect of four real wheels (harfile 0.3.0, opt_einsum 3.4.0, ...): License-Expression under 2.1 or 2.3.
    for (const mv of ['2.1', '2.3']) expect(codes(`Metadata-Version: ${mv}\nLicense-Expression: MIT\n${base}`), mv).toEqual(['W-METADATA-FIELD-VERSION']);
    expect(codes(`Metadata-Version: 2.4\nLicense-Expression: MIT\n${base}`)).toEqual([]);
    expect(codes(`Metadata-Version: 2.1\nDynamic: Requires-Dist\n${base}`)).toEqual(['W-METADATA-FIELD-VERSION']);
    expect(codes(`Metadata-Version: 1.0\nClassifier: A\nClassifier: B\n${base}`)).toEqual(['W-METADATA-FIELD-VERSION', 'W-METADATA-FIELD-VERSION']);
    // License-File below 2.4 is what setuptools wrote for years: twine drops it, so PyPI never sees it.
    expect(codes(`Metadata-Version: 2.1\nLicense-File: LICENSE\n${base}`)).toEqual([]);
    const message = checkCoreMetadata('S', parseHeaders(`Metadata-Version: 2.3\nLicense-Expression: MIT\n${base}`), 'x/PKG-INFO').findings;
    expect(message.map((f) => f.code)).toEqual(['S-METADATA-FIELD-VERSION']);
    expect(message[0]!.message).toMatch(/License-Expression is a Metadata-Version 2\.4 field.*declares Metadata-Version 2\.3/);
  });

  it('checks the description content type and its Markdown variant', () => {
    expect(codes(`Metadata-Version: 2.1\n${base.replace('text/markdown', 'text/markdown; variant=GFM')}`)).toEqual([]);
    expect(codes(`Metadata-Version: 2.1\n${base.replace('text/markdown', 'text/markdown; variant=wiki')}`)).toEqual(['W-DESCRIPTION-TYPE']);
  });

  it('warns on an empty description where twine fails it, and only there (PyPI accepts every one)', () => {
    const head = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n';
    const sdist = (text: string) => checkCoreMetadata('S', parseHeaders(text), 'x/PKG-INFO').findings.map((f) => f.code);
    // A wheel's empty body reaches twine as "", which Markdown and plain text render and reStructuredText does not.
    expect(codes(`${head}Description-Content-Type: text/markdown\n`)).toEqual([]);
    expect(codes(`${head}Description-Content-Type: text/plain\n\n`)).toEqual([]);
    expect(codes(`${head}Description-Content-Type: text/x-rst\n`)).toEqual(['W-DESCRIPTION-MISSING']);
    expect(codes(head)).toEqual(['W-DESCRIPTION-TYPE', 'W-DESCRIPTION-MISSING']);
    // A Description field is a description; an sdist's empty one twine reads as missing, whatever its type.
    expect(codes(`${head}Description: Title\n        =====\nDescription-Content-Type: text/x-rst\n`)).toEqual([]);
    expect(sdist(`${head}Description-Content-Type: text/markdown\n`)).toEqual(['S-DESCRIPTION-MISSING']);
    expect(sdist(`${head}Description-Content-Type: text/markdown\n\nbody\n`)).toEqual([]);
  });

  it('reports an invalid project name and version', () => {
    expect(codes('Metadata-Version: 2.1\nName: -bad-\nVersion: banana\nDescription-Content-Type: text/plain\n\nx\n')).toEqual(['W-METADATA-FIELD', 'W-METADATA-FIELD']);
  });
});

function expected(id: string, pkg: string, target: string | null, filename: string | null, pattern: string | null = null): ExpectedArtifact {
  return { id, package: pkg, type: 'wheel', target, python: null, filename, pattern, job: `build-${target ?? 'any'}` };
}

describe('the set against the release plan', () => {
  const plan = [
    expected('core:wheel:any:any', 'demo-core', null, 'demo_core-0.3.0-py3-none-any.whl'),
    expected('sp:wheel:linux-x86_64:3.12', 'demo-speedups', 'linux-x86_64', null, 'demo_speedups-0.3.0-cp312-cp312-manylinux*_x86_64.whl'),
    expected('sp:wheel:macos-arm64:3.12', 'demo-speedups', 'macos-arm64', null, 'demo_speedups-0.3.0-cp312-cp312-macosx_*_arm64.whl'),
  ];

  it('is clean when every expectation is met exactly once', () => {
    const files = ['demo_core-0.3.0-py3-none-any.whl', 'demo_speedups-0.3.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', 'demo_speedups-0.3.0-cp312-cp312-macosx_11_0_arm64.whl'];
    expect(checkSet(plan, files)).toEqual([]);
  });

  it('reports missing, duplicate and unexpected artifacts with package and target', () => {
    const files = [
      'demo_core-0.3.0-py3-none-any.whl',
      'demo_speedups-0.3.0-cp312-cp312-manylinux_2_17_x86_64.whl',
      'demo_speedups-0.3.0-cp312-cp312-manylinux_2_28_x86_64.whl',
      'demo_speedups-0.3.0-cp311-cp311-win_amd64.whl',
    ];
    const found = checkSet(plan, files).map((f) => [f.code, f.subject, f.target]);
    expect(found).toEqual([
      ['SET-DUPLICATE', 'sp:wheel:linux-x86_64:3.12', 'linux-x86_64'],
      ['SET-MISSING', 'sp:wheel:macos-arm64:3.12', 'macos-arm64'],
      ['SET-UNEXPECTED', 'demo_speedups-0.3.0-cp311-cp311-win_amd64.whl', null],
    ]);
  });
});

describe('artifacts against what the build jobs recorded', () => {
  it('reports a file whose sha256 differs from its build record, and ignores files without one', () => {
    const built = [{ filename: 'a.whl', package: 'demo-core', target: null, job: 'build-any', size: 1, sha256: 'a'.repeat(64) }];
    expect(checkBuilt(built, [{ filename: 'a.whl', sha256: 'a'.repeat(64) }, { filename: 'b.whl', sha256: 'c'.repeat(64) }])).toEqual([]);
    const found = checkBuilt(built, [{ filename: 'a.whl', sha256: 'b'.repeat(64) }]);
    expect(found.map((f) => [f.code, f.subject, f.package])).toEqual([['SET-DIGEST', 'a.whl', 'demo-core']]);
    expect(found[0]!.message).toContain('job build-any');
  });
});

describe('results', () => {
  const outcome: VerifyOutcome = {
    ok: false,
    version: '0.3.0',
    artifacts: [
      { filename: 'b.whl', path: '/d/b.whl', kind: 'wheel', sha256: 'b'.repeat(64), size: 2, findings: [{ code: 'W-RECORD-HASH', entry: 'x.py', message: 'm' }, { code: 'W-RECORD-HASH', entry: 'y.py', message: 'm' }] },
      { filename: 'a.tar.gz', path: '/d/a.tar.gz', kind: 'sdist', sha256: 'a'.repeat(64), size: 1, findings: [] },
    ],
    set: [{ code: 'SET-MISSING', subject: 'id1', package: 'p', target: null, files: [], message: 'missing' }],
  };

  it('writes SHA256SUMS sorted by filename in the sha256sum format', () => {
    expect(sha256sums(outcome.artifacts)).toBe(`${'a'.repeat(64)}  a.tar.gz\n${'b'.repeat(64)}  b.whl\n`);
  });

  it('records per-file codes (each once) and the set results for the manifest', () => {
    const r = verifyRecord(outcome, new Date('2026-01-01T00:00:00Z'));
    expect(r.files.map((f) => [f.filename, f.ok, f.codes])).toEqual([
      ['b.whl', false, ['W-RECORD-HASH']],
      ['a.tar.gz', true, []],
    ]);
    expect(r).toMatchObject({ ok: false, version: '0.3.0', missing: ['id1'], unexpected: [], duplicate: [], at: '2026-01-01T00:00:00.000Z' });
  });
});

describe('entry_points.txt', () => {
  const codes = (text: string) => checkEntryPoints(text, 'x.dist-info/entry_points.txt').map((f) => f.entry);
  it('accepts sections, comments, continuation lines and dotted script names', () => {
    expect(codes('# comment\n[console_scripts]\ndemo.cli = demo:main\n\n[demo.plugins]\nfoo = demo.foo:Plugin [extra]\n    continued\n')).toEqual([]);
  });

  it('rejects entries outside a section, lines without `=`, duplicates and bad script names, naming the line', () => {
    expect(codes('a = b\n')).toEqual(['x.dist-info/entry_points.txt line 1']);
    expect(codes('[gui_scripts]\nmy app = demo:main\n[gui_scripts]\nx: y\n')).toEqual([
      'x.dist-info/entry_points.txt line 2',
      'x.dist-info/entry_points.txt line 3',
      'x.dist-info/entry_points.txt line 4',
    ]);
  });
});
