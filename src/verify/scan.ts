// One unit of verification work, small enough to run in a worker thread: hash a shard of a wheel's entries
// (and check the binaries among them), or hash a whole file. Nothing here holds a whole wheel in memory.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import { openZip, S_IFDIR, S_IFMT, S_IFREG, type ZipEntryInfo, type ZipReader } from '../wheel/zip.js';
import { hashFileSync, type FileHash } from '../wheel/hash.js';
import type { HashResult, HashTask } from '../wheel/hash-task.js';
import { checkBinary, MissingBytes, sniffBinary, SparseBytes, wantedRanges, type BinaryFinding, type ByteRange, type CheckOptions, type ElfLinks } from '../binary/index.js';
import { StoredBlockWalker, SyncInflate } from './inflate.js';
import { KeepArena, RangeKeeper } from './keep.js';

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
  | HashTask;

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
  /** ELF: what the loader needs of it, for the wheel-wide library resolution. */
  links?: ElfLinks;
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
  fileHash: FileHash | null;
}


export type ScanResult = WheelShardResult | HashResult;

const TEXT_FILES = /^[^/]+\.dist-info\/(WHEEL|METADATA|RECORD|entry_points\.txt)$/;
const MAX_TEXT = 16 * 1024 * 1024;
const HEAD = 4096;
const RATIO_MIN_SIZE = 1024 * 1024;
const LIBRARY_NAME = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;

/** PyPI's archive-wide rule (warehouse forklift): more than 64 MiB uncompressed at a ratio above 50 is refused. */
const PYPI_BOMB_SIZE = 64 * 1024 * 1024;
const PYPI_BOMB_RATIO = 50;

/** The whole archive is a bomb: above verify.max_uncompressed_mb, or above PyPI's 64 MiB at a ratio over 50. */
export function archiveBomb(entries: ZipEntryInfo[], limits: Limits): string | null {
  const total = entries.reduce((n, e) => n + e.size, 0);
  const compressed = entries.reduce((n, e) => n + e.compressedSize, 0);
  if (total > limits.maxUncompressed) return `${total} bytes uncompressed, above the limit of ${limits.maxUncompressed} (verify.max_uncompressed_mb)`;
  if (total > PYPI_BOMB_SIZE && total / Math.max(1, compressed) > PYPI_BOMB_RATIO) {
    return `${total} bytes uncompressed from ${compressed} (${Math.round(total / Math.max(1, compressed))}×): PyPI refuses an archive above 64 MiB that expands more than 50×`;
  }
  return null;
}

/**
 * Entries whose bytes we read: regular files with a supported method, not encrypted, in an archive that is
 * not a bomb. A single entry with a high ratio is read (only up to its declared size, whose total is capped).
 */
export function readableEntries(entries: ZipEntryInfo[], limits: Limits): ZipEntryInfo[] {
  if (archiveBomb(entries, limits)) return [];
  return entries.filter((e) => !e.isDirectory && (e.unixType === 0 || e.unixType === S_IFREG) && (e.method === 0 || e.method === 8) && !e.encrypted);
}

/** One entry above verify.max_ratio (entries of 1 MiB and more): a warning, PyPI judges the archive as a whole. */
export function isHighRatio(e: ZipEntryInfo, limits: Limits): boolean {
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
  /** The binary format the first bytes announce. */
  format: 'elf' | 'macho' | 'pe' | null;
  /** The bytes the binary checks read, when they are kept. */
  binary: Uint8Array | SparseBytes | null;
}

/**
 * Stored bytes are read in blocks of this size, into one buffer per thread; inflated bytes come out in pieces
 * of OUT_BLOCK into another, so they are hashed and checksummed while still in the core's cache. Nothing
 * per entry is allocated but what the checks keep, whatever the entry's size: memory stays flat.
 */
const READ_BLOCK = 1 << 20;
const OUT_BLOCK = 256 << 10;
let readBuffer: Buffer | null = null;
let outBuffer: Buffer | null = null;
/** The thread's inflater: undefined until first needed, null where Node's zlib handle is not the one we know. */
let inflater: SyncInflate | null | undefined;
let syncDecoding = true;

function threadInflater(): SyncInflate | null {
  if (inflater === undefined) inflater = SyncInflate.create();
  return inflater;
}


function readFully(fd: number, into: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, done, length - done, position + done);
    if (n === 0) throw new Error(`the file ends inside this entry's data (${done} of ${length} bytes)`);
    done += n;
  }
}

const localHeader = Buffer.alloc(30);

