// The entry reader behind `release verify`: the same verdicts whether an entry is read whole (up to 16 MiB) or
// streamed, and whether its deflate data is made of stored blocks (read in place) or really compressed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyArtifacts } from '../../src/verify/artifacts.js';
import { StoredBlockWalker, SyncInflate } from '../../src/verify/inflate.js';
import { runScanTask, scanTestSeam, type WheelShardResult } from '../../src/verify/scan.js';
import { writeZip, type ZipEntrySpec } from '../fixtures/broken/zip-writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ww-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function text(size: number): Buffer {
  const line = Buffer.from('    value = compute(self, index)  # a line of Python that deflates well\n');
  return Buffer.concat(Array.from({ length: Math.ceil(size / line.length) }, () => line)).subarray(0, size);
}

/** Within one 1 MiB read block, over one 256 KiB output piece. */
const SMALL = 300 * 1024;
/** Many read blocks and output pieces. */
const LARGE = 17 * 1024 * 1024;

let n = 0;
async function scan(entries: ZipEntrySpec[]): Promise<WheelShardResult> {
  const file = path.join(dir, `t${n++}.whl`);
  writeFileSync(file, writeZip(entries));
  const r = await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: ['any'], pure: true });
  return r as WheelShardResult;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64url');

/** What the walker makes of `stored` fed in pieces of `split` bytes: the data, or null where it declines. */
function walk(stored: Buffer, split: number): Buffer | null {
  const walker = new StoredBlockWalker();
  const out: Buffer[] = [];
  for (let at = 0; at < stored.length; at += split) {
    if (!walker.feed(stored.subarray(at, at + split), (d) => out.push(Buffer.from(d)))) return null;
  }
  return walker.done ? Buffer.concat(out) : null;
}

describe('SyncInflate', () => {
  it("drives this Node's zlib handle, so verify's workers never fall back to the stream", () => {
    const z = SyncInflate.create();
    expect(z).not.toBeNull();
    const prose = text(100_000);
    const packed = deflateRawSync(prose);
    const out = Buffer.alloc(64 * 1024);
    const pieces: Buffer[] = [];
    for (let inOff = 0; ; ) {
      const { produced, inputLeft } = z!.write(packed, inOff, out, true);
      pieces.push(Buffer.from(out.subarray(0, produced)));
      inOff = packed.length - inputLeft;
      if (produced < out.length) break;
    }
    expect(Buffer.concat(pieces).equals(prose)).toBe(true);
    z!.reset();
    expect(() => z!.write(packed.subarray(0, 100), 0, out, true)).toThrow(/unexpected end of file/);
    z!.close();
  });
});

describe('StoredBlockWalker', () => {
  const random = randomBytes(200_000);
  const stored = deflateRawSync(random, { level: 1 });

  it.each([1, 3, 5, 7, 4096, 65_540, 1 << 20])('reads what zlib writes for incompressible data in place, fed %i bytes at a time', (split) => {
    expect(walk(stored, split)?.equals(random)).toBe(true);
  });

  it('declines anything compressed, malformed or cut short', () => {
    expect(walk(deflateRawSync(text(200_000)), 4096)).toBeNull();
    // Stored blocks first, then a compressed block: zlib has to decode it.
    expect(walk(deflateRawSync(Buffer.concat([random, text(200_000)]), { level: 1 }), 4096)).toBeNull();
    const badComplement = Buffer.from(stored);
    badComplement[3] = badComplement[3]! ^ 0x01;
    expect(walk(badComplement, 4096)).toBeNull();
    expect(walk(stored.subarray(0, stored.length - 10), 4096)).toBeNull();
    expect(walk(Buffer.alloc(0), 4096)).toBeNull();
  });
});

