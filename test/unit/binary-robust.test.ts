import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBinary, sniffBinary } from '../../src/binary/index.js';
import { binaryToolsAvailable, ensureBinaryFixtures, fixture, FIXTURE_DIR } from '../fixtures/binaries/fixtures.js';
import { rng } from '../helpers/rng.js';

const KNOWN_CODES = new Set([
  'W-BIN-ARCH',
  'W-BIN-ELFCLASS',
  'W-BIN-ENDIAN',
  'W-BIN-CORRUPT',
  'W-BIN-IN-PURE',
  'W-MANYLINUX-SYMBOL',
  'W-MANYLINUX-LIB',
  'W-MANYLINUX-BLACKLIST',
  'W-MUSLLINUX-LIB',
  'W-MUSLLINUX-BLACKLIST',
  'W-MUSL-ON-GLIBC',
  'W-GLIBC-ON-MUSL',
  'W-MACOS-MINOS',
  'W-MACOS-ARCHS',
  'W-PE-MACHINE',
]);


const TAG_SETS = [['manylinux_2_17_x86_64', 'manylinux2014_x86_64'], ['musllinux_1_2_aarch64'], ['macosx_10_13_universal2'], ['win_amd64'], ['any']];

function checkSafely(name: string, bytes: Uint8Array): void {
  for (const tags of TAG_SETS) {
    let findings: ReturnType<typeof checkBinary> = [];
    expect(() => (findings = checkBinary(name, bytes, tags)), `${name} (${bytes.length} bytes) under ${tags.join('.')}`).not.toThrow();
    for (const f of findings) {
      expect(KNOWN_CODES.has(f.code), f.code).toBe(true);
      expect(f.message.startsWith(`\`${name}\``), f.message).toBe(true);
    }
  }
}

describe('sniffBinary', () => {
  it('recognises the three magics and nothing else', () => {
    expect(sniffBinary(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))).toBe('elf');
    expect(sniffBinary(Uint8Array.from([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]))).toBe('macho');
    expect(sniffBinary(Uint8Array.from([0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 18]))).toBe('macho');
    expect(sniffBinary(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]))).toBe('macho');
    expect(sniffBinary(Uint8Array.from([0x4d, 0x5a, 0x90, 0]))).toBe('pe');
    expect(sniffBinary(new TextEncoder().encode('#!/usr/bin/env python\n'))).toBeNull();
    expect(sniffBinary(new Uint8Array(0))).toBeNull();
    expect(sniffBinary(Uint8Array.from([0x7f, 0x45]))).toBeNull();
  });

  it('does not take a Java class file (0xCAFEBABE + class version) for a fat Mach-O', () => {
    const javaClass = Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41]);
    expect(sniffBinary(javaClass)).toBeNull();
    expect(checkBinary('pkg/Foo.class', javaClass, ['any'])).toEqual([]);
  });
});

describe('malformed input', () => {
  it('reports a shared-library name whose content is not a binary', () => {
    const text = new TextEncoder().encode('/* GNU ld script */\nGROUP ( libc.so.6 )\n');
    expect(checkBinary('pkg/libc.so', text, ['manylinux2014_x86_64']).map((f) => f.code)).toEqual(['W-BIN-CORRUPT']);
    expect(checkBinary('pkg/_x.pyd', new Uint8Array(0), ['win_amd64']).map((f) => f.code)).toEqual(['W-BIN-CORRUPT']);
    expect(checkBinary('pkg/data.txt', text, ['any'])).toEqual([]);
  });

  it('ignores a data file that merely starts with "MZ", but not a .pyd that does', () => {
    const mz = new TextEncoder().encode('MZ is not a PE here');
    expect(checkBinary('pkg/data.bin', mz, ['win_amd64'])).toEqual([]);
    expect(checkBinary('pkg/_x.pyd', mz, ['win_amd64']).map((f) => f.code)).toEqual(['W-BIN-CORRUPT']);
  });

  it('reports garbage behind each magic as W-BIN-CORRUPT without throwing', () => {
    const next = rng(7);
    const magics = [
      [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1],
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2],
      [0x4d, 0x5a],
    ];
    for (const magic of magics) {
      for (let i = 0; i < 100; i++) {
        const bytes = new Uint8Array(Math.floor(next() * 300));
        for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(next() * 256);
        bytes.set(magic.slice(0, bytes.length));
        checkSafely('pkg/_garbage.so', bytes);
      }
    }
  });
});

const ok = binaryToolsAvailable();

describe.skipIf(!ok)('fuzzing the real fixtures', () => {
  let files: string[] = [];
  beforeAll(() => {
    ensureBinaryFixtures();
    files = readdirSync(FIXTURE_DIR, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && !d.name.startsWith('.'))
      .map((d) => relative(FIXTURE_DIR, join(d.parentPath, d.name)))
      .sort();
  });

  it('a header cut short is W-BIN-CORRUPT for every format', () => {
    for (const [file, cut] of [
      ['x86_64/old.so', 40],
      ['x86_64/new.so', 2000],
      ['macos/x86_64_10_13.dylib', 20],
      ['macos/universal2_10_13.so', 4096 + 100],
      ['win/amd64.pyd', 70],
    ] as const) {
      const findings = checkBinary(`pkg/${file}`, fixture(file).subarray(0, cut), ['any']);
      expect(findings.map((f) => f.code), `${file} cut at ${cut}`).toEqual(['W-BIN-CORRUPT']);
    }
  });

  it('never throws on random truncations and byte flips of every fixture', () => {
    expect(files.length).toBeGreaterThan(25);
    const next = rng(2026);
    for (const file of files) {
      const whole = fixture(file);
      for (let i = 0; i < 30; i++) checkSafely(`pkg/${file}`, whole.subarray(0, Math.floor(next() * whole.length)));
      for (let i = 0; i < 30; i++) {
        const copy = whole.slice();
        const flips = 1 + Math.floor(next() * 8);
        for (let k = 0; k < flips; k++) copy[Math.floor(next() * Math.min(copy.length, 8192))] = Math.floor(next() * 256);
        checkSafely(`pkg/${file}`, copy);
      }
    }
  });
});
