import { describe, expect, it } from 'vitest';
import { findPolicy, manylinuxPolicies, musllinuxPolicies, parsePlatformTag } from '../../src/binary/index.js';
import manylinuxFile from '../../src/binary/data/manylinux-policy.json' with { type: 'json' };

function versions(policy: string, arch: string, prefix: string): string[] {
  const [major, minor] = policy.replace('manylinux_', '').split('_').map(Number);
  return findPolicy('manylinux', [major!, minor!])!.symbol_versions[arch]![prefix]!;
}

describe('auditwheel policy data (src/binary/data)', () => {
  it('records where it came from', () => {
    expect(manylinuxFile.source.repo).toBe('pypa/auditwheel');
    expect(manylinuxFile.source.path).toBe('src/auditwheel/policy/manylinux-policy.json');
    expect(manylinuxFile.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(manylinuxFile.source.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('has the policies the brief asks for, each with its legacy alias', () => {
    const names = manylinuxPolicies().map((p) => p.name);
    for (const n of ['manylinux_2_5', 'manylinux_2_12', 'manylinux_2_17', 'manylinux_2_24', 'manylinux_2_27', 'manylinux_2_28', 'manylinux_2_31', 'manylinux_2_34', 'manylinux_2_35', 'manylinux_2_36', 'manylinux_2_38', 'manylinux_2_39', 'manylinux_2_40', 'manylinux_2_41']) {
      expect(names).toContain(n);
    }
    expect(Object.fromEntries(manylinuxPolicies().filter((p) => p.aliases.length).map((p) => [p.name, p.aliases]))).toEqual({
      manylinux_2_5: ['manylinux1'],
      manylinux_2_12: ['manylinux2010'],
      manylinux_2_17: ['manylinux2014'],
    });
    expect(musllinuxPolicies().map((p) => [p.name, p.lib_whitelist])).toEqual([
      ['musllinux_1_1', ['libc.so', 'libz.so.1']],
      ['musllinux_1_2', ['libc.so', 'libz.so.1']],
    ]);
  });

  it('matches the PROTOCOLS §4.4 table of GLIBC lists that differ by arch', () => {
    expect(versions('manylinux_2_17', 'aarch64', 'GLIBC')).toEqual(['2.0', '2.17', '2.18']);
    expect(versions('manylinux_2_17', 'ppc64le', 'GLIBC')).toEqual(['2.0', '2.17']);
    expect(versions('manylinux_2_17', 'x86_64', 'GLIBC')[0]).toBe('2.2.5');
    expect(versions('manylinux_2_17', 'i686', 'GLIBC')[0]).toBe('2.0');
    expect(versions('manylinux_2_17', 's390x', 'GLIBC')[0]).toBe('2.2');
    expect(versions('manylinux_2_17', 'x86_64', 'GLIBC')).not.toContain('2.18');
  });

  it('matches the PROTOCOLS §4.4 table of highest nodes for manylinux_2_17 and manylinux_2_28', () => {
    expect(versions('manylinux_2_17', 'x86_64', 'GLIBCXX').at(-1)).toBe('3.4.19');
    expect(versions('manylinux_2_17', 'x86_64', 'CXXABI')).toEqual(expect.arrayContaining(['1.3.7', 'TM_1']));
    expect(versions('manylinux_2_17', 'x86_64', 'GCC').at(-1)).toBe('4.8.0');
    expect(versions('manylinux_2_17', 'aarch64', 'GCC').at(-1)).toBe('4.7.0');
    expect(versions('manylinux_2_17', 'x86_64', 'ZLIB').at(-1)).toBe('1.2.5.2');
    expect(versions('manylinux_2_17', 'x86_64', 'LIBATOMIC')).toEqual([]);
    expect(versions('manylinux_2_17', 'i686', 'LIBATOMIC')).toEqual(['1.0']);
    expect(versions('manylinux_2_17', 'ppc64le', 'GLIBCXX')).toEqual(expect.arrayContaining(['LDBL_3.4', 'LDBL_3.4.7', 'LDBL_3.4.10']));
    expect(versions('manylinux_2_28', 'x86_64', 'GLIBC').at(-1)).toBe('2.28');
    expect(versions('manylinux_2_28', 'x86_64', 'GLIBCXX').at(-1)).toBe('3.4.24');
    expect(versions('manylinux_2_28', 'x86_64', 'CXXABI')).toEqual(expect.arrayContaining(['1.3.11', 'FLOAT128', 'TM_1']));
    expect(versions('manylinux_2_28', 'aarch64', 'CXXABI')).not.toContain('FLOAT128');
    expect(versions('manylinux_2_28', 'x86_64', 'GCC').at(-1)).toBe('7.0.0');
    expect(versions('manylinux_2_28', 'x86_64', 'ZLIB').at(-1)).toBe('1.2.9');
    expect(versions('manylinux_2_28', 'x86_64', 'LIBATOMIC').at(-1)).toBe('1.2');
    expect(versions('manylinux_2_28', 'ppc64le', 'GLIBCXX')).toContain('LDBL_3.4.21');
  });

  it('keeps upstream quirks: no GLIBC_2.37 node on x86_64 (glibc 2.37 added no x86_64 symbols), ABI_DT_RELR from 2_36', () => {
    expect(versions('manylinux_2_38', 'x86_64', 'GLIBC').slice(-3)).toEqual(['2.36', '2.38', 'ABI_DT_RELR']);
    expect(versions('manylinux_2_38', 'i686', 'GLIBC')).toContain('2.37');
    expect(versions('manylinux_2_35', 'x86_64', 'GLIBC')).not.toContain('ABI_DT_RELR');
    expect(versions('manylinux_2_36', 'x86_64', 'GLIBC')).toContain('ABI_DT_RELR');
    expect(versions('manylinux_2_39', 'loongarch64', 'GLIBCXX').at(-1)).toBe('3.4.32');
    expect(versions('manylinux_2_41', 'x86_64', 'GLIBC').at(-2)).toBe('2.41');
  });

  it('adds libmvec.so.1 to the whitelist from manylinux_2_24 on', () => {
    expect(findPolicy('manylinux', [2, 17])!.lib_whitelist).not.toContain('libmvec.so.1');
    expect(findPolicy('manylinux', [2, 28])!.lib_whitelist).toContain('libmvec.so.1');
    expect(findPolicy('manylinux', [2, 17])!.lib_whitelist).toEqual(expect.arrayContaining(['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libgcc_s.so.1', 'libstdc++.so.6', 'libz.so.1', 'libexpat.so.1']));
  });

  it('every list in every policy is free of duplicates', () => {
    for (const p of manylinuxPolicies()) {
      for (const [arch, prefixes] of Object.entries(p.symbol_versions)) {
        for (const [prefix, list] of Object.entries(prefixes)) expect(new Set(list).size, `${p.name} ${arch} ${prefix}`).toBe(list.length);
      }
    }
  });
});

describe('parsePlatformTag', () => {
  it('maps legacy manylinux aliases to their glibc versions (PEP 600)', () => {
    expect(parsePlatformTag('manylinux1_x86_64')).toMatchObject({ kind: 'linux', libc: 'glibc', libcVersion: [2, 5], arch: 'x86_64' });
    expect(parsePlatformTag('manylinux2010_i686')).toMatchObject({ libcVersion: [2, 12], arch: 'i686' });
    expect(parsePlatformTag('manylinux2014_ppc64le')).toMatchObject({ libcVersion: [2, 17], arch: 'ppc64le' });
    expect(parsePlatformTag('musllinux_1_2_armv7l')).toMatchObject({ libc: 'musl', libcVersion: [1, 2], arch: 'armv7l' });
  });

  it('expands multi-arch macOS names', () => {
    expect(parsePlatformTag('macosx_10_9_universal2')).toMatchObject({ kind: 'macos', archs: ['arm64', 'x86_64'], version: [10, 9] });
    expect(parsePlatformTag('macosx_10_6_intel')).toMatchObject({ archs: ['i386', 'x86_64'] });
    expect(parsePlatformTag('macosx_11_0_arm64')).toMatchObject({ archs: ['arm64'], version: [11, 0] });
  });

  it('knows the Windows machines and leaves unknown platforms alone', () => {
    expect(parsePlatformTag('win_arm64')).toEqual({ kind: 'windows', tag: 'win_arm64', machine: 0xaa64 });
    expect(parsePlatformTag('pyemscripten_2024_0_wasm32')).toEqual({ kind: 'other', tag: 'pyemscripten_2024_0_wasm32' });
  });
});
