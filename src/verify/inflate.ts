// Synchronous, bounded decoding of an entry's deflate data, fed a block at a time: a worker keeps its core
// busy (no hop to libuv's thread pool and back per chunk, as zlib's streams make) and its memory flat (one
// small output buffer, reused; no whole-entry output to collect as garbage).
import { constants, createInflateRaw } from 'node:zlib';

/** The native zlib handle under a `zlib.InflateRaw` stream, as zlib's own `*Sync` functions drive it. */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/**
 * Raw inflate driven synchronously, one call per input block and output piece. Node has no public
 * streaming-sync zlib API; its `inflateRawSync` drives the same handle in one call over a whole buffer. If a
 * Node release changes that handle, `create` returns null and the caller streams instead.
 */
export class SyncInflate {
  private failure: string | null = null;

  private constructor(
    private readonly handle: ZlibHandle,
    /** Written by the handle after each call: [output space left, input bytes left]. */
    private readonly state: Uint32Array,
  ) {
    handle.onerror = (message) => {
      this.failure = message;
    };
  }

  static create(): SyncInflate | null {
    const stream = createInflateRaw() as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
    const h = stream._handle;
    if (!h || typeof h.writeSync !== 'function' || typeof h.reset !== 'function' || typeof h.close !== 'function' || !(stream._writeState instanceof Uint32Array)) return null;
    return new SyncInflate(h as ZlibHandle, stream._writeState);
  }

  /** Ready for a new deflate stream. */
  reset(): void {
    this.handle.reset();
  }

  close(): void {
    this.handle.close();
  }

  /**
   * Inflates from `input[inOff..]` into `out`. `last`: this input is the end of the stored bytes, so a
   * stream that has not ended by then is an error. Throws zlib's message on corrupt data; after that the
   * inflater must not be used again.
   */
  write(input: Uint8Array, inOff: number, out: Uint8Array, last: boolean): { produced: number; inputLeft: number } {
    this.handle.writeSync(last ? constants.Z_FINISH : constants.Z_NO_FLUSH, input, inOff, input.length - inOff, out, 0, out.length);
    if (this.failure !== null) throw new Error(this.failure);
    return { produced: out.length - this.state[0]!, inputLeft: this.state[1]! };
  }
}

/**
 * Walks a raw deflate stream made only of stored blocks (what zlib writes for incompressible data: RFC 1951
 * §3.2.4, a 3-bit header padded to a byte, LEN, its one's complement, LEN bytes of data), fed in blocks of
 * any size, handing out the data as views: no inflate, no copy. `feed` returns false as soon as a block is
 * compressed or a length does not check out; the caller then has zlib inflate the stream from the start.
 */
export class StoredBlockWalker {
  /** The whole stream has been read up to its final block's last byte. */
  done = false;
  private left = 0;
  private final = false;
  private readonly header = Buffer.alloc(5);
  private headerLength = 0;

  feed(src: Buffer, emit: (data: Buffer) => void): boolean {
    let at = 0;
    while (at < src.length && !this.done) {
      if (this.left > 0) {
        const n = Math.min(this.left, src.length - at);
        emit(src.subarray(at, at + n));
        at += n;
        this.left -= n;
        if (this.left === 0 && this.final) this.done = true;
        continue;
      }
      const n = Math.min(5 - this.headerLength, src.length - at);
      src.copy(this.header, this.headerLength, at, at + n);
      this.headerLength += n;
      at += n;
      if (this.headerLength < 5) break;
      this.headerLength = 0;
      const type = this.header[0]!;
      if ((type & 0b110) !== 0) return false;
      const len = this.header.readUInt16LE(1);
      if ((len ^ 0xffff) !== this.header.readUInt16LE(3)) return false;
      this.final = (type & 1) === 1;
      this.left = len;
      if (len === 0 && this.final) this.done = true;
    }
    return true;
  }
}
