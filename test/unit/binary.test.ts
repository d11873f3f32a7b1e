import { beforeAll, describe, expect, it } from 'vitest';
import { checkBinary, readElf, readMachO, readPe } from '../../src/binary/index.js';
import { binaryToolsAvailable, ensureBinaryFixtures, fixture } from '../fixtures/binaries/fixtures.js';

const ok = binaryToolsAvailable();

/** The set of codes checkBinary reports for a fixture under the given tags. */
function codes(rel: string, tags: string[], options = {}): string[] {
  return [...new Set(checkBinary(`pkg/${rel}`, fixture(rel), tags, options).map((f) => f.code))].sort();
}

const M2014_X64 = ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'];

describe.skipIf(!ok)('checkBinary on real binaries built by test/fixtures/binaries/build.sh', () => {
  beforeAll(() => ensureBinaryFixtures());

  describe('glibc ELF: identity and manylinux symbol versions', () => {
    const cases: Array<[string, string[], string[]]> = [
      // file, tags, expected codes
      ['x86_64/old.so', M2014_X64, []],
      ['x86_64/old.so', ['manylinux1_x86_64'], []],
      ['x86_64/old.so', ['linux_x86_64'], []],
      ['x86_64/memcpy.so', ['manylinux_2_17_x86_64'], []],
      ['x86_64/memcpy.so', ['manylinux2010_x86_64'], ['W-MANYLINUX-SYMBOL']],
      ['x86_64/new.so', M2014_X64, ['W-MANYLINUX-SYMBOL']],
      ['x86_64/new.so', ['manylinux_2_31_x86_64'], ['W-MANYLINUX-SYMBOL']],
      ['x86_64/new.so', ['manylinux_2_34_x86_64'], []],
      ['x86_64/new.so', ['manylinux_2_39_x86_64'], []],
      ['x86_64/new.so', ['manylinux_2_17_aarch64'], ['W-BIN-ARCH']],
      ['x86_64/old.so', ['manylinux2014_i686'], ['W-BIN-ARCH']],
      ['x86_64/cxx.so', ['manylinux_2_24_x86_64'], []],
      ['x86_64/cxx.so', M2014_X64, ['W-MANYLINUX-SYMBOL']],
      ['i686/old.so', ['manylinux1_i686'], []],
      ['i686/new.so', ['manylinux2014_i686'], ['W-MANYLINUX-SYMBOL']],
      ['i686/new.so', ['manylinux_2_34_i686'], []],
      ['i686/old.so', M2014_X64, ['W-BIN-ARCH']],
      ['aarch64/old.so', ['manylinux2014_aarch64'], []],
      ['aarch64/new.so', ['manylinux2014_aarch64'], ['W-MANYLINUX-SYMBOL']],
      ['aarch64/new.so', ['manylinux_2_34_aarch64'], []],
      ['aarch64/old.so', M2014_X64, ['W-BIN-ARCH']],
      ['ppc64le/old.so', ['manylinux2014_ppc64le'], []],
      ['ppc64le/new.so', ['manylinux_2_28_ppc64le'], ['W-MANYLINUX-SYMBOL']],
      ['ppc64le/new.so', ['manylinux_2_34_ppc64le'], []],
      ['ppc64le/old.so', ['manylinux2014_ppc64'], ['W-BIN-ENDIAN']],
    ];
    it.each(cases)('%s under %j gives %j', (file, tags, expected) => {
      expect(codes(file, tags)).toEqual(expected);
    });

    it('reports a too-new version once for manylinux_2_17 + manylinux2014, naming the version, the entry and both tags', () => {
      const findings = checkBinary('pkg/_new.so', fixture('x86_64/new.so'), M2014_X64);
      expect(findings).toHaveLength(1);
      expect(findings[0]!.message).toContain('`pkg/_new.so`');
      expect(findings[0]!.message).toContain('GLIBC_2.34');
      expect(findings[0]!.message).toContain('manylinux_2_17');
      expect(findings[0]!.message).not.toContain('GLIBC_2.2.5');
    });

    it('checks libstdc++ version nodes (GLIBCXX, CXXABI) by prefix, as auditwheel does', () => {
      const messages = checkBinary('c.so', fixture('x86_64/cxx.so'), M2014_X64).map((f) => f.message);
      expect(messages.some((m) => m.includes('GLIBCXX_3.4.21'))).toBe(true);
      expect(messages.some((m) => m.includes('CXXABI_1.3.9'))).toBe(true);
      expect(messages).toHaveLength(2);
    });

    it('tests membership, not the maximum: GLIBC_2.14 is under 2.17 but still fails manylinux2010', () => {
      const [finding] = checkBinary('m.so', fixture('x86_64/memcpy.so'), ['manylinux2010_x86_64']);
      expect(finding?.message).toContain('GLIBC_2.14');
    });
  });

  it('reads DT_NEEDED and .gnu.version_r through PT_DYNAMIC when the section headers are gone', () => {
    for (const file of ['x86_64/new.so', 'i686/new.so', 'aarch64/old.so', 'x86_64/needs_foo.so']) {
      const bytes = fixture(file);
      const stripped = bytes.slice();
      const view = new DataView(stripped.buffer);
      const is64 = stripped[4] === 2;
      // e_shoff = 0 and e_shnum = 0, as sstrip leaves a file.
      if (is64) view.setBigUint64(40, 0n, true);
      else view.setUint32(32, 0, true);
      view.setUint16(is64 ? 60 : 48, 0, true);
      const whole = readElf(bytes);
      const bare = readElf(stripped);
      expect(bare.needed, file).toEqual(whole.needed);
      expect(bare.versionNeeds, file).toEqual(whole.versionNeeds);
      expect(whole.needed.length, file).toBeGreaterThan(0);
      if (file === 'x86_64/new.so') expect(checkBinary(file, stripped, M2014_X64).map((f) => f.code)).toEqual(['W-MANYLINUX-SYMBOL']);
    }
  });

  describe('libraries and blacklisted symbols', () => {
    it('flags a DT_NEEDED outside the whitelist, unless the wheel bundles it', () => {
      expect(codes('x86_64/needs_foo.so', M2014_X64)).toEqual(['W-MANYLINUX-LIB']);
      expect(checkBinary('n.so', fixture('x86_64/needs_foo.so'), M2014_X64)[0]!.message).toContain('libfoo.so.1');
      expect(codes('x86_64/needs_foo.so', M2014_X64, { bundledLibraries: ['libfoo.so.1'] })).toEqual([]);
    });

    it('does not count the dynamic loader in DT_NEEDED as an external library, as auditwheel does not', () => {
      expect(readElf(fixture('x86_64/needs_loader.so')).needed).toContain('ld-linux-x86-64.so.2');
      expect(codes('x86_64/needs_loader.so', M2014_X64)).toEqual([]);
      expect(codes('x86_64/needs_loader.so', ['manylinux_2_28_x86_64'])).toEqual([]);
    });

    it('flags uncompress2 from libz.so.1 where the policy blacklists it, and not where it does not', () => {
      expect(codes('x86_64/uses_zlib.so', ['manylinux_2_28_x86_64'])).toEqual(['W-MANYLINUX-BLACKLIST']);
      expect(codes('x86_64/uses_zlib.so', ['manylinux_2_34_x86_64'])).toEqual([]);
      // manylinux2014 allows zlib symbol versions only up to ZLIB_1.2.5.2: two separate defects.
      expect(codes('x86_64/uses_zlib.so', M2014_X64)).toEqual(['W-MANYLINUX-BLACKLIST', 'W-MANYLINUX-SYMBOL']);
      // a bundled libz.so.1 is not a system library, so its blacklist does not apply; but, as in auditwheel,
      // the version nodes needed from it still count.
      expect(codes('x86_64/uses_zlib.so', M2014_X64, { bundledLibraries: ['libz.so.1'] })).toEqual(['W-MANYLINUX-SYMBOL']);
      expect(codes('x86_64/uses_zlib.so', ['manylinux_2_28_x86_64'], { bundledLibraries: ['libz.so.1'] })).toEqual([]);
    });
  });

  describe('musl versus glibc', () => {
    it('accepts a musl-gcc shared object under musllinux and rejects it under manylinux', () => {
      expect(codes('musl/old.so', ['musllinux_1_1_x86_64'])).toEqual([]);
      expect(codes('musl/old.so', M2014_X64)).toEqual(['W-GLIBC-ON-MUSL']);
    });

    it('applies the musllinux library whitelist and blacklist', () => {
      expect(codes('musl/needs_foo.so', ['musllinux_1_2_x86_64'])).toEqual(['W-MUSLLINUX-LIB']);
      expect(codes('musl/needs_foo.so', ['musllinux_1_2_x86_64'], { bundledLibraries: ['libfoo.so.1'] })).toEqual([]);
      expect(codes('musl/uses_zlib.so', ['musllinux_1_1_x86_64'])).toEqual(['W-MUSLLINUX-BLACKLIST']);
    });

    it('recognises a musl binary by its PT_INTERP', () => {
      expect(readElf(fixture('musl/main')).interpreter).toBe('/lib/ld-musl-x86_64.so.1');
      expect(codes('musl/main', ['manylinux_2_28_x86_64'])).toEqual(['W-GLIBC-ON-MUSL']);
    });

    it('rejects a glibc binary under a musllinux tag', () => {
      expect(codes('x86_64/old.so', ['musllinux_1_2_x86_64'])).toEqual(['W-MUSL-ON-GLIBC']);
      expect(codes('aarch64/old.so', ['musllinux_1_2_aarch64'])).toEqual(['W-MUSL-ON-GLIBC']);
    });
  });

  describe('ELF class, byte order and ARM float ABI', () => {
    const cases: Array<[string, string[], string[]]> = [
      ['other/ppc64.so', ['manylinux2014_ppc64'], []],
      ['other/ppc64.so', ['manylinux2014_ppc64le'], ['W-BIN-ENDIAN']],
      ['other/s390x.o', ['manylinux2014_s390x'], []],
      ['other/s390x.o', ['manylinux2014_ppc64'], ['W-BIN-ARCH']],
      ['other/armv7l_hard.so', ['manylinux2014_armv7l'], []],
      ['other/armv7l_soft.so', ['manylinux2014_armv7l'], ['W-BIN-ARCH']],
      ['other/armv7l_soft.so', ['linux_armv6l'], []],
      ['other/riscv64.so', ['manylinux_2_31_riscv64'], []],
      ['other/riscv64.so', ['manylinux_2_31_aarch64'], ['W-BIN-ARCH']],
      ['other/x32.o', M2014_X64, ['W-BIN-ELFCLASS']],
      ['other/x32.o', ['manylinux2014_i686'], ['W-BIN-ARCH']],
    ];
    it.each(cases)('%s under %j gives %j', (file, tags, expected) => {
      expect(codes(file, tags)).toEqual(expected);
    });

    it('reads the armv7 e_flags the linker set (EABI5 + hard-float vs soft-float)', () => {
      expect(readElf(fixture('other/armv7l_hard.so')).flags).toBe(0x05000400);
      expect(readElf(fixture('other/armv7l_soft.so')).flags).toBe(0x05000200);
    });
  });

  describe('Mach-O thin and fat', () => {
    const cases: Array<[string, string[], string[]]> = [
      ['macos/x86_64_10_13.dylib', ['macosx_10_13_x86_64'], []],
      ['macos/x86_64_10_13.dylib', ['macosx_10_9_x86_64'], ['W-MACOS-MINOS']],
      ['macos/x86_64_10_13.dylib', ['macosx_11_0_arm64'], ['W-BIN-ARCH']],
      ['macos/x86_64_10_13.dylib', ['macosx_10_13_universal2'], ['W-MACOS-ARCHS']],
      ['macos/x86_64_10_15.dylib', ['macosx_10_15_x86_64'], []],
      ['macos/x86_64_10_15.dylib', ['macosx_10_14_x86_64'], ['W-MACOS-MINOS']],
      // wheel writes 12.3 as macosx_12_0: for macOS 11+ only the major counts.
      ['macos/x86_64_12_3.dylib', ['macosx_12_0_x86_64'], []],
      ['macos/x86_64_12_3.dylib', ['macosx_11_0_x86_64'], ['W-MACOS-MINOS']],
      ['macos/arm64_11_0.dylib', ['macosx_11_0_arm64'], []],
      ['macos/arm64_11_0.dylib', ['macosx_10_9_arm64'], ['W-MACOS-MINOS']],
      ['macos/x86_64_10_14.o', ['macosx_10_14_x86_64'], []],
      ['macos/x86_64_10_14.o', ['macosx_10_13_x86_64'], ['W-MACOS-MINOS']],
      // fat: the arm64 slice at exactly 11.0 is ignored, so 10.13 decides.
      ['macos/universal2_10_13.so', ['macosx_10_13_universal2'], []],
      ['macos/universal2_10_13.so', ['macosx_10_12_universal2'], ['W-MACOS-MINOS']],
      ['macos/universal2_10_13.so', ['macosx_10_13_x86_64'], ['W-MACOS-ARCHS']],
      ['macos/universal2_10_13.so', ['macosx_10_13_intel'], ['W-MACOS-ARCHS']],
      // a wheel tagged for both thin archs promises both, like universal2; each tag's minimum applies to its own slice.
      ['macos/universal2_10_13.so', ['macosx_10_13_x86_64', 'macosx_11_0_arm64'], []],
      ['macos/universal2_10_15_arm64_12.so', ['macosx_10_15_x86_64', 'macosx_12_0_arm64'], []],
      ['macos/universal2_10_15_arm64_12.so', ['macosx_10_15_x86_64', 'macosx_11_0_arm64'], ['W-MACOS-MINOS']],
      ['macos/x86_64_10_13.dylib', ['macosx_10_13_x86_64', 'macosx_11_0_arm64'], ['W-MACOS-ARCHS']],
      // an arm64 slice above 11.0 does count.
      ['macos/universal2_10_15_arm64_12.so', ['macosx_10_15_universal2'], ['W-MACOS-MINOS']],
      ['macos/universal2_10_15_arm64_12.so', ['macosx_12_0_universal2'], []],
      ['macos/arm64_12_0.dylib', M2014_X64, ['W-BIN-ARCH']],
      // an iOS build (LC_BUILD_VERSION platform 2) is not a macOS binary, whatever its arch.
      ['macos/ios_arm64_14.dylib', ['macosx_11_0_arm64'], ['W-BIN-ARCH']],
      ['macos/ios_arm64_14.dylib', ['ios_14_0_arm64_iphoneos'], []],
      ['macos/ios_arm64_14.dylib', ['ios_14_0_arm64_iphonesimulator'], ['W-BIN-ARCH']],
      ['macos/arm64_11_0.dylib', ['ios_14_0_arm64_iphoneos'], ['W-BIN-ARCH']],
    ];
    it.each(cases)('%s under %j gives %j', (file, tags, expected) => {
      expect(codes(file, tags)).toEqual(expected);
    });

    it('reports a missing slice once for a wheel tagged with two thin macOS tags', () => {
      const findings = checkBinary('t.so', fixture('macos/x86_64_10_13.dylib'), ['macosx_10_13_x86_64', 'macosx_11_0_arm64']);
      expect(findings).toHaveLength(1);
      expect(findings[0]!.message).toContain('arm64 + x86_64');
    });

    it('reads a 64-bit fat header (0xCAFEBABF) like the 32-bit one', () => {
      const fat = fixture('macos/universal2_10_13.so');
      const src = new DataView(fat.buffer, fat.byteOffset);
      const wide = fat.slice();
      const dst = new DataView(wide.buffer);
      const n = src.getUint32(4);
      dst.setUint32(0, 0xcafebabf);
      for (let i = n - 1; i >= 0; i--) {
        const [cpu, sub, offset, size, align] = [0, 4, 8, 12, 16].map((k) => src.getUint32(8 + i * 20 + k));
        const at = 8 + i * 32;
        dst.setUint32(at, cpu!);
        dst.setUint32(at + 4, sub!);
        dst.setBigUint64(at + 8, BigInt(offset!));
        dst.setBigUint64(at + 16, BigInt(size!));
        dst.setUint32(at + 24, align!);
        dst.setUint32(at + 28, 0);
      }
      expect(readMachO(wide).slices).toEqual(readMachO(fat).slices);
      expect(checkBinary('w.so', wide, ['macosx_10_13_universal2'])).toEqual([]);
    });

    it('reads LC_VERSION_MIN_MACOSX, LC_BUILD_VERSION and both fat slices', () => {
      expect(readMachO(fixture('macos/x86_64_10_13.dylib')).slices.map((s) => [s.arch, s.minos])).toEqual([['x86_64', [10, 13, 0]]]);
      expect(readMachO(fixture('macos/x86_64_12_3.dylib')).slices.map((s) => [s.arch, s.minos])).toEqual([['x86_64', [12, 3, 0]]]);
      const fat = readMachO(fixture('macos/universal2_10_13.so'));
      expect(fat.fat).toBe(true);
      expect(fat.slices.map((s) => [s.arch, s.minos])).toEqual([
        ['x86_64', [10, 13, 0]],
        ['arm64', [11, 0, 0]],
      ]);
    });
  });

  describe('PE', () => {
    const cases: Array<[string, string[], string[]]> = [
      ['win/amd64.pyd', ['win_amd64'], []],
      ['win/amd64.pyd', ['win32'], ['W-PE-MACHINE']],
      ['win/amd64.pyd', ['win_arm64'], ['W-PE-MACHINE']],
      ['win/win32.pyd', ['win32'], []],
      ['win/win32.pyd', ['win_amd64'], ['W-PE-MACHINE']],
      ['win/arm64.dll', ['win_arm64'], []],
      ['win/arm64.dll', ['win_amd64'], ['W-PE-MACHINE']],
      ['win/amd64.pyd', M2014_X64, ['W-BIN-ARCH']],
    ];
    it.each(cases)('%s under %j gives %j', (file, tags, expected) => {
      expect(codes(file, tags)).toEqual(expected);
    });

    it('reads the COFF Machine field', () => {
      expect(readPe(fixture('win/amd64.pyd')).machine).toBe(0x8664);
      expect(readPe(fixture('win/win32.pyd')).machine).toBe(0x14c);
      expect(readPe(fixture('win/arm64.dll')).machine).toBe(0xaa64);
    });
  });

  it('reports any binary in a wheel tagged `any`', () => {
    for (const file of ['x86_64/old.so', 'macos/arm64_11_0.dylib', 'win/amd64.pyd']) {
      expect(codes(file, ['any'])).toEqual(['W-BIN-IN-PURE']);
    }
  });
});
