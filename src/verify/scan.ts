// One unit of verification work, small enough to run in a worker thread: hash a shard of a wheel's entries
// (and check the binaries among them), or hash a whole file. Nothing here holds a whole wheel in memory.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { openZip, S_IFDIR, S_IFMT, S_IFREG, type ZipEntryInfo } from '../wheel/zip.js';
import { hashFileSync } from '../wheel/hash.js';
import { checkBinary, sniffBinary, type BinaryFinding } from './binary/index.js';

export interface Limits {
  /** Largest total uncompressed size of one artifact, in bytes. */
  maxUncompressed: number;
  /** Largest uncompressed/compressed ratio of one entry (entries above 1 MiB). */
  maxRatio: number;
}

export type ScanTask =
  | {
      kind: 'wheel';
      file: string;
      shard: number;
      shards: number;
      limits: Limits;
      platformTags: string[];
      pure: boolean;
      /** Also hash the whole file while reading it (one read instead of two); for a wheel read in one shard. */
      hashFile?: boolean;
    }
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
  /** The whole file's sha256 when the task asked for it and it could be had in the same read; else null. */
  fileHash: { sha256: string; size: number } | null;
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

/**
 * Rough CPU cost of checking an entry: every byte is hashed and checksummed; deflated bytes that really
 * compress also cost inflating (several times the hash), while incompressible ones inflate as a copy.
 */
function entryWork(e: ZipEntryInfo): number {
  const compresses = e.method === 8 && e.compressedSize < 0.9 * e.size;
  return (compresses ? 4 : 1) * e.size + 512;
}

/** Split entries into `shards` runs of neighbouring entries with about equal work. */
export function shardOf(entries: ZipEntryInfo[], shard: number, shards: number): ZipEntryInfo[] {
  if (shards <= 1) return entries;
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  const total = sorted.reduce((n, e) => n + entryWork(e), 0);
  const out: ZipEntryInfo[] = [];
  let acc = 0;
  for (const e of sorted) {
    const mid = acc + entryWork(e) / 2;
    if (Math.min(shards - 1, Math.floor((mid / total) * shards)) === shard) out.push(e);
    acc += entryWork(e);
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

/**
 * Entries up to this size (stored and inflated) are read and inflated in one synchronous call: no stream, no
 * hop to libuv's thread pool and back, so a worker keeps its core busy. Larger entries stream in chunks.
 */
const WHOLE_ENTRY_MAX = 16 * 1024 * 1024;
/** Compressible entries above this size stream: each whole-entry inflate allocates its full output, and
 * that garbage, times the workers, is most of verify's peak memory. */
const WHOLE_INFLATE_MAX = 4 * 1024 * 1024;

/** One reusable buffer per thread for an entry's stored bytes (grows to at most WHOLE_ENTRY_MAX + 4 KiB). */
let scratch = Buffer.alloc(0);

function readFully(fd: number, into: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) throw new Error(`the file ends inside this entry's data (${done} of ${length} bytes)`);
    done += n;
  }
}

/**
 * The data of a raw deflate stream made only of stored blocks (what zlib writes for incompressible data:
 * RFC 1951 §3.2.4, a 3-bit header padded to a byte, LEN, its complement, LEN bytes), as views into `src`.
 * Null as soon as a block is compressed or a length does not check out: then zlib inflates the whole stream.
 */
export function storedBlocks(src: Buffer): Buffer[] | null {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    if (at + 5 > src.length) return null;
    const header = src[at]!;
    if ((header & 0b110) !== 0) return null;
    const len = src.readUInt16LE(at + 1);
    if ((len ^ 0xffff) !== src.readUInt16LE(at + 3) || at + 5 + len > src.length) return null;
    if (len) parts.push(src.subarray(at + 5, at + 5 + len));
    at += 5 + len;
    if (header & 1) return parts;
  }
}

/** An entry's stored bytes (up to WHOLE_ENTRY_MAX), read at `start` into the thread's scratch buffer (valid until the next read). */
const localHeader = Buffer.alloc(30);

/** Where an entry's stored bytes start: after its local header (APPNOTE 4.3.7), read here without a thread-pool hop. */
function dataStart(fd: number, e: ZipEntryInfo): number {
  readFully(fd, localHeader, 30, e.offset);
  const signature = localHeader.readUInt32LE(0);
  if (signature !== 0x04034b50) throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  return e.offset + 30 + localHeader.readUInt16LE(26) + localHeader.readUInt16LE(28);
}

