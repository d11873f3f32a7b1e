// A binary too large to hold (a 400 MB libtorch) is checked from the ranges its headers point at, collected
// while it streams past. Here every real fixture binary takes that path (nothing kept ahead but the first
// 4 KiB) and must get exactly the findings it gets when held whole; and a real library grown past 40 MB with
// an over-1 MiB .dynstr (as patchelf leaves torch's) is checked from a few KiB of names, in one pass or two
// depending on where its section headers sit.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScanTask, scanTestSeam, type WheelShardResult } from '../../src/verify/scan.js';
import { binaryToolsAvailable, ensureBinaryFixtures, fixture, FIXTURE_DIR } from '../fixtures/binaries/fixtures.js';
import { writeZip } from '../fixtures/broken/zip-writer.js';

const TAGS: Record<string, string[]> = {
  x86_64: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'],
  i686: ['manylinux_2_17_i686'],
  aarch64: ['manylinux_2_28_aarch64'],
  ppc64le: ['manylinux_2_17_ppc64le'],
  other: ['manylinux_2_17_x86_64'],
  musl: ['musllinux_1_2_x86_64'],
  macos: ['macosx_11_0_universal2', 'macosx_11_0_arm64', 'macosx_11_0_x86_64'],
  win: ['win_amd64'],
};
const MB = 1024 * 1024;
const DEFAULTS = { wholeMax: 8 * MB, head: 8 * MB, maxRefetch: 4 };

const available = binaryToolsAvailable();
const dir = mkdtempSync(path.join(tmpdir(), 'ww-sparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scanEntries(label: string, entries: Array<{ name: string; data: Uint8Array }>, tags: string[]): Promise<WheelShardResult> {
  const file = path.join(dir, `${label}.whl`);
  writeFileSync(file, writeZip(entries.map((e) => ({ name: e.name, data: Buffer.from(e.data) }))));
  return (await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: tags, pure: false })) as WheelShardResult;
}

function scan(arch: string): Promise<WheelShardResult> {
  const names = readdirSync(path.join(FIXTURE_DIR, arch));
  return scanEntries(arch, names.map((n) => ({ name: `pkg/${n}`, data: fixture(`${arch}/${n}`) })), TAGS[arch]!);
}

async function withKeep<T>(opts: Partial<typeof DEFAULTS>, run: () => Promise<T>): Promise<T> {
  scanTestSeam.setBinaryKeep(opts);
  try {
    return await run();
  } finally {
    scanTestSeam.setBinaryKeep(DEFAULTS);
  }
}

/**
 * A 64-bit little-endian ELF file grown as patchelf grows one: `pad` bytes of zeros after it, then a new
 * .dynstr (the old one and `extra` bytes of other names) and the section headers, pointed at the new copies,
 * in the order asked. The old tables stay where they were; readElf reads the section headers.
 */
function grownElf(original: Uint8Array, pad: number, extra: number, order: 'strings-first' | 'headers-first'): Uint8Array {
  const src = Buffer.from(original);
  const shoff = Number(src.readBigUInt64LE(40));
  const shentsize = src.readUInt16LE(58);
  const shnum = src.readUInt16LE(60);
  const headers = Buffer.from(src.subarray(shoff, shoff + shnum * shentsize));
  const dynsym = Array.from({ length: shnum }, (_, i) => i).find((i) => headers.readUInt32LE(i * shentsize + 4) === 11)!;
  const strIndex = headers.readUInt32LE(dynsym * shentsize + 40);
  const strAt = strIndex * shentsize;
  const oldStrings = src.subarray(Number(headers.readBigUInt64LE(strAt + 24)), Number(headers.readBigUInt64LE(strAt + 24) + headers.readBigUInt64LE(strAt + 32)));
  const filler = Buffer.alloc(extra, 'a');
  for (let i = 63; i < extra; i += 64) filler[i] = 0;
  const strings = Buffer.concat([oldStrings, filler]);
  const base = src.length + pad;
  const stringsAt = order === 'strings-first' ? base : base + headers.length;
  const headersAt = order === 'strings-first' ? base + strings.length : base;
  headers.writeBigUInt64LE(BigInt(stringsAt), strAt + 24);
  headers.writeBigUInt64LE(BigInt(strings.length), strAt + 32);
  const head = Buffer.from(src);
  head.writeBigUInt64LE(BigInt(headersAt), 40);
  const tail = order === 'strings-first' ? [strings, headers] : [headers, strings];
  return Buffer.concat([head, Buffer.alloc(pad), ...tail]);
}

