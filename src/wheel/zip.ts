// Streaming zip access through yauzl: the central directory as data, and one entry at a time as a stream.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import yauzl from 'yauzl';

/** Read and inflate in 256 KiB chunks: per-chunk overhead dominates with small chunks, memory with big ones. */
const CHUNK = 256 * 1024;

export interface ZipEntryInfo {
  /** Position in the central directory. */
  index: number;
  /** Decoded as UTF-8 (latin-1 when the bytes are not valid UTF-8). */
  name: string;
  /** The name bytes are valid UTF-8 and hold no control characters. */
  nameValid: boolean;
  isDirectory: boolean;
  /** 0 stored, 8 deflated, anything else is unsupported by installers. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Unix file type bits (`mode & 0o170000`) when the entry was made on Unix, else 0. */
  unixType: number;
  /** Offset of the local header, to order reads by position in the file. */
  offset: number;
}

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export interface ZipReader {
  entries: ZipEntryInfo[];
  /**
   * The decompressed bytes of one stored or deflated entry. Sizes and CRC are NOT checked here: the
   * consumer counts and checksums what it reads (and stops at the declared size).
   */
  open(entry: ZipEntryInfo): Promise<Readable>;
  close(): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(raw: Buffer): { name: string; valid: boolean } {
  let name: string;
  let valid = true;
  try {
    name = utf8.decode(raw);
  } catch {
    name = raw.toString('latin1');
    valid = false;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) valid = false;
  return { name, valid };
}

function toInfo(e: yauzl.Entry, index: number): ZipEntryInfo {
  const { name, valid } = decodeName(e.fileNameRaw ?? (e.fileName as unknown as Buffer));
  const madeOnUnix = e.versionMadeBy >> 8 === 3;
  return {
    index,
    name,
    nameValid: valid,
    isDirectory: name.endsWith('/'),
    method: e.compressionMethod,
    encrypted: (e.generalPurposeBitFlag & 1) !== 0,
    compressedSize: e.compressedSize,
    size: e.uncompressedSize,
    crc32: e.crc32,
    unixType: madeOnUnix ? (e.externalFileAttributes >>> 16) & S_IFMT : 0,
    offset: e.relativeOffsetOfLocalHeader,
  };
}

/**
 * yauzl's reads, served synchronously from a 1 MiB window of the file and answered in a microtask. yauzl
 * reads each central-directory record with two reads; through its own fd reader each is a hop to libuv's
 * thread pool and back, which for a wheel of 12,000 files (torch) cost seconds of futex and epoll churn.
 */
class WindowReader extends yauzl.RandomAccessReader {
  private readonly window = Buffer.allocUnsafe(1 << 20);
  private start = 0;
  private length = 0;

  constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {
    super();
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    let n: number;
    try {
      n = this.readNow(buffer, offset, length, position);
    } catch (err) {
      queueMicrotask(() => callback(err as Error));
      return;
    }
    queueMicrotask(() => callback(null, n));
  }

  private readNow(buffer: Buffer, offset: number, length: number, position: number): number {
    if (length > this.window.length) return readSync(this.fd, buffer, offset, length, position);
    if (position < this.start || position + length > this.start + this.length) {
      // Emptied first: a read that throws must not leave the old bytes labelled with the new position.
      this.length = 0;
      this.start = position;
      this.length = readSync(this.fd, this.window, 0, this.window.length, position);
    }
    const n = Math.max(0, Math.min(length, this.start + this.length - position));
    this.window.copy(buffer, offset, position - this.start, position - this.start + n);
    return n;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return createReadStream(this.file, { start, end: end - 1, highWaterMark: CHUNK });
  }

  override close(callback: (err: Error | null) => void): void {
    try {
      closeSync(this.fd);
    } catch (err) {
      setImmediate(() => callback(err as Error));
      return;
    }
    setImmediate(() => callback(null));
  }
}

/** Open a zip and read its central directory (names are not validated here: that is policy). */
export function openZip(file: string): Promise<ZipReader> {
  return new Promise((resolve, reject) => {
    let fd: number;
    let size: number;
    try {
      fd = openSync(file, 'r');
      size = fstatSync(fd).size;
    } catch (err) {
      reject(err as Error);
      return;
    }
    yauzl.fromRandomAccessReader(
      new WindowReader(fd, file),
      size,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false },
      (err, zip) => {
        if (err || !zip) {
          // No ZipFile took the reader, so nothing else closes its descriptor.
          closeSync(fd);
          return reject(err ?? new Error('cannot open'));
        }
        const raw: yauzl.Entry[] = [];
        zip.on('entry', (e: yauzl.Entry) => {
          raw.push(e);
          zip.readEntry();
        });
        zip.on('error', (e: Error) => {
          zip.close();
          reject(e);
        });
        zip.on('end', () => {
          resolve({
            entries: raw.map(toInfo),
            open: async (entry) => {
              const header = await zip.readLocalFileHeaderPromise(raw[entry.index]!, { minimal: true });
              if (entry.compressedSize === 0) return Readable.from([]);
              const rawStream = createReadStream(file, { start: header.fileDataStart, end: header.fileDataStart + entry.compressedSize - 1, highWaterMark: CHUNK });
              if (entry.method === 0) return rawStream;
              const inflate = createInflateRaw({ chunkSize: CHUNK });
              rawStream.on('error', (e) => inflate.destroy(e));
              return rawStream.pipe(inflate);
            },
            close: () => zip.close(),
          });
        });
        zip.readEntry();
      },
    );
  });
}
