// What verify keeps of an entry's bytes while they stream past: the ranges the checks will read, copied into
// blocks reused from entry to entry. Which ranges are wanted may only become known on the way (an ELF file's
// section headers say where its symbol tables are), so ranges can be added while the entry streams.
import { SparseBytes, type ByteRange, type WantedRange } from '../binary/index.js';

/** The block size of a thread's kept bytes; a range that crosses a block's end is kept as two touching pieces. */
export const KEEP_BLOCK = 1 << 20;
/**
 * Blocks a thread holds on to between entries; more, when an entry needs them, are let go after it. The
 * largest real binaries need 9–13 (8 MiB of head, then the tables and names).
 */
export const KEEP_RETAIN = 12;

/**
 * Where kept bytes go: blocks of KEEP_BLOCK, handed out in order and reused from entry to entry, so an
 * entry allocates nothing but what an entry before it did not need. A buffer per entry left freed 1–32 MiB
 * blocks resident in each thread (glibc's per-thread arenas). One task of a thread holds it at a time
 * (`busy`): kept bytes live only until that task's next entry is read.
 */
export class KeepArena {
  private readonly blocks: Buffer[] = [];
  private block = 0;
  private used = 0;
  busy = false;

  constructor(
    private readonly blockSize = KEEP_BLOCK,
    private readonly retain = KEEP_RETAIN,
  ) {}

  /** The next entry's bytes overwrite what was handed out; blocks beyond `retain` are let go. */
  reset(): void {
    if (this.blocks.length > this.retain) this.blocks.length = this.retain;
    this.block = 0;
    this.used = 0;
  }

  /** `size` bytes, as one or more buffers in order (split where a block ends). */
  take(size: number): Buffer[] {
    const out: Buffer[] = [];
    while (size > 0) {
      if (this.used === this.blockSize) {
        this.block++;
        this.used = 0;
      }
      if (this.block === this.blocks.length) this.blocks.push(Buffer.allocUnsafeSlow(this.blockSize));
      const n = Math.min(size, this.blockSize - this.used);
      out.push(this.blocks[this.block]!.subarray(this.used, this.used + n));
      this.used += n;
      size -= n;
    }
    return out;
  }

  /** Bytes handed out since the last reset. */
  get inUse(): number {
    return this.block * this.blockSize + this.used;
  }
}

interface Piece {
  offset: number;
  bytes: Buffer;
}

/** Wanted ranges closer than this are kept as one (fewer pieces for a few bytes more). */
const COALESCE = 256;

/**
 * The kept ranges of one entry of `length` bytes, filled as its bytes are fed in order. `want` adds ranges at
 * any time; the part of a range that has already streamed past is `missed` (the entry must be read again for
 * it). With a `plan`, each time a range marked `leads` is complete, the plan is asked again what it wants,
 * given what is at hand.
 */
export class RangeKeeper {
  private pieces: Piece[] = [];
  private at = 0;
  /** Index of the first piece not yet filled to its end. */
  private filling = 0;
  /** Ends of `leads` ranges not yet complete, ascending. */
  private leadEnds: number[] = [];
  /** Wanted ranges that had (in part) streamed past when they were wanted. */
  missed = 0;

  constructor(
    readonly length: number,
    private readonly arena: KeepArena,
    private readonly plan: ((have: SparseBytes) => WantedRange[]) | null = null,
  ) {}

  /** Bytes kept. */
  get kept(): number {
    return this.pieces.reduce((n, p) => n + p.bytes.length, 0);
  }

  /** Every wanted range is in, and no plan is waiting on one: the rest of the entry is not needed. */
  get done(): boolean {
    const last = this.pieces[this.pieces.length - 1];
    return this.leadEnds.length === 0 && (!last || last.offset + last.bytes.length <= this.at);
  }