describe.skipIf(!available)('binaries checked from ranges instead of whole', () => {
  beforeAll(() => ensureBinaryFixtures(), 300_000);

  it.each(Object.keys(TAGS))('%s: the same findings from the ranges the headers point at', async (arch) => {
    const whole = await scan(arch);
    expect(whole.errors).toEqual([]);
    const before = { ...scanTestSeam.binaryStats };
    const sparse = await withKeep({ wholeMax: 0, head: 0, maxRefetch: 100 }, () => scan(arch));
    expect(sparse.errors).toEqual([]);
    expect(sparse.binaries).toEqual(whole.binaries);
    expect(sparse.misnamed).toEqual(whole.misnamed);
    expect(scanTestSeam.binaryStats.sparse - before.sparse).toBe(whole.binaries.length);
    expect(scanTestSeam.binaryStats.wholeFallbacks).toBe(before.wholeFallbacks);
    expect(whole.binaries.length).toBeGreaterThan(0);
  });

  describe('a 40 MB library whose .dynstr (2 MiB) was moved to the end', () => {
    const tags = ['manylinux_2_28_x86_64'];
    const name = 'pkg/_big.so';
    const grown = (order: 'strings-first' | 'headers-first') => grownElf(fixture('x86_64/uses_zlib.so'), 40 * MB, 2 * MB, order);

    it('headers before the strings: one pass, keeping the head and a few bytes of each name', async () => {
      const data = grown('headers-first');
      const whole = await withKeep({ wholeMax: 64 * MB }, () => scanEntries('whole-a', [{ name, data }], tags));
      expect(whole.binaries[0]!.findings.map((f) => f.code)).toContain('W-MANYLINUX-BLACKLIST');
      const before = { ...scanTestSeam.binaryStats, maxKept: 0 };
      Object.assign(scanTestSeam.binaryStats, { maxKept: 0 });
      const sparse = await withKeep({ head: 64 * 1024 }, () => scanEntries('sparse-a', [{ name, data }], tags));
      expect(sparse.errors).toEqual([]);
      expect(sparse.binaries).toEqual(whole.binaries);
      expect(scanTestSeam.binaryStats.refetches).toBe(before.refetches);
      // 64 KiB of head, the section headers and the names the tables point at: not the 2 MiB .dynstr.
      expect(scanTestSeam.binaryStats.maxKept).toBeLessThan(96 * 1024);
    });

    it('strings before the headers: a second pass keeps only the wanted ranges', async () => {
      const data = grown('strings-first');
      const whole = await withKeep({ wholeMax: 64 * MB }, () => scanEntries('whole-b', [{ name, data }], tags));
      const before = { ...scanTestSeam.binaryStats };
      Object.assign(scanTestSeam.binaryStats, { maxKept: 0 });
      const sparse = await withKeep({ head: 64 * 1024 }, () => scanEntries('sparse-b', [{ name, data }], tags));
      expect(sparse.binaries).toEqual(whole.binaries);
      expect(scanTestSeam.binaryStats.refetches).toBe(before.refetches + 1);
      expect(scanTestSeam.binaryStats.wholeFallbacks).toBe(before.wholeFallbacks);
      expect(scanTestSeam.binaryStats.maxKept).toBeLessThan(96 * 1024);
    });

    it('is read whole only past maxRefetch passes, with the same findings', async () => {
      const data = grown('strings-first');
      const whole = await withKeep({ wholeMax: 64 * MB }, () => scanEntries('whole-c', [{ name, data }], tags));
      const before = { ...scanTestSeam.binaryStats };
      const fallback = await withKeep({ head: 64 * 1024, maxRefetch: 0 }, () => scanEntries('fallback', [{ name, data }], tags));
      expect(fallback.binaries).toEqual(whole.binaries);
      expect(scanTestSeam.binaryStats.wholeFallbacks).toBe(before.wholeFallbacks + 1);
    });
  });
});
