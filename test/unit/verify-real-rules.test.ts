// The rules real wheels broke (issue 13), each on the smallest evidence that shows it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkElfAgainst, searchDirsInWheel } from '../../src/binary/check-elf.js';
import type { ElfInfo } from '../../src/binary/elf.js';
import { findPolicy } from '../../src/binary/policy.js';
import { parsePlatformTag } from '../../src/platforms/tags.js';
import { CODES, levelOf, withLevels } from '../../src/verify/findings.js';
import { applyIgnore, codesOf, warningCodesOf, type VerifyOutcome } from '../../src/verify/report.js';
import { checkWheel, isExtensionModule, type WheelEvidence } from '../../src/verify/wheel-checks.js';
import type { ArtifactResult } from '../../src/verify/artifacts.js';
import type { ZipEntryInfo } from '../../src/wheel/zip.js';

const limits = { maxUncompressed: 4096 * 1024 * 1024, maxRatio: 200 };
const digest = (data: string) => createHash('sha256').update(data).digest('base64url');

/** A consistent wheel's evidence: files (path → content), WHEEL tags, optional overrides. */
function wheel(filename: string, files: Record<string, string>, opts: { tags?: string[]; purelib?: boolean; record?: (path: string, data: string) => string; sizes?: Record<string, [number, number]>; binaries?: WheelEvidence['binaries'] } = {}): WheelEvidence {
  const [name, version] = filename.split('-') as [string, string];
  const dir = `${name}-${version}.dist-info`;
  const tag = filename.replace(/\.whl$/, '').split('-').slice(-3).join('-');
  const all: Record<string, string> = {
    ...files,
    [`${dir}/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nDescription-Content-Type: text/markdown\n\nA description.\n`,
    [`${dir}/WHEEL`]: `Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: ${opts.purelib ?? true}\n${(opts.tags ?? [tag]).map((t) => `Tag: ${t}\n`).join('')}`,
  };
  const rows = Object.entries(all).map(([p, d]) => `${p},${opts.record ? opts.record(p, d) : `sha256=${digest(d)}`},${Buffer.byteLength(d)}`);
  all[`${dir}/RECORD`] = `${rows.join('\n')}\n${dir}/RECORD,,\n`;
  const entries: ZipEntryInfo[] = Object.entries(all).map(([p, d], index) => {
    const [size, compressedSize] = opts.sizes?.[p] ?? [Buffer.byteLength(d), Buffer.byteLength(d)];
    return { index, name: p, nameValid: true, isDirectory: false, method: 8, encrypted: false, compressedSize, size, crc32: 0, unixType: 0, offset: index * 100 };
  });
  return {
    artifact: filename,
    entries,
    hashed: Object.entries(all).map(([p, d], index) => ({ index, name: p, digest: digest(d), size: Buffer.byteLength(d) })),
    errors: [],
    texts: Object.fromEntries(Object.entries(all).filter(([p]) => p.startsWith(dir))),
    binaries: opts.binaries ?? [],
    misnamed: [],
    openError: null,
  };
}
const codes = (ev: WheelEvidence, releaseVersion: string | null = null) => [...new Set(checkWheel(ev, { releaseVersion, limits }).map((f) => f.code))].sort();

function elf(over: Partial<ElfInfo>): ElfInfo {
  return { format: 'elf', elfClass: 64, littleEndian: true, machine: 62, flags: 0, interpreter: null, needed: ['libc.so.6'], rpath: [], runpath: [], versionNeeds: [], undefinedSymbols: [], ...over };
}
const linux = (tag: string) => parsePlatformTag(tag) as Extract<ReturnType<typeof parsePlatformTag>, { kind: 'linux' }>;

describe('binaries as auditwheel judges them', () => {
  it('skips weak undefined symbols in the blacklist check, and keeps strong ones', () => {
    const sym = (weak: boolean) => ({ name: '__cxa_thread_atexit_impl', file: null, version: null, weak });
    expect(checkElfAgainst('m/_x.abi3.so', elf({ undefinedSymbols: [sym(true)] }), linux('manylinux_2_17_x86_64'), {})).toEqual([]);
    expect(checkElfAgainst('m/_x.abi3.so', elf({ undefinedSymbols: [sym(false)] }), linux('manylinux_2_17_x86_64'), {}).map((f) => f.code)).toEqual(['W-MANYLINUX-BLACKLIST']);
  });

  it('holds a tag without a policy to the newest policy below it', () => {
    expect(findPolicy('manylinux', [2, 18])?.name).toBe('manylinux_2_17');
    expect(findPolicy('manylinux', [2, 25])?.name).toBe('manylinux_2_24');
    expect(findPolicy('manylinux', [2, 28])?.name).toBe('manylinux_2_28');
    expect(findPolicy('manylinux', [2, 4])).toBeNull();
    const info = elf({ versionNeeds: [{ file: 'libstdc++.so.6', versions: ['GLIBCXX_3.4.22'] }] });
    expect(checkElfAgainst('n/libnccl.so.2', info, linux('manylinux_2_18_x86_64'), {}).map((f) => f.code)).toEqual(['W-MANYLINUX-SYMBOL']);
  });

  it('finds a bundled library only through $ORIGIN RPATH/RUNPATH, by any file name', () => {
    const files = new Set(['cv2/cv2.abi3.so', 'opencv.libs/libssl-8248cfc9.so.1.1.1k', 'other/libmujoco.so.3']);
    const ext = (over: Partial<ElfInfo>) => elf({ needed: ['libc.so.6', 'libssl-8248cfc9.so.1.1.1k'], ...over });
    const tag = linux('manylinux_2_28_x86_64');
    expect(checkElfAgainst('cv2/cv2.abi3.so', ext({ rpath: ['$ORIGIN/../opencv.libs'] }), tag, { wheelFiles: files })).toEqual([]);
    expect(checkElfAgainst('cv2/cv2.abi3.so', ext({ runpath: ['${ORIGIN}/../opencv.libs'] }), tag, { wheelFiles: files })).toEqual([]);
    // RUNPATH present: RPATH is not used.
    expect(checkElfAgainst('cv2/cv2.abi3.so', ext({ rpath: ['$ORIGIN/../opencv.libs'], runpath: ['$ORIGIN'] }), tag, { wheelFiles: files }).map((f) => f.code)).toEqual(['W-MANYLINUX-LIB']);
    // A same-named file elsewhere, or an absolute RPATH, is not where the loader looks.
    const mujoco = elf({ needed: ['libc.so.6', 'libmujoco.so.3'], rpath: ['/usr/lib'] });
    const found = checkElfAgainst('mujoco/_functions.so', mujoco, tag, { wheelFiles: files });
    expect(found.map((f) => f.code)).toEqual(['W-MANYLINUX-LIB']);
    expect(found[0]!.message).toContain('`other/libmujoco.so.3` is not on its search path');
    expect(searchDirsInWheel('a/b/x.so', { rpath: ['$ORIGIN/../../..', '$ORIGIN/.', ''], runpath: [] })).toEqual(['a/b']);
  });

  it('lets a library use the search path of the binary that loads it (auditwheel repair output)', () => {
    const ev = wheel('pil-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', { 'pil/_imaging.so': 'e', 'pil.libs/libdec.so.1': 'd', 'pil.libs/libcommon.so.1': 'c' }, { purelib: false });
    const missing = { code: 'W-MANYLINUX-LIB', message: '`pil.libs/libdec.so.1` needs libcommon.so.1', lib: 'libcommon.so.1' };
    ev.binaries = [
      { name: 'pil/_imaging.so', format: 'elf', findings: [], links: { needed: ['libdec.so.1'], dirs: ['pil.libs'] } },
      { name: 'pil.libs/libdec.so.1', format: 'elf', findings: [missing], links: { needed: ['libcommon.so.1'], dirs: [] } },
    ];
    expect(codes(ev)).toEqual([]);
    ev.binaries[0]!.links = { needed: [], dirs: ['pil.libs'] };
    expect(codes(ev)).toEqual(['W-MANYLINUX-LIB']);
  });
});

describe('wheel rules on what real wheels hold', () => {
  it('refuses a local version even when the release version is unknown', () => {
    expect(codes(wheel('torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl', {}, { purelib: false }))).toEqual(['W-LOCAL-VERSION']);
  });

  it('reads a compressed tag set on a Tag line as its tags, and still catches a renamed wheel', () => {
    const fn = 'clarabel-0.11.1-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';
    expect(codes(wheel(fn, {}, { purelib: false, tags: ['cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64'] }))).toEqual([]);
    expect(codes(wheel('m-1.0-cp311-cp311-manylinux_2_28_x86_64.whl', {}, { purelib: false, tags: ['cp311-cp311-linux_x86_64'] }))).toEqual(['W-WHEEL-TAGS']);
    expect(levelOf('W-WHEEL-TAGS')).toBe('warning');
  });

  it('judges Root-Is-Purelib on the root only', () => {
    const bin = (name: string) => [{ name, format: 'elf' as const, findings: [] }];
    expect(codes(wheel('gmsh-4.15.2-py2.py3-none-manylinux_2_24_x86_64.whl', {}, { binaries: bin('gmsh-4.15.2.data/data/lib/libgmsh.so.4.15') }))).toEqual([]);
    expect(codes(wheel('c-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', {}, { binaries: bin('c/_x.cpython-311-x86_64-linux-gnu.so') }))).toEqual(['W-PURELIB']);
  });

  it('fails a pure wheel for an extension module, not for launchers and data binaries', () => {
    for (const p of ['setuptools/cli-64.exe', 'OpenGL/DLLS/freeglut64.vc14.dll', 'pkg/bin/tool', 'x-1.0.data/data/lib/_m.so', 'pkg/libfoo.so.1', 'pkg/1bad.so']) expect(isExtensionModule(p), p).toBe(false);
    for (const p of ['pkg/_speedups.so', 'pkg/_m.cpython-311-x86_64-linux-gnu.so', 'pkg/m.abi3.so', 'pkg/_m.cp311-win_amd64.pyd', 'x-1.0.data/platlib/_m.so']) expect(isExtensionModule(p), p).toBe(true);
    const exe = [{ name: 'pip/_vendor/distlib/t64.exe', format: 'pe' as const, findings: [] }];
    expect(codes(wheel('pip-26.2.1-py3-none-any.whl', {}, { binaries: exe }))).toEqual([]);
    expect(codes(wheel('p-1.0-py3-none-any.whl', {}, { binaries: [{ name: 'p/_c.so', format: 'elf', findings: [] }] }))).toEqual(['W-PURE-HAS-BINARY']);
  });

  it('applies PyPI\'s archive-wide zip rule as the error and a single entry\'s ratio as a warning', () => {
    const MB = 1024 * 1024;
    const one = wheel('onnx-1.0-py3-none-any.whl', { 'onnx/t.pb': 'x' }, { sizes: { 'onnx/t.pb': [3 * MB, 3 * 1024] } });
    expect(codes(one)).toEqual(['W-ZIP-RATIO']);
    expect(levelOf('W-ZIP-RATIO')).toBe('warning');
    const big = wheel('b-1.0-py3-none-any.whl', { 'b/z.bin': 'x' }, { sizes: { 'b/z.bin': [80 * MB, MB] } });
    expect(codes(big)).toContain('W-ZIP-BOMB');
    expect(codes(big)).not.toContain('W-ZIP-RATIO');
    expect(levelOf('W-ZIP-BOMB')).toBe('error');
  });

  it('reports hex RECORD digests once, saying they are right', () => {
    const hex = (_p: string, d: string) => `sha256=${createHash('sha256').update(d).digest('hex')}`;
    const found = checkWheel(wheel('gmsh-1.0-py3-none-any.whl', { 'a.py': '1', 'b.py': '2', 'c.py': '3' }, { record: hex }), { releaseVersion: null, limits });
    expect(found.map((f) => f.code)).toEqual(['W-RECORD-ENCODING']);
    expect(found[0]!.message).toMatch(/^5 sha256 digest\(s\) are right but written in hex/);
    const wrong = checkWheel(wheel('w-1.0-py3-none-any.whl', { 'a.py': '1' }, { record: (p, d) => (p === 'a.py' ? `sha256=${digest('other')}` : `sha256=${digest(d)}`) }), { releaseVersion: null, limits });
    expect(wrong.map((f) => f.code)).toEqual(['W-RECORD-HASH']);
  });
});

describe('levels, --strict and verify.ignore', () => {
  const artifact = (codes: string[]): ArtifactResult => ({ filename: 'x-1.0-py3-none-any.whl', path: '/x', kind: 'wheel', sha256: '0'.repeat(64), size: 1, findings: withLevels(codes.map((code) => ({ code, message: code }))) });

  it('gives every code a level and a rule', () => {
    for (const [code, info] of Object.entries(CODES)) {
      expect(['error', 'warning'], code).toContain(levelOf(code));
      expect(info.rule.length, code).toBeGreaterThan(10);
    }
    expect(levelOf('W-DESCRIPTION-TYPE')).toBe('warning');
    expect(levelOf('W-MANYLINUX-LIB')).toBe('error');
    expect(levelOf('W-LOCAL-VERSION')).toBe('error');
  });

  it('fails on errors; on warnings only when strict', () => {
    const a = artifact(['W-DESCRIPTION-TYPE']);
    expect(codesOf(a)).toEqual([]);
    expect(warningCodesOf(a)).toEqual(['W-DESCRIPTION-TYPE']);
    expect(codesOf(a, true)).toEqual(['W-DESCRIPTION-TYPE']);
    expect(codesOf(artifact(['W-RECORD-HASH', 'W-PURELIB']))).toEqual(['W-RECORD-HASH']);
  });

  it('drops ignored codes and records the reason and the count', () => {
    const { artifacts, ignored } = applyIgnore([artifact(['W-RECORD-HASH', 'W-RECORD-HASH', 'W-PURELIB'])], new Map([['W-RECORD-HASH', 'vendored RECORD, fixed upstream']]));
    expect(artifacts[0]!.findings.map((f) => f.code)).toEqual(['W-PURELIB']);
    expect(ignored).toEqual([{ code: 'W-RECORD-HASH', reason: 'vendored RECORD, fixed upstream', count: 2 }]);
    const outcome: VerifyOutcome = { ok: true, version: '1.0', artifacts, set: null, ignored };
    expect(outcome.ignored![0]!.count).toBe(2);
  });
});
