// One unit of verification work, small enough to run in a worker thread: hash a shard of a wheel's entries
// (and check the binaries among them), or hash a whole file. Nothing here holds a whole wheel in memory.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import { openZip, S_IFDIR, S_IFMT, S_IFREG, type ZipEntryInfo } from '../wheel/zip.js';
import { hashFile } from '../wheel/sdist.js';
import { checkBinary, sniffBinary, type BinaryFinding } from './binary/index.js';

export interface Limits {
  /** Largest total uncompressed size of one artifact, in bytes. */
  maxUncompressed: number;
  /** Largest uncompressed/compressed ratio of one entry (entries above 1 MiB). */
  maxRatio: number;
}

export type ScanTask =
  | { kind: 'wheel'; file: string; shard: number; shards: number; limits: Limits; platformTags: string[]; pure: boolean }
  | { kind: 'hash'; file: string };

export interface HashedEntry {
  index: number;
  name: string;
  /** sha256, urlsafe base64 without padding (RECORD's spelling). */
  digest: string;
  size: number;
}

export interface EntryError {
  index: number;
  name: string;
  message: string;
}

export interface BinaryEntry {
  name: string;
  format: 'elf' | 'macho' | 'pe';
  findings: BinaryFinding[];
}

export interface WheelShardResult {
  kind: 'wheel';
  shard: number;
  /** The central directory (shard 0 only). */
  entries: ZipEntryInfo[] | null;
  hashed: HashedEntry[];
  errors: EntryError[];
  /** Small `.dist-info` files: WHEEL, METADATA, RECORD, entry_points.txt. */
  texts: Record<string, string>;
  binaries: BinaryEntry[];
  /** Entries named like shared libraries that are not binaries, with the binary checks' findings. */
  misnamed: Array<{ name: string; findings: BinaryFinding[] }>;
  /** The archive could not be opened at all. */
  openError: string | null;
}

export interface HashResult {
  kind: 'hash';
  sha256: string;
  size: number;
}

export type ScanResult = WheelShardResult | HashResult;

const TEXT_FILES = /^[^/]+\.dist-info\/(WHEEL|METADATA|RECORD|entry_points\.txt)$/;
const MAX_TEXT = 16 * 1024 * 1024;
const HEAD = 4096;
const RATIO_MIN_SIZE = 1024 * 1024;
const LIBRARY_NAME = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;

/** Entries whose bytes we read: regular files with a supported method, not encrypted, not a bomb. */
export function readableEntries(entries: ZipEntryInfo[], limits: Limits): ZipEntryInfo[] {
  const total = entries.reduce((n, e) => n + e.size, 0);
  if (total > limits.maxUncompressed) return [];
  return entries.filter(
    (e) =>
      !e.isDirectory &&
      (e.unixType === 0 || e.unixType === S_IFREG) &&
      (e.method === 0 || e.method === 8) &&
      !e.encrypted &&
      !isBomb(e, limits),
  );
}

export function isBomb(e: ZipEntryInfo, limits: Limits): boolean {
  return e.size >= RATIO_MIN_SIZE && e.size / Math.max(1, e.compressedSize) > limits.maxRatio;
}

export function isDirectoryEntry(e: ZipEntryInfo): boolean {
  return e.isDirectory || e.unixType === S_IFDIR || (e.unixType & S_IFMT) === S_IFDIR;
}

/** Split entries into `shards` runs of neighbouring entries with about equal work. */
export function shardOf(entries: ZipEntryInfo[], shard: number, shards: number): ZipEntryInfo[] {
  if (shards <= 1) return entries;
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  const work = (e: ZipEntryInfo) => e.size + e.compressedSize + 512;
  const total = sorted.reduce((n, e) => n + work(e), 0);
  const out: ZipEntryInfo[] = [];
  let acc = 0;
  for (const e of sorted) {
    const mid = acc + work(e) / 2;
    if (Math.min(shards - 1, Math.floor((mid / total) * shards)) === shard) out.push(e);
    acc += work(e);
  }
  return out;
}

interface Consumed {
  digest: string;
  size: number;
  text: string | null;
  /** The first bytes (up to 4 KiB). */
  head: Uint8Array;
  binary: { format: 'elf' | 'macho' | 'pe'; bytes: Uint8Array } | null;
}

