/** Thrown by ByteView when a read runs past the end; readers turn it into a W-BIN-CORRUPT finding. */
export class TruncatedError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'TruncatedError';
  }
}

/** Bounds-checked little/big-endian reads over a byte array; never reads outside `bytes`. */
export class ByteView {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian = true,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    return new ByteView(this.bytes.subarray(offset, offset + size), this.littleEndian);
  }

  need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new TruncatedError(`${what} at offset ${offset} (+${size}) is outside the file (${this.bytes.length} bytes)`);
    }
  }

  u8(offset: number, what = 'byte'): number {
    this.need(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what = 'u16'): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, this.littleEndian);
  }

  u32(offset: number, what = 'u32'): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, this.littleEndian);
  }

  /** 64-bit value as a number; values above 2^53 cannot be valid offsets, so they fail the next bounds check. */
  u64(offset: number, what = 'u64'): number {
    this.need(offset, 8, what);
    const big = this.view.getBigUint64(offset, this.littleEndian);
    return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
  }

  /** NUL-terminated string starting at offset (bounded by the view). */
  cstring(offset: number, what = 'string'): string {
    this.need(offset, 0, what);
    let end = offset;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    if (end >= this.bytes.length) throw new TruncatedError(`${what} at offset ${offset} has no terminating NUL`);
    return Buffer.from(this.bytes.subarray(offset, end)).toString('latin1');
  }
}
