import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readElf, readMachO } from '../../src/binary/index.js';
import { hasCommand, requireTools } from '../helpers/tools.js';
import { binaryToolsAvailable, ensureBinaryFixtures, fixture, FIXTURE_DIR } from '../fixtures/binaries/fixtures.js';

/** llvm-otool lives in the versioned LLVM directory on Debian. */
function llvmTool(name: string): string | null {
  if (hasCommand(name)) return name;
  const dir = readdirSync('/usr/lib').filter((d) => d.startsWith('llvm-')).sort().reverse().map((d) => join('/usr/lib', d, 'bin', name)).find((p) => hasCommand(p));
  return dir ?? null;
}

const otool = llvmTool('llvm-otool');
const ok = binaryToolsAvailable() && requireTools('binary readers vs binutils/LLVM', [['readelf', hasCommand('readelf')], ['llvm-otool', otool !== null]]);

const ELF_FILES = [
  'x86_64/old.so', 'x86_64/new.so', 'x86_64/memcpy.so', 'x86_64/needs_foo.so', 'x86_64/uses_zlib.so',
  'i686/old.so', 'i686/new.so', 'aarch64/old.so', 'aarch64/new.so', 'ppc64le/old.so', 'ppc64le/new.so',
  'musl/old.so', 'musl/main', 'other/ppc64.so', 'other/s390x.o', 'other/armv7l_hard.so', 'other/riscv64.so', 'other/x32.o',
];
const MACHO_FILES = ['macos/x86_64_10_13.dylib', 'macos/x86_64_10_15.dylib', 'macos/x86_64_12_3.dylib', 'macos/arm64_11_0.dylib', 'macos/x86_64_10_14.o'];

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

/** What GNU readelf says about the same file, in ElfInfo's shape. */
function readelfView(path: string) {
  const header = run('readelf', ['-h', '-W', path]);
  const dynamic = run('readelf', ['-d', '-W', path]);
  const versions = run('readelf', ['-V', '-W', path]);
  const segments = run('readelf', ['-l', '-W', path]);
  const needs: Array<{ file: string; versions: string[] }> = [];
  for (const line of versions.split('\n')) {
    const file = /File: (\S+)\s+Cnt:/.exec(line);
    if (file) needs.push({ file: file[1]!, versions: [] });
    const name = /^\s+0x[0-9a-f]+:\s+Name: (\S+)/.exec(line);
    if (name && needs.length) needs.at(-1)!.versions.push(name[1]!);
  }
  return {
    elfClass: /Class:\s+ELF(32|64)/.exec(header)![1] === '64' ? 64 : 32,
    littleEndian: /little endian/.test(header),
    flags: Number(/Flags:\s+(0x[0-9a-f]+)/.exec(header)![1]),
    needed: [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
    versionNeeds: needs,
    interpreter: /Requesting program interpreter: ([^\]]+)\]/.exec(segments)?.[1] ?? null,
  };
}

describe.skipIf(!ok)('readers agree with readelf and llvm-otool on the real fixtures', () => {
  beforeAll(() => ensureBinaryFixtures());

  it.each(ELF_FILES)('readElf(%s) matches readelf -h -d -V -l', (file) => {
    const ours = readElf(fixture(file));
    const { elfClass, littleEndian, flags, needed, versionNeeds, interpreter } = ours;
    expect({ elfClass, littleEndian, flags, needed, versionNeeds, interpreter }).toEqual(readelfView(join(FIXTURE_DIR, file)));
  });

  it.each(MACHO_FILES)('readMachO(%s) minos matches llvm-otool -l', (file) => {
    const text = run(otool!, ['-l', join(FIXTURE_DIR, file)]);
    const m = /cmd LC_BUILD_VERSION[\s\S]*?minos (\d+)\.(\d+)(?:\.(\d+))?/.exec(text) ?? /cmd LC_VERSION_MIN_MACOSX[\s\S]*?version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
    expect(m, text).not.toBeNull();
    const [slice] = readMachO(fixture(file)).slices;
    expect(slice!.minos).toEqual([Number(m![1]), Number(m![2]), Number(m![3] ?? 0)]);
  });
});