async function consume(
  stream: Readable,
  expectedSize: number,
  expectedCrc: number,
  wantText: boolean,
  sniff: (head: Uint8Array) => 'elf' | 'macho' | 'pe' | null,
): Promise<Consumed> {
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer[] | null = [];
  let headLen = 0;
  let kept: Buffer[] | null = wantText ? [] : null;
  let format: 'elf' | 'macho' | 'pe' | null = null;
  let first: Buffer = Buffer.alloc(0);
  const decide = () => {
    const h = Buffer.concat(head!);
    first = h.subarray(0, HEAD);
    format = sniff(h.subarray(0, HEAD));
    kept = format || wantText ? [h] : null;
    head = null;
  };
  let crc = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    // Stop at the declared size: a lying header must not make us inflate a bomb.
    if (size + chunk.length > expectedSize) {
      stream.destroy();
      throw new Error(`more data than the declared ${expectedSize} bytes`);
    }
    hash.update(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
    if (head) {
      head.push(chunk);
      headLen += chunk.length;
      if (headLen >= HEAD) decide();
    } else if (kept) kept.push(chunk);
  }
  if (head) decide();
  if (size !== expectedSize) throw new Error(`${size} bytes of data, the header declares ${expectedSize}`);
  // Installers (zipfile) check the CRC, so we do too.
  if (crc >>> 0 !== expectedCrc >>> 0) throw new Error(`CRC-32 mismatch (stored ${expectedCrc.toString(16)}, data ${(crc >>> 0).toString(16)})`);
  const all = kept ? Buffer.concat(kept) : null;
  return {
    digest: hash.digest('base64url'),
    size,
    text: wantText && all ? all.toString('utf8') : null,
    head: new Uint8Array(first.buffer, first.byteOffset, first.length),
    binary: format && all ? { format, bytes: new Uint8Array(all.buffer, all.byteOffset, all.length) } : null,
  };
}

async function scanWheelShard(task: Extract<ScanTask, { kind: 'wheel' }>): Promise<WheelShardResult> {
  const result: WheelShardResult = { kind: 'wheel', shard: task.shard, entries: null, hashed: [], errors: [], texts: {}, binaries: [], misnamed: [], openError: null };
  let zip;
  try {
    zip = await openZip(task.file);
  } catch (err) {
    result.openError = (err as Error).message;
    return result;
  }
  try {
    if (task.shard === 0) result.entries = zip.entries;
    const bundledLibraries = zip.entries.filter((e) => LIBRARY_NAME.test(e.name)).map((e) => e.name.split('/').pop()!);
    for (const e of shardOf(readableEntries(zip.entries, task.limits), task.shard, task.shards)) {
      const wantText = TEXT_FILES.test(e.name) && e.size <= MAX_TEXT;
      try {
        const got = await consume(await zip.open(e), e.size, e.crc32, wantText, sniffBinary);
        result.hashed.push({ index: e.index, name: e.name, digest: got.digest, size: got.size });
        if (got.text !== null) result.texts[e.name] = got.text;
        if (got.binary) {
          // A pure wheel's binary is one defect (W-PURE-HAS-BINARY); its arch against `any` is not a second one.
          const findings = task.pure ? [] : checkBinary(e.name, got.binary.bytes, task.platformTags, { bundledLibraries });
          result.binaries.push({ name: e.name, format: got.binary.format, findings });
        } else if (LIBRARY_NAME.test(e.name) && !task.pure) {
          // Named like a shared library but not one: the binary checks report it from the name and head.
          const findings = checkBinary(e.name, got.head, task.platformTags, { bundledLibraries });
          if (findings.length) result.misnamed.push({ name: e.name, findings });
        }
      } catch (err) {
        result.errors.push({ index: e.index, name: e.name, message: (err as Error).message });
      }
    }
  } finally {
    zip.close();
  }
  return result;
}

export async function runScanTask(task: ScanTask): Promise<ScanResult> {
  if (task.kind === 'hash') return { kind: 'hash', ...(await hashFile(task.file)) };
  return scanWheelShard(task);
}