describe.each([
  ['of 300 KiB, read and inflated synchronously', SMALL, true],
  ['of 17 MiB, read and inflated synchronously block by block', LARGE, true],
  ['of 300 KiB, through the stream fallback', SMALL, false],
  ['of 17 MiB, through the stream fallback', LARGE, false],
])('an entry %s', (_label, size, sync) => {
  beforeAll(() => scanTestSeam.setSyncDecoding(sync));
  afterAll(() => scanTestSeam.setSyncDecoding(true));
  const random = randomBytes(size);
  const prose = text(size);

  it('hashes deflated, deflated-but-incompressible and stored data to the sha256 of the data', async () => {
    const r = await scan([
      { name: 'pkg/text.py', data: prose },
      { name: 'pkg/random.bin', data: random },
      { name: 'pkg/stored.bin', data: random, method: 0 },
      { name: 'pkg/mixed.bin', data: Buffer.concat([random.subarray(0, size / 2), prose.subarray(0, size / 2)]), packed: deflateRawSync(Buffer.concat([random.subarray(0, size / 2), prose.subarray(0, size / 2)]), { level: 1 }) },
      { name: 'pkg/empty.py', data: Buffer.alloc(0) },
    ]);
    expect(r.errors).toEqual([]);
    expect(r.hashed.map((h) => [h.name, h.digest, h.size])).toEqual([
      ['pkg/text.py', sha(prose), size],
      ['pkg/random.bin', sha(random), size],
      ['pkg/stored.bin', sha(random), size],
      ['pkg/mixed.bin', sha(Buffer.concat([random.subarray(0, size / 2), prose.subarray(0, size / 2)])), size],
      ['pkg/empty.py', sha(Buffer.alloc(0)), 0],
    ]);
  });

  it('keeps the text of a dist-info file whose deflate data is stored blocks', async () => {
    const body = Buffer.concat([Buffer.from('Metadata-Version: 2.1\nName: pkg\n\n'), Buffer.from(randomBytes(size / 2).toString('base64'))]);
    const r = await scan([{ name: 'pkg-1.0.dist-info/METADATA', data: body, packed: deflateRawSync(body, { level: 0 }) }]);
    expect(r.errors).toEqual([]);
    expect(r.texts['pkg-1.0.dist-info/METADATA']).toBe(body.toString('utf8'));
  });

  it('reports a wrong CRC-32 even when the data itself is intact', async () => {
    const r = await scan([
      { name: 'pkg/text.py', data: prose, crc: 0x12345678 },
      { name: 'pkg/random.bin', data: random, crc: 0x12345678 },
      { name: 'pkg/stored.bin', data: random, method: 0, crc: 0x12345678 },
    ]);
    expect(r.hashed).toEqual([]);
    expect(r.errors.map((e) => [e.name, /CRC-32 mismatch/.test(e.message)])).toEqual([
      ['pkg/text.py', true],
      ['pkg/random.bin', true],
      ['pkg/stored.bin', true],
    ]);
  });

  it('stops at the declared size and reports data shorter than declared', async () => {
    const r = await scan([
      { name: 'pkg/more.py', data: prose, declaredSize: size - 1000 },
      { name: 'pkg/more.bin', data: random, declaredSize: size - 1000 },
      { name: 'pkg/less.py', data: prose, declaredSize: size + 1000 },
      { name: 'pkg/less.bin', data: random, declaredSize: size + 1000 },
    ]);
    expect(r.hashed).toEqual([]);
    const why = Object.fromEntries(r.errors.map((e) => [e.name, e.message]));
    expect(why['pkg/more.py']).toMatch(/more data than the declared/);
    expect(why['pkg/more.bin']).toMatch(/more data than the declared/);
    expect(why['pkg/less.py']).toMatch(/bytes of data, the header declares/);
    expect(why['pkg/less.bin']).toMatch(/bytes of data, the header declares/);
  });

  it('ignores bytes after the end of a deflate stream, as zipfile does', async () => {
    const r = await scan([{ name: 'pkg/padded.py', data: prose, packed: Buffer.concat([deflateRawSync(prose), Buffer.from('trailing bytes')]) }]);
    expect(r.errors).toEqual([]);
    expect(r.hashed.map((h) => h.digest)).toEqual([sha(prose)]);
  });

  it('reports truncated deflate data as an error on that entry only', async () => {
    const r = await scan([
      { name: 'pkg/cut.py', data: prose, packed: deflateRawSync(prose).subarray(0, 1000) },
      { name: 'pkg/cut.bin', data: random, packed: deflateRawSync(random, { level: 1 }).subarray(0, size / 2) },
      { name: 'pkg/ok.py', data: prose },
    ]);
    expect(r.errors.map((e) => e.name).sort()).toEqual(['pkg/cut.bin', 'pkg/cut.py']);
    expect(r.hashed.map((h) => h.name)).toEqual(['pkg/ok.py']);
  });
});

describe('entries at the edges of the read and output buffers', () => {
  it.each([0, 1, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024])('hash %i bytes right whichever way they are packed', async (size) => {
    const prose = text(size);
    const random = randomBytes(size);
    const r = await scan([
      { name: 'pkg/text.py', data: prose },
      { name: 'pkg/random.bin', data: random },
      { name: 'pkg/stored.bin', data: random, method: 0 },
      { name: 'pkg/level0.py', data: prose, packed: deflateRawSync(prose, { level: 0 }) },
    ]);
    expect(r.errors).toEqual([]);
    expect(r.hashed.map((h) => [h.name, h.digest, h.size])).toEqual([
      ['pkg/text.py', sha(prose), size],
      ['pkg/random.bin', sha(random), size],
      ['pkg/stored.bin', sha(random), size],
      ['pkg/level0.py', sha(prose), size],
    ]);
  });
});