  want(ranges: ReadonlyArray<ByteRange & { leads?: boolean }>): void {
    const fresh: Array<{ start: number; stop: number }> = [];
    for (const r of ranges) {
      const start = Math.max(0, r.offset);
      const stop = Math.min(this.length, r.offset + r.size);
      if (!(start < stop)) continue;
      if (r.leads && stop > this.at) this.leadEnds.push(stop);
      if (start < this.at && this.covered(start, Math.min(stop, this.at)) < Math.min(stop, this.at) - start) this.missed++;
      if (Math.max(start, this.at) < stop) fresh.push({ start: Math.max(start, this.at), stop });
    }
    this.leadEnds.sort((a, b) => a - b);
    if (!fresh.length) return;
    fresh.sort((a, b) => a.start - b.start);
    const merged: typeof fresh = [];
    for (const r of fresh) {
      const last = merged[merged.length - 1];
      if (last && r.start <= last.stop + COALESCE) last.stop = Math.max(last.stop, r.stop);
      else merged.push({ ...r });
    }
    // The parts no piece holds yet, as new pieces.
    const added: Piece[] = [];
    let i = this.firstEndingAfter(merged[0]!.start);
    for (const r of merged) {
      let from = r.start;
      while (from < r.stop) {
        while (i < this.pieces.length && this.pieces[i]!.offset + this.pieces[i]!.bytes.length <= from) i++;
        const p = this.pieces[i];
        if (p && p.offset <= from) {
          from = p.offset + p.bytes.length;
          continue;
        }
        const to = Math.min(r.stop, p ? p.offset : Infinity);
        let offset = from;
        for (const bytes of this.arena.take(to - from)) {
          added.push({ offset, bytes });
          offset += bytes.length;
        }
        from = to;
      }
    }
    if (!added.length) return;
    const all: Piece[] = [];
    for (let a = 0, b = 0; a < this.pieces.length || b < added.length; ) {
      if (b >= added.length || (a < this.pieces.length && this.pieces[a]!.offset < added[b]!.offset)) all.push(this.pieces[a++]!);
      else all.push(added[b++]!);
    }
    this.pieces = all;
    this.filling = this.firstEndingAfter(this.at);
  }

  /** The entry's next bytes. A plan is asked again where a `leads` range ends, before the bytes after it are copied. */
  add(piece: Buffer): void {
    for (let off = 0; off < piece.length; ) {
      const next = this.leadEnds[0];
      const n = next === undefined ? piece.length - off : Math.min(piece.length - off, next - this.at);
      this.copy(piece.subarray(off, off + n));
      off += n;
      if (next !== undefined && next <= this.at) {
        this.leadEnds = this.leadEnds.filter((e) => e > this.at);
        this.replan();
      }
    }
  }

  private copy(piece: Buffer): void {
    const at = this.at;
    const end = at + piece.length;
    for (let i = this.filling; i < this.pieces.length && this.pieces[i]!.offset < end; i++) {
      const p = this.pieces[i]!;
      const from = Math.max(at, p.offset);
      const to = Math.min(end, p.offset + p.bytes.length);
      if (from < to) piece.copy(p.bytes, from - p.offset, from - at, to - at);
    }
    this.at = end;
    while (this.filling < this.pieces.length && this.pieces[this.filling]!.offset + this.pieces[this.filling]!.bytes.length <= end) this.filling++;
  }

  /** Asks the plan (if any) what else it wants, given what is at hand. */
  replan(): void {
    if (this.plan) this.want(this.plan(this.atHand()));
  }

  /** What is kept and filled so far. */
  atHand(): SparseBytes {
    const have: Piece[] = this.pieces.slice(0, this.filling);
    const p = this.pieces[this.filling];
    if (p && p.offset < this.at) have.push({ offset: p.offset, bytes: p.bytes.subarray(0, this.at - p.offset) });
    return new SparseBytes(this.length, have);
  }

  /** What was kept: one array when it is the whole entry in one piece. */
  result(): Uint8Array | SparseBytes {
    const have = this.atHand();
    const only = have.pieces.length === 1 ? have.pieces[0]! : null;
    return only && only.offset === 0 && only.bytes.length === this.length ? only.bytes : have;
  }

  /** Index of the first piece that ends after `offset`. */
  private firstEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.pieces[mid]!;
      if (p.offset + p.bytes.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** How many bytes of [start, stop) the pieces hold. */
  private covered(start: number, stop: number): number {
    let n = 0;
    for (let i = this.firstEndingAfter(start); i < this.pieces.length && this.pieces[i]!.offset < stop; i++) {
      const p = this.pieces[i]!;
      n += Math.min(stop, p.offset + p.bytes.length) - Math.max(start, p.offset);
    }
    return n;
  }
}