function readStored(fd: number, e: ZipEntryInfo, start: number): Buffer {
  if (scratch.length < e.compressedSize) scratch = Buffer.allocUnsafe(e.compressedSize);
  const stored = scratch.subarray(0, e.compressedSize);
  readFully(fd, stored, e.compressedSize, start);
  return stored;
}

/**
 * An entry's data from its stored bytes (read by readStored): views into them when stored or stored-block
 * deflate, else inflated to at most the declared size. Bytes after the end of the deflate stream are ignored,
 * as zipfile ignores them. (Inflating as a gzip member to have zlib check the CRC was measured ~3% faster,
 * but gzip's trailer and multi-member rules let crafted data pass a CRC that zipfile would refuse.)
 */
function decodeStored(stored: Buffer, e: ZipEntryInfo): Buffer[] {
  if (stored.length === 0) return [];
  if (e.method === 0) return [stored];
  const blocks = storedBlocks(stored);
  if (blocks) return blocks;
  try {
    // One output buffer one byte larger than declared: correct data never fills it, a lie stops right there.
    return [inflateRawSync(stored, { chunkSize: Math.max(64, e.size + 1), maxOutputLength: Math.max(1, e.size) })];
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`more data than the declared ${e.size} bytes`, { cause: err });
    throw err;
  }
}

/**
 * The whole file's sha256, fed with each entry's stored bytes as they are read (in file order) and with the
 * bytes between them (headers, streamed entries, the central directory) read as needed: one read of the wheel
 * instead of two. Gives up (null) if entries overlap or the file changes size; the caller then hashes the file.
 */
/** The read buffer for the bytes between entries: one per thread (reads are synchronous), never garbage. */
let gapBuffer: Buffer | null = null;

class FileHasher {
  private readonly hash = createHash('sha256');
  private at = 0;
  private ok = true;
  constructor(private readonly fd: number) {}

  feed(start: number, bytes: Buffer): void {
    if (!this.ok || start < this.at) {
      this.ok = false;
      return;
    }
    this.readTo(start);
    this.hash.update(bytes);
    this.at += bytes.length;
  }

  finish(): { sha256: string; size: number } | null {
    const size = fstatSync(this.fd).size;
    if (this.ok) this.readTo(size);
    if (!this.ok || this.at !== size || readSync(this.fd, Buffer.alloc(1), 0, 1, size) !== 0) return null;
    return { sha256: this.hash.digest('hex'), size };
  }

  private readTo(end: number): void {
    const buf = (gapBuffer ??= Buffer.allocUnsafe(1 << 20));
    while (this.ok && this.at < end) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, end - this.at), this.at);
      if (n === 0) this.ok = false;
      this.hash.update(buf.subarray(0, n));
      this.at += n;
    }
  }
}

function checkSizeAndCrc(size: number, expectedSize: number, crc: number, expectedCrc: number): void {
  if (size > expectedSize) throw new Error(`more data than the declared ${expectedSize} bytes`);
  if (size !== expectedSize) throw new Error(`${size} bytes of data, the header declares ${expectedSize}`);
  // Installers (zipfile) check the CRC, so we do too.
  if (crc >>> 0 !== expectedCrc >>> 0) throw new Error(`CRC-32 mismatch (stored ${expectedCrc.toString(16)}, data ${(crc >>> 0).toString(16)})`);
}

type Sniff = (head: Uint8Array) => 'elf' | 'macho' | 'pe' | null;

/**
 * An entry's data fed in pieces (stream chunks, or views into the scratch buffer): its sha256, CRC-32 and
 * size, its first bytes, and all of it when it is text we read or a binary we check. Pieces are copied
 * only into what the result keeps, so views may be reused once `finish` has returned.
 */
class EntryData {
  private readonly hash = createHash('sha256');
  private crc = 0;
  size = 0;
  private head: Buffer[] | null = [];
  private headLength = 0;
  private kept: Buffer[] | null = null;
  private first = Buffer.alloc(0);
  private format: 'elf' | 'macho' | 'pe' | null = null;

  constructor(
    private readonly wantText: boolean,
    private readonly sniff: Sniff,
  ) {}