/** Where an entry's stored bytes start: after its local header (APPNOTE 4.3.7), read here without a thread-pool hop. */
function dataStart(fd: number, e: ZipEntryInfo): number {
  readFully(fd, localHeader, 30, e.offset);
  const signature = localHeader.readUInt32LE(0);
  if (signature !== 0x04034b50) throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  return e.offset + 30 + localHeader.readUInt16LE(26) + localHeader.readUInt16LE(28);
}

/** The read buffer for the bytes between entries: one per thread (reads are synchronous), never garbage. */
let gapBuffer: Buffer | null = null;

/**
 * The whole file's sha256, fed with each block of stored bytes as it is read (in file order) and with the
 * bytes between them (headers, skipped entries, the central directory) read as needed: one read of the wheel
 * instead of two. Bytes already hashed (entries that share bytes, an entry read twice) are skipped. Null if
 * the file changes size while it is read; the caller then hashes the file on its own.
 */
class FileHasher {
  private readonly hash = createHash('sha256');
  private at = 0;
  private ok = true;
  constructor(private readonly fd: number) {}

  feed(start: number, bytes: Buffer): void {
    if (!this.ok || start + bytes.length <= this.at) return;
    this.readTo(start);
    this.hash.update(start < this.at ? bytes.subarray(this.at - start) : bytes);
    this.at = start + bytes.length;
  }

