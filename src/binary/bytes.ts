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

/**
 * Some ranges of a file too large to hold (a 400 MB shared library): the parts its headers point at.
 * `pieces` are sorted and do not overlap.
 */
export class SparseBytes {
  constructor(
    readonly length: number,
    readonly pieces: ReadonlyArray<{ offset: number; bytes: Uint8Array }>,
  ) {}

  /** [offset, offset+size) as one array, if one piece holds all of it; else MissingBytes. */
  range(offset: number, size: number): Uint8Array {
    for (const p of this.pieces) {
      if (offset >= p.offset && offset + size <= p.offset + p.bytes.length) return p.bytes.subarray(offset - p.offset, offset - p.offset + size);
    }
    throw new MissingBytes(offset, size);
  }
}

/** The first bytes of a file, whole or sparse (empty when a sparse file lacks its start). */
export function headBytes(bytes: Uint8Array | SparseBytes): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  const first = bytes.pieces[0];
  return first && first.offset === 0 ? first.bytes : new Uint8Array(0);
}

/**
 * Bounds-checked little/big-endian reads over a byte array, or over the ranges of a SparseBytes at hand
 * (a slice of those is a plain view); never reads outside the file.
 */
export class ByteView {
  private readonly view: DataView | null;

  constructor(
    readonly bytes: Uint8Array | SparseBytes,
    readonly littleEndian = true,
  ) {
    this.view = bytes instanceof Uint8Array ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  }

  get length(): number {
    return this.bytes.length;
  }

  withEndian(littleEndian: boolean): ByteView {
    return new ByteView(this.bytes, littleEndian);
  }

  /** A view of [offset, offset+size), checked against this view's bounds. */
  slice(offset: number, size: number, what: string): ByteView {
    this.need(offset, size, what);
    const b = this.bytes;
    return new ByteView(b instanceof Uint8Array ? b.subarray(offset, offset + size) : b.range(offset, size), this.littleEndian);
  }

  need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new TruncatedError(`${what} at offset ${offset} (+${size}) is outside the file (${this.bytes.length} bytes)`);
    }
  }

  /** A DataView and the position in it of `offset`, for a read of `size` bytes there. */
  private at(offset: number, size: number, what: string): [DataView, number] {
    this.need(offset, size, what);
    if (this.view) return [this.view, offset];
    const r = (this.bytes as SparseBytes).range(offset, size);
    return [new DataView(r.buffer, r.byteOffset, r.byteLength), 0];
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
    this.need(offset, 0, what);
    if (!(this.bytes instanceof Uint8Array)) return this.slice(offset, Math.min(this.bytes.length - offset, 64 * 1024), what).cstring(0, what);
    let end = offset;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    if (end >= this.bytes.length) throw new TruncatedError(`${what} at offset ${offset} has no terminating NUL`);
    return Buffer.from(this.bytes.subarray(offset, end)).toString('latin1');
  }
}
