/** Thrown by ByteView when a read runs past the end; readers turn it into a W-BIN-CORRUPT finding. */
export class TruncatedError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'TruncatedError';
  }
}

/**
 * Thrown when a read falls in a part of a SparseBytes that is not at hand: not a defect of the file. The
 * caller fetches [offset, offset+size) and asks again.
 */
export class MissingBytes extends Error {
  constructor(
    readonly offset: number,
    readonly size: number,
  ) {
    super(`bytes ${offset}..${offset + size} are not at hand`);
    this.name = 'MissingBytes';
  }
}

/** A byte range of a file: [offset, offset + size). */
export interface ByteRange {
  offset: number;
  size: number;
}

/**
 * Some ranges of a file too large to hold (a 400 MB shared library): the parts its headers point at.
 * `pieces` are sorted and do not overlap; neighbouring pieces may touch (a range kept in several blocks).
 */
export class SparseBytes {
  /** The piece the last read was in, and a DataView of each piece read: most reads follow the one before. */
  private last = 0;
  private readonly views: Array<DataView | undefined> = [];

  constructor(
    readonly length: number,
    readonly pieces: ReadonlyArray<{ offset: number; bytes: Uint8Array }>,
  ) {}

  /** A DataView holding [offset, offset+size) and the position of `offset` in it; MissingBytes if not at hand. */
  dataView(offset: number, size: number): [DataView, number] {
    let i = this.last;
    let p = this.pieces[i];
    if (!p || offset < p.offset || offset + size > p.offset + p.bytes.length) {
      i = this.pieceAt(offset);
      p = i >= 0 ? this.pieces[i] : undefined;
    }
    if (p && offset + size <= p.offset + p.bytes.length) {
      this.last = i;
      const view = (this.views[i] ??= new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength));
      return [view, offset - p.offset];
    }
    const r = this.range(offset, size);
    return [new DataView(r.buffer, r.byteOffset, r.byteLength), 0];
  }

  /** The index of the piece holding `offset`, or -1. */
  pieceAt(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.pieces[mid]!;
      if (offset < p.offset) hi = mid - 1;
      else if (offset >= p.offset + p.bytes.length) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /**
   * [offset, offset+size) as one array: a view when one piece holds all of it, a copy when it runs over
   * touching pieces; else MissingBytes from the first byte not at hand.
   */
  range(offset: number, size: number): Uint8Array {
    if (size <= 0) return new Uint8Array(0);
    let i = this.pieceAt(offset);
    if (i < 0) throw new MissingBytes(offset, size);
    const first = this.pieces[i]!;
    if (offset + size <= first.offset + first.bytes.length) return first.bytes.subarray(offset - first.offset, offset - first.offset + size);
    const out = new Uint8Array(size);
    for (let done = 0; done < size; i++) {
      const p = this.pieces[i];
      if (!p || p.offset > offset + done) throw new MissingBytes(offset + done, size - done);
      const from = offset + done - p.offset;
      const n = Math.min(p.bytes.length - from, size - done);
      out.set(p.bytes.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }
}

/** The first bytes of a file, whole or sparse (empty when a sparse file lacks its start). */
export function headBytes(bytes: Uint8Array | SparseBytes): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  const first = bytes.pieces[0];
  return first && first.offset === 0 ? first.bytes : new Uint8Array(0);
}

/**
 * Bounds-checked little/big-endian reads over a byte array, or over the ranges of a SparseBytes at hand. A
 * slice of a byte array is a view of it; a slice of a SparseBytes is a window on it (nothing is copied, and
 * only what is then read must be at hand). Never reads outside the file.
 */
export class ByteView {
  private readonly view: DataView | null;
  readonly length: number;

  constructor(
    readonly bytes: Uint8Array | SparseBytes,
    readonly littleEndian = true,
    /** Where this window starts in a SparseBytes (0 for a byte array). */
    private readonly base = 0,
    length?: number,
  ) {
    this.view = bytes instanceof Uint8Array ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
    this.length = length ?? bytes.length;
  }

  withEndian(littleEndian: boolean): ByteView {
    return new ByteView(this.bytes, littleEndian, this.base, this.length);
  }

  /** A view of [offset, offset+size), checked against this view's bounds. */
  slice(offset: number, size: number, what: string): ByteView {
    this.need(offset, size, what);
    const b = this.bytes;
    if (b instanceof Uint8Array) return new ByteView(b.subarray(offset, offset + size), this.littleEndian);
    // One piece holds it all (the usual case): a plain view, read at full speed.
    const at = this.base + offset;
    const i = b.pieceAt(at);
    const p = i >= 0 ? b.pieces[i]! : null;
    if (p && at + size <= p.offset + p.bytes.length) return new ByteView(p.bytes.subarray(at - p.offset, at - p.offset + size), this.littleEndian);
    return new ByteView(b, this.littleEndian, at, size);
  }

  need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.length) {
      throw new TruncatedError(`${what} at offset ${offset} (+${size}) is outside the file (${this.length} bytes)`);
    }
  }

  /** A DataView and the position in it of `offset`, for a read of `size` bytes there. */
  private at(offset: number, size: number, what: string): [DataView, number] {
    this.need(offset, size, what);
    if (this.view) return [this.view, offset];
    return (this.bytes as SparseBytes).dataView(this.base + offset, size);
  }

  u8(offset: number, what = 'byte'): number {
    const [view, at] = this.at(offset, 1, what);
    return view.getUint8(at);
  }

  u16(offset: number, what = 'u16'): number {
    const [view, at] = this.at(offset, 2, what);
    return view.getUint16(at, this.littleEndian);
  }

  u32(offset: number, what = 'u32'): number {
    const [view, at] = this.at(offset, 4, what);
    return view.getUint32(at, this.littleEndian);
  }

  /** 64-bit value as a number; values above 2^53 cannot be valid offsets, so they fail the next bounds check. */
  u64(offset: number, what = 'u64'): number {
    const [view, at] = this.at(offset, 8, what);
    const big = view.getBigUint64(at, this.littleEndian);
    return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  }

  /** NUL-terminated string starting at offset (bounded by the view). */
  cstring(offset: number, what = 'string'): string {
    const s = this.cstringUpTo(offset, Infinity, what);
    return s.text;
  }

  /**
   * The NUL-terminated string at offset, or its first `limit` bytes when it is longer (`cut`): a caller that
   * only compares names against a list of names up to `limit` - 1 bytes long need not read the rest.
   */
  cstringUpTo(offset: number, limit: number, what = 'string'): { text: string; cut: boolean } {
    this.need(offset, 0, what);
    const max = Math.min(this.length, offset + limit);
    const b = this.bytes;
    if (b instanceof Uint8Array) {
      let end = offset;
      while (end < max && b[end] !== 0) end++;
      if (end < max) return { text: latin1(b.subarray(offset, end)), cut: false };
      if (max < this.length) return { text: latin1(b.subarray(offset, max)), cut: true };
      throw new TruncatedError(`${what} at offset ${offset} has no terminating NUL`);
    }
    // Sparse: walk the pieces at hand (touching pieces continue the string); a gap is MissingBytes.
    const parts: Uint8Array[] = [];
    let at = this.base + offset;
    const stop = this.base + max;
    while (at < stop) {
      const i = b.pieceAt(at);
      if (i < 0) throw new MissingBytes(at, Math.min(stop - at, 4096));
      const p = b.pieces[i]!;
      const chunk = p.bytes.subarray(at - p.offset, Math.min(p.bytes.length, stop - p.offset));
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        return { text: latin1(parts.length === 1 ? parts[0]! : Buffer.concat(parts)), cut: false };
      }
      parts.push(chunk);
      at += chunk.length;
    }
    if (max < this.length) return { text: latin1(parts.length === 1 ? parts[0]! : Buffer.concat(parts)), cut: true };
    throw new TruncatedError(`${what} at offset ${offset} has no terminating NUL`);
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
