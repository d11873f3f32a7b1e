// A binary too large to hold (a 400 MB libtorch) is checked from the ranges its headers point at. Here
// every real fixture binary takes that path (keep 64 bytes at each end, fetch the rest as the checks ask)
// and must get exactly the findings it gets when held whole.
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
const DEFAULTS = { wholeMax: 32 * 1024 * 1024, head: 16 * 1024 * 1024, tail: 1024 * 1024, maxRefetch: 4 };

const available = binaryToolsAvailable();
const dir = mkdtempSync(path.join(tmpdir(), 'ww-sparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scan(arch: string): Promise<WheelShardResult> {
  const names = readdirSync(path.join(FIXTURE_DIR, arch));
  const file = path.join(dir, `${arch}.whl`);
  writeFileSync(file, writeZip(names.map((n) => ({ name: `pkg/${n}`, data: Buffer.from(fixture(`${arch}/${n}`)) }))));
  return (await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: TAGS[arch]!, pure: false })) as WheelShardResult;
}

describe.skipIf(!available)('binaries checked from ranges instead of whole', () => {
  beforeAll(() => ensureBinaryFixtures(), 300_000);

  it.each(Object.keys(TAGS))('%s: the same findings, every byte fetched as a range', async (arch) => {
    const whole = await scan(arch);
    expect(whole.errors).toEqual([]);
    scanTestSeam.setBinaryKeep({ wholeMax: 0, head: 64, tail: 64, maxRefetch: 100 });
    const before = { ...scanTestSeam.binaryStats };
    try {
      const sparse = await scan(arch);
      expect(sparse.errors).toEqual([]);
      expect(sparse.binaries).toEqual(whole.binaries);
      expect(sparse.misnamed).toEqual(whole.misnamed);
      expect(scanTestSeam.binaryStats.refetches).toBeGreaterThan(before.refetches);
      expect(scanTestSeam.binaryStats.wholeFallbacks).toBe(before.wholeFallbacks);
    } finally {
      scanTestSeam.setBinaryKeep(DEFAULTS);
    }
    expect(whole.binaries.length).toBeGreaterThan(0);
  });

  it('reads a binary whole after too many ranges, with the same findings', async () => {
    const whole = await scan('x86_64');
    scanTestSeam.setBinaryKeep({ wholeMax: 0, head: 64, tail: 64, maxRefetch: 0 });
    const before = { ...scanTestSeam.binaryStats };
    try {
      const fallback = await scan('x86_64');
      expect(fallback.binaries).toEqual(whole.binaries);
      expect(scanTestSeam.binaryStats.wholeFallbacks).toBeGreaterThan(before.wholeFallbacks);
    } finally {
      scanTestSeam.setBinaryKeep(DEFAULTS);
    }
  });
});