  add(piece: Buffer): void {
    this.hash.update(piece);
    this.crc = crc32(piece, this.crc);
    this.size += piece.length;
    if (this.head) {
      this.head.push(piece);
      this.headLength += piece.length;
      if (this.headLength >= HEAD) this.decide();
    } else if (this.kept) this.kept.push(piece);
  }

  finish(e: ZipEntryInfo): Consumed {
    if (this.head) this.decide();
    checkSizeAndCrc(this.size, e.size, this.crc, e.crc32);
    const all = this.kept ? Buffer.concat(this.kept, this.size) : null;
    return {
      digest: this.hash.digest('base64url'),
      size: this.size,
      text: this.wantText && all ? all.toString('utf8') : null,
      head: new Uint8Array(this.first.buffer, this.first.byteOffset, this.first.length),
      binary: this.format && all ? { format: this.format, bytes: new Uint8Array(all.buffer, all.byteOffset, all.length) } : null,
    };
  }

  /** Once the first 4 KiB are in: a copy of them, and whether the rest is worth keeping. */
  private decide(): void {
    this.first = Buffer.concat(this.head!, Math.min(this.headLength, HEAD));
    this.format = this.sniff(this.first);
    this.kept = this.format || this.wantText ? this.head : null;
    this.head = null;
  }
}

/** An entry's data read whole, as pieces. */
function consumeWhole(parts: Buffer[], e: ZipEntryInfo, wantText: boolean, sniff: Sniff): Consumed {
  const data = new EntryData(wantText, sniff);
  for (const p of parts) data.add(p);
  return data.finish(e);
}

/** An entry's data as a stream, stopped at the declared size: a lying header must not make us inflate a bomb. */
async function consume(stream: Readable, e: ZipEntryInfo, wantText: boolean, sniff: Sniff): Promise<Consumed> {
  const data = new EntryData(wantText, sniff);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (data.size + chunk.length > e.size) {
      stream.destroy();
      throw new Error(`more data than the declared ${e.size} bytes`);
    }
    data.add(chunk);
  }
  return data.finish(e);
}

async function scanWheelShard(task: Extract<ScanTask, { kind: 'wheel' }>): Promise<WheelShardResult> {
  const result: WheelShardResult = { kind: 'wheel', shard: task.shard, entries: null, hashed: [], errors: [], texts: {}, binaries: [], misnamed: [], openError: null, fileHash: null };
  let zip;
  try {
    zip = await openZip(task.file);
  } catch (err) {
    result.openError = (err as Error).message;
    return result;
  }
  let fd = -1;
  try {
    fd = openSync(task.file, 'r');
    const fileHasher = task.hashFile && task.shards <= 1 ? new FileHasher(fd) : null;
    if (task.shard === 0) result.entries = zip.entries;
    const bundledLibraries = zip.entries.filter((e) => LIBRARY_NAME.test(e.name)).map((e) => e.name.split('/').pop()!);
    // In file order: reads go forward, and the whole-file hash can take each entry's bytes as they pass.
    const mine = shardOf(readableEntries(zip.entries, task.limits), task.shard, task.shards).sort((a, b) => a.offset - b.offset);
    for (const e of mine) {
      const wantText = TEXT_FILES.test(e.name) && e.size <= MAX_TEXT;
      try {
        // Both sizes bound what is read into memory: the declared size alone does not bound the stored bytes.
        const whole = e.compressedSize <= WHOLE_ENTRY_MAX + 4096 && (e.size <= WHOLE_INFLATE_MAX || (e.size <= WHOLE_ENTRY_MAX && e.compressedSize >= e.size));
        let got: Consumed;
        if (whole) {
          const start = dataStart(fd, e);
          const stored = readStored(fd, e, start);
          fileHasher?.feed(start, stored);
          got = consumeWhole(decodeStored(stored, e), e, wantText, sniffBinary);
        } else {
          got = await consume(await zip.open(e), e, wantText, sniffBinary);
        }
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
    result.fileHash = fileHasher?.finish() ?? null;
  } finally {
    if (fd >= 0) closeSync(fd);
    zip.close();
  }
  return result;
}

export async function runScanTask(task: ScanTask): Promise<ScanResult> {
  if (task.kind === 'hash') return { kind: 'hash', ...hashFileSync(task.file) };
  return scanWheelShard(task);
}