describe('crafted deflate data', () => {
  it('is judged by what a raw inflate (zipfile, pip, uv) yields, whatever follows the end of the stream', async () => {
    const d = text(100_000);
    const gz = gzipSync(d);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(d) >>> 0, 0);
    trailer.writeUInt32LE(d.length, 4);
    const r = await scan([
      // A gzip-style trailer that holds the data's true CRC, then a zero byte: the declared CRC is still wrong.
      { name: 'pkg/crc.py', data: d, crc: 0xdeadbeef, packed: Buffer.concat([deflateRawSync(d), trailer, Buffer.from([0])]) },
      // An empty deflate stream, then a gzip member of other data: an installer extracts an empty file.
      { name: 'pkg/member.py', data: d, packed: Buffer.concat([deflateRawSync(Buffer.alloc(0)), Buffer.alloc(8), gz.subarray(0, gz.length - 8)]) },
    ]);
    const why = Object.fromEntries(r.errors.map((e) => [e.name, e.message]));
    expect(why['pkg/crc.py']).toMatch(/CRC-32 mismatch/);
    expect(why['pkg/member.py']).toMatch(/0 bytes of data, the header declares 100000/);
    expect(r.hashed).toEqual([]);
  });

  it('does not read stored bytes the declared size cannot account for into memory', async () => {
    // 1 KiB declared, 3 GiB of stored bytes claimed in a tiny file: the file's size answers before any read.
    const r = await scan([{ name: 'pkg/liar.py', data: text(1024), declaredCompressedSize: 3 * 1024 ** 3 }]);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/3221225472 stored bytes at offset \d+ run past the end of the file/)]);
    scanTestSeam.setSyncDecoding(false);
    try {
      const streamed = await scan([{ name: 'pkg/liar.py', data: text(1024), declaredCompressedSize: 3 * 1024 ** 3 }]);
      expect(streamed.errors.map((e) => e.message)).toEqual([expect.stringMatching(/overflows file bounds/)]);
    } finally {
      scanTestSeam.setSyncDecoding(true);
    }
  });

  it('stops at the declared size however many stored bytes an entry claims', async () => {
    const big = randomBytes(20 * 1024 * 1024);
    const r = await scan([{ name: 'pkg/small.bin', data: big, declaredSize: 1024, packed: deflateRawSync(big, { level: 1 }) }]);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/more data than the declared 1024 bytes/)]);
  });
});

describe('the whole-file sha256 taken while reading', () => {
  const fileSha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  it('equals the sha256 of the file, with headers, skipped and streamed entries and the central directory in between', async () => {
    const file = path.join(dir, 'fused.whl');
    writeFileSync(
      file,
      writeZip([
        { name: 'pkg/', data: Buffer.alloc(0), mode: 0o040755 },
        { name: 'pkg/a.py', data: text(SMALL) },
        { name: 'pkg/big.bin', data: randomBytes(LARGE) },
        { name: 'pkg/odd.bin', data: Buffer.from('x'), method: 12 },
        { name: 'pkg/b.bin', data: randomBytes(SMALL) },
      ]),
    );
    const r = (await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: ['any'], pure: true, hashFile: true })) as WheelShardResult;
    expect(r.fileHash).toEqual({ sha256: fileSha(file), size: statSync(file).size });
    const without = (await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: ['any'], pure: true })) as WheelShardResult;
    expect(without.fileHash).toBeNull();
  });

  it('is right when two entries share their bytes (each byte is hashed once)', async () => {
    const zip = writeZip([
      { name: 'pkg/a.py', data: text(SMALL) },
      { name: 'pkg/b.py', data: text(SMALL) },
    ]);
    // Point the second central record at the first local header: both entries read the same bytes.
    const cd = zip.readUInt32LE(zip.length - 6);
    const second = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), cd + 46);
    zip.writeUInt32LE(0, second + 42);
    const file = path.join(dir, 'overlap.whl');
    writeFileSync(file, zip);
    const r = (await runScanTask({ kind: 'wheel', file, shard: 0, shards: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, platformTags: ['any'], pure: true, hashFile: true })) as WheelShardResult;
    expect(r.hashed.map((h) => h.name)).toEqual(['pkg/a.py', 'pkg/b.py']);
    expect(r.fileHash).toEqual({ sha256: fileSha(file), size: statSync(file).size });
    const [result] = await verifyArtifacts([file], { jobs: 1, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, releaseVersion: null });
    expect(result!.sha256).toBe(fileSha(file));
  });

  it('is right for a wheel split into shards, whose hash is a task of its own', async () => {
    const file = path.join(dir, 'pkg-1.0-py3-none-any.whl');
    writeFileSync(file, writeZip(Array.from({ length: 6 }, (_, i) => ({ name: `pkg/blob${i}.bin`, data: randomBytes(6 * 1024 * 1024), method: i % 2 ? 0 : 8 }))));
    const [result] = await verifyArtifacts([file], { jobs: 2, limits: { maxUncompressed: 2 ** 40, maxRatio: 1e6 }, releaseVersion: null });
    expect(result!.sha256).toBe(fileSha(file));
    expect(result!.size).toBe(statSync(file).size);
  });
});