  finish(): FileHash | null {
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

/**
 * Binaries up to `wholeMax` are kept whole for the binary checks. Of a larger one (a 400 MB libtorch) only
 * the ranges the checks read are kept (binary/index.ts `wantedRanges`: ELF headers, dynamic and version
 * tables, dynamic symbols, and only the names they point at in a large string table), found on the way as
 * its headers come in; also its first `head` bytes, where those tables usually are before the section
 * headers (at the end) say so. What had streamed past when it became known is read on a second pass that
 * keeps only the wanted ranges and stops after the last one; after `maxRefetch` passes the binary is kept
 * whole (a safety net no real wheel reaches).
 */
const binaryKeep = { wholeMax: 8 * 1024 * 1024, head: 8 * 1024 * 1024, maxRefetch: 4 };
/** What the binary keeping did in this thread (read by tests through `scanTestSeam`). */
const binaryStats = { sparse: 0, refetches: 0, wholeFallbacks: 0, maxKept: 0 };

/**
 * @internal The one test seam of the scanner: not part of wheelwright's interface, never called by product
 * code (test/unit/import-rules.test.ts checks that no file under src/ uses it).
 */
export const scanTestSeam = {
  /**
   * Decode every entry through yauzl's stream, the path taken where `SyncInflate` is unavailable, so that
   * both paths are held to the same verdicts.
   */
  setSyncDecoding(on: boolean): void {
    syncDecoding = on;
  },
  /** Keep less of each binary, so that small real binaries take the path of a 400 MB one. */
  setBinaryKeep(opts: Partial<typeof binaryKeep>): void {
    Object.assign(binaryKeep, opts);
  },
  /** What the binary keeping did in this thread: binaries kept in part, further passes, whole fallbacks, most bytes kept for one binary. */
  binaryStats,
};

/**
 * What an entry's bytes are kept for: the binary checks (with the ranges they asked for, or all of it).
 * `partial`: a second pass for a binary's ranges (the first pass checked its size, CRC and hash): it keeps
 * only those and stops once they are in.
 */
interface Keep {
  binaries: boolean;
  wanted: ByteRange[] | 'whole';
  partial?: boolean;
}

/** The thread's arena for kept bytes (see KeepArena). */
const threadArena = new KeepArena();

/** The thread's arena for a task, or a fresh one when another task of this thread holds it. */
function claimKeepArena(): KeepArena {
  if (threadArena.busy) return new KeepArena();
  threadArena.busy = true;
  return threadArena;
}

/**
 * An entry's data fed in pieces (views into reused buffers, or stream chunks): its sha256, CRC-32 and size,
 * its first bytes, and a copy of what the checks read: all of a text we parse, and all of a binary (or the
 * ranges of a large one, see binaryKeep). Stops at the declared size: a lying header must not make
 * us inflate a bomb.
 */
class EntryData {
  private readonly hash = createHash('sha256');
  private crc = 0;
  private size = 0;
  private head: Buffer[] | null = [];
  private headLength = 0;
  private first = Buffer.alloc(0);
  private format: 'elf' | 'macho' | 'pe' | null = null;
  /** Where kept bytes are copied to; null when nothing is kept. */
  private keeper: RangeKeeper | null = null;

  constructor(
    private readonly e: ZipEntryInfo,
    private readonly wantText: boolean,
    private readonly keep: Keep,
    private readonly arena: KeepArena,
  ) {}

  /** A partial pass has all it came for. */
  get done(): boolean {
    return this.keep.partial === true && this.head === null && (this.keeper?.done ?? true);
  }

  add(piece: Buffer): void {
    if (this.size + piece.length > this.e.size) throw new Error(`more data than the declared ${this.e.size} bytes`);
    if (!this.keep.partial) {
      this.hash.update(piece);
      this.crc = crc32(piece, this.crc);
    }
    this.size += piece.length;
    if (this.keeper) this.keeper.add(piece);
    else if (this.head) {
      // Only the first 4 KiB are copied until the sniff says what else is kept.
      const take = piece.subarray(0, HEAD - this.headLength);
      this.head.push(Buffer.from(take));
      this.headLength += take.length;
      if (this.headLength < HEAD) return;
      const keeper = this.decide();
      if (keeper && take.length < piece.length) keeper.add(piece.subarray(take.length));
    }
  }

  finish(): Consumed {
    if (this.head) this.decide();
    if (!this.keep.partial) checkSizeAndCrc(this.size, this.e.size, this.crc, this.e.crc32);
    const kept = this.keeper?.result() ?? null;
    if (this.keeper) binaryStats.maxKept = Math.max(binaryStats.maxKept, this.keeper.kept);
    return {
      digest: this.keep.partial ? '' : this.hash.digest('base64url'),
      size: this.size,
      text: this.wantText && kept ? Buffer.from(contiguous(kept)).toString('utf8') : null,
      head: new Uint8Array(this.first.buffer, this.first.byteOffset, this.first.length),
      format: this.format,
      binary: this.format ? kept : null,
    };
  }

  /** Once the first 4 KiB are in (or all there is): a copy of them, and what else to keep (the keeper, if any). */
  private decide(): RangeKeeper | null {
    this.first = Buffer.concat(this.head!, this.headLength);
    this.head = null;
    this.format = sniffBinary(this.first);
    const size = this.e.size;
    const binary = this.format !== null && this.keep.binaries;
    this.arena.reset();
    if (this.wantText || (binary && (this.keep.wanted === 'whole' || size <= binaryKeep.wholeMax))) {
      this.keeper = new RangeKeeper(size, this.arena);
      this.keeper.want([{ offset: 0, size }]);
    } else if (binary) {
      if (!this.keep.partial) binaryStats.sparse++;
      this.keeper = new RangeKeeper(size, this.arena, wantedRanges);
      const wanted = this.keep.wanted === 'whole' ? [] : this.keep.wanted;
      this.keeper.want([{ offset: 0, size: HEAD }, ...(this.keep.partial ? [] : [{ offset: 0, size: binaryKeep.head }]), ...wanted]);
    }
    this.keeper?.add(this.first);
    this.keeper?.replan();
    return this.keeper;
  }
}

/** Kept bytes as one array (a copy when they are in several pieces). */
function contiguous(kept: Uint8Array | SparseBytes): Uint8Array {
  return kept instanceof Uint8Array ? kept : kept.range(0, kept.length);
}

function checkSizeAndCrc(size: number, expectedSize: number, crc: number, expectedCrc: number): void {
  if (size !== expectedSize) throw new Error(`${size} bytes of data, the header declares ${expectedSize}`);
  // Installers (zipfile) check the CRC, so we do too.
  if (crc >>> 0 !== expectedCrc >>> 0) throw new Error(`CRC-32 mismatch (stored ${expectedCrc.toString(16)}, data ${(crc >>> 0).toString(16)})`);
}

/**
 * Reads `length` stored bytes from `start` a block at a time into the thread's read buffer (each block valid
 * until `each` returns), feeding the whole-file hash as it goes; stops early when `each` returns false.
 */
function readBlocks(fd: number, start: number, length: number, fileHasher: FileHasher | null, each: (block: Buffer, last: boolean) => boolean): void {
  const buf = (readBuffer ??= Buffer.allocUnsafe(READ_BLOCK));
  for (let done = 0; done < length; ) {
    const block = buf.subarray(0, Math.min(buf.length, length - done));
    readFully(fd, block, block.length, start + done);
    fileHasher?.feed(start + done, block);
    done += block.length;
    if (!each(block, done === length)) return;
  }
}

/**
 * An entry's data, read and decoded synchronously. Stored entries and stored-block deflate (incompressible
 * data) are hashed in place; other deflate data is inflated piece by piece into the thread's output buffer.
 * Bytes after the end of the deflate stream are ignored, as zipfile ignores them. (Inflating as a gzip
 * member to have zlib check the CRC was measured ~3% faster, but gzip's trailer and multi-member rules let
 * crafted data pass a CRC that zipfile would refuse.)
 */
function decodeEntry(fd: number, fileSize: number, e: ZipEntryInfo, fileHasher: FileHasher | null, newData: () => EntryData): Consumed {
  const start = dataStart(fd, e);
  if (start + e.compressedSize > fileSize) throw new Error(`its ${e.compressedSize} stored bytes at offset ${start} run past the end of the file (${fileSize} bytes)`);
  const data = newData();
  if (e.method === 0) {
    readBlocks(fd, start, e.compressedSize, fileHasher, (block) => (data.add(block), !data.done));
    return data.finish();
  }
  // Stored blocks are at least as long as their data; a deflate stream that is not shorter is worth walking.
  if (e.compressedSize >= e.size && e.compressedSize > 0) {
    const walker = new StoredBlockWalker();
    let stored = true;
    readBlocks(fd, start, e.compressedSize, fileHasher, (block) => (stored = walker.feed(block, (piece) => data.add(piece))) && !walker.done && !data.done);
    if (stored && (walker.done || data.done)) return data.finish();
    // A compressed block after all (or a stream cut short): zlib takes it from the start, and has the last word.
    return inflateEntry(fd, start, e, fileHasher, newData());
  }
  return inflateEntry(fd, start, e, fileHasher, data);
}

function inflateEntry(fd: number, start: number, e: ZipEntryInfo, fileHasher: FileHasher | null, data: EntryData): Consumed {
  const z = threadInflater()!;
  const out = (outBuffer ??= Buffer.allocUnsafe(OUT_BLOCK));
  z.reset();
  try {
    readBlocks(fd, start, e.compressedSize, fileHasher, (block, last) => {
      for (let inOff = 0; ; ) {
        const { produced, inputLeft } = z.write(block, inOff, out, last);
        if (produced) data.add(out.subarray(0, produced));
        if (data.done) return false;
        inOff = block.length - inputLeft;
        // A full output buffer: there may be more. Else zlib took all it could: either it wants the next
        // block, or the stream has ended and what is left of the stored bytes is ignored.
        if (produced < out.length) return inputLeft === 0;
      }
    });
  } catch (err) {
    // After a zlib error the handle is spent; the next entry gets a new one.
    inflater = undefined;
    z.close();
    throw err;
  }
  return data.finish();
}

/**
 * The binary checks of one entry. A large binary is held in part (SparseBytes); when the checks need a
 * range that is not at hand (it streamed past before the headers said it was wanted), the entry is decoded
 * again keeping only what the checks want, and after a few such passes, kept whole.
 */
async function checkBinaryEntry(
  name: string,
  bytes: Uint8Array | SparseBytes,
  platformTags: string[],
  options: CheckOptions,
  decode: (keep: Keep, hasher: null) => Promise<Consumed>,
): Promise<BinaryFinding[]> {
  // Every range a pass missed, kept for the passes after it: a partial pass holds only what it was asked
  // for, so two ranges wantedRanges cannot name would otherwise take turns being missing.
  const missed: ByteRange[] = [];
  for (let pass = 1; ; pass++) {
    try {
      return checkBinary(name, bytes, platformTags, options);
    } catch (err) {
      if (!(err instanceof MissingBytes)) throw err;
      const whole = pass > binaryKeep.maxRefetch;
      binaryStats.refetches++;
      if (whole) binaryStats.wholeFallbacks++;
      // Everything the checks want, as far as what is at hand tells, and what they just missed.
      missed.push({ offset: err.offset, size: Math.max(err.size, 4096) });
      const wanted = [...wantedRanges(bytes), ...missed];
      bytes = (await decode(whole ? { binaries: true, wanted: 'whole' } : { binaries: true, wanted, partial: true }, null)).binary!;
    }
  }
}

/** An entry's data as yauzl's stream (the path where SyncInflate is unavailable). */
async function consume(stream: Readable, data: EntryData): Promise<Consumed> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      data.add(chunk);
      if (data.done) break;
    }
  } finally {
    stream.destroy();
  }
  return data.finish();
}

/** A wheel's central directory and what every shard derives from it. */
interface Directory {
  /** The file, its size, mtime and inode: a wheel replaced between two shards is read again. */
  key: string;
  entries: ZipEntryInfo[];
  bundledLibraries: string[];
  wheelFiles: Set<string>;
}

/**
 * The directory this thread read last. The shards of a large wheel (8 for torch under --jobs 2) mostly run on
 * the same thread in turn; each parsed the whole central directory (12,000–16,000 records in torch,
 * tensorflow, cmeel_boost) again, and each parse left tens of MB of yauzl records for the old generation.
 */
let lastDirectory: Directory | null = null;

function directoryOf(key: string, entries: ZipEntryInfo[]): Directory {
  return {
    key,
    entries,
    bundledLibraries: entries.filter((e) => LIBRARY_NAME.test(e.name)).map((e) => e.name.split('/').pop()!),
    wheelFiles: new Set(entries.filter((e) => !isDirectoryEntry(e)).map((e) => e.name)),
  };
}

async function scanWheelShard(task: Extract<ScanTask, { kind: 'wheel' }>): Promise<WheelShardResult> {
  const result: WheelShardResult = { kind: 'wheel', shard: task.shard, entries: null, hashed: [], errors: [], texts: {}, binaries: [], misnamed: [], openError: null, fileHash: null };
  let zip: ZipReader | null = null;
  let fd = -1;
  let arena: KeepArena | null = null;
  try {
    const sync = syncDecoding && threadInflater() !== null;
    let dir: Directory;
    let fileSize: number;
    try {
      fd = openSync(task.file, 'r');
      const st = fstatSync(fd);
      fileSize = st.size;
      // ctime too: a same-size rewrite that keeps the mtime (cp -p, rsync --inplace) still changes it.
      const key = `${task.file}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.dev}\0${st.ino}`;
      if (sync && lastDirectory?.key === key) dir = lastDirectory;
      else {
        zip = await openZip(task.file);
        dir = directoryOf(key, zip.entries);
        if (sync) {
          // The synchronous path reads entries itself: yauzl's records can go now.
          lastDirectory = dir;
          zip.close();
          zip = null;
        }
      }
    } catch (err) {
      result.openError = (err as Error).message;
      return result;
    }
    const fileHasher = task.hashFile && task.shards <= 1 && sync ? new FileHasher(fd) : null;
    // A task decodes one entry at a time: an entry's kept bytes are done with before the next entry is read.
    arena = claimKeepArena();
    if (task.shard === 0) result.entries = dir.entries;
    const { bundledLibraries, wheelFiles } = dir;
    // In file order: reads go forward, and the whole-file hash can take each entry's bytes as they pass.
    const mine = shardOf(readableEntries(dir.entries, task.limits), task.shard, task.shards).sort((a, b) => a.offset - b.offset);
    for (const e of mine) {
      const wantText = TEXT_FILES.test(e.name) && e.size <= MAX_TEXT;
      try {
        // A pure wheel's binary is one defect (W-PURE-HAS-BINARY); its arch against `any` is not a second one,
        // so its bytes are not kept for the binary checks.
        const decode = async (keep: Keep, hasher: FileHasher | null) => {
          const newData = () => new EntryData(e, wantText, keep, arena!);
          return sync ? decodeEntry(fd, fileSize, e, hasher, newData) : await consume(await zip!.open(e), newData());
        };
        const got = await decode({ binaries: !task.pure, wanted: [] }, fileHasher);
        result.hashed.push({ index: e.index, name: e.name, digest: got.digest, size: got.size });
        if (got.text !== null) result.texts[e.name] = got.text;
        if (got.format && task.pure) result.binaries.push({ name: e.name, format: got.format, findings: [] });
        else if (got.format && got.binary) {
          let links: ElfLinks | undefined;
          const findings = await checkBinaryEntry(e.name, got.binary, task.platformTags, { bundledLibraries, wheelFiles, onElfLinks: (l) => (links = l) }, decode);
          result.binaries.push({ name: e.name, format: got.format, findings, ...(links ? { links } : {}) });
        } else if (LIBRARY_NAME.test(e.name) && !task.pure) {
          // Named like a shared library but not one: the binary checks report it from the name and head.
          const findings = checkBinary(e.name, got.head, task.platformTags, { bundledLibraries, wheelFiles });
          if (findings.length) result.misnamed.push({ name: e.name, findings });
        }
      } catch (err) {
        result.errors.push({ index: e.index, name: e.name, message: (err as Error).message });
      }
    }
    result.fileHash = fileHasher?.finish() ?? null;
  } finally {
    if (arena) arena.busy = false;
    if (fd >= 0) closeSync(fd);
    zip?.close();
  }
  return result;
}

export async function runScanTask(task: ScanTask): Promise<ScanResult> {
  if (task.kind === 'hash') return { kind: 'hash', ...hashFileSync(task.file) };
  return scanWheelShard(task);
}

/** The worker pool's entry for verify's `wheel` tasks (see verify/tasks.ts). */
export const runTask = runScanTask;
