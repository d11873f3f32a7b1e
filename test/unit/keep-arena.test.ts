import { describe, expect, it } from 'vitest';
import { ByteView, MissingBytes, SparseBytes, TruncatedError } from '../../src/binary/bytes.js';
import { KeepArena, RangeKeeper } from '../../src/verify/keep.js';

const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));

describe('KeepArena', () => {
  it('reuses its blocks entry after entry, and lets go of those beyond what it retains', () => {
    const arena = new KeepArena(1024, 2);
    const [a] = arena.take(100);
    const split = arena.take(1000);
    // 924 bytes left in the first block, the rest in a second one.
    expect(split.map((b) => b.length)).toEqual([924, 76]);
    arena.reset();
    expect(arena.take(10)[0]!.buffer).toBe(a!.buffer);
    arena.take(3000);
    expect(arena.inUse).toBe(3010);
    arena.reset();
    expect(arena.take(1)[0]!.buffer).toBe(a!.buffer);
  });
});

describe('RangeKeeper', () => {
  it('keeps only the wanted ranges of bytes streamed in pieces, across block ends', () => {
    const data = bytes(10_000);
    const keeper = new RangeKeeper(data.length, new KeepArena(512, 4));
    keeper.want([
      { offset: 100, size: 50 },
      { offset: 3000, size: 2000 },
    ]);
    for (let at = 0; at < data.length; at += 333) keeper.add(data.subarray(at, Math.min(data.length, at + 333)));
    const kept = keeper.result() as SparseBytes;
    expect(keeper.kept).toBe(2050);
    expect(Buffer.from(kept.range(3000, 2000)).equals(data.subarray(3000, 5000))).toBe(true);
    expect(Buffer.from(kept.range(100, 50)).equals(data.subarray(100, 150))).toBe(true);
    expect(() => kept.range(150, 1)).toThrow(MissingBytes);
  });

  it('asks its plan again where a leading range ends, so a range it then wants in the same piece is still kept', () => {
    const data = bytes(4096);
    const calls: number[] = [];
    const keeper = new RangeKeeper(data.length, new KeepArena(), (have) => {
      calls.push(have.pieces.reduce((n, p) => n + p.bytes.length, 0));
      return have.pieceAt(10) >= 0 && have.range(10, 4)[0] === 10 ? [{ offset: 20, size: 8, leads: false }] : [];
    });
    keeper.want([{ offset: 10, size: 4, leads: true }]);
    keeper.add(data);
    expect(keeper.missed).toBe(0);
    expect(calls).toEqual([4]);
    expect(Buffer.from((keeper.result() as SparseBytes).range(20, 8)).equals(data.subarray(20, 28))).toBe(true);
    expect(keeper.done).toBe(true);
  });

  it('counts a range wanted after its bytes went past as missed', () => {
    const keeper = new RangeKeeper(100, new KeepArena());
    keeper.add(bytes(60));
    keeper.want([{ offset: 10, size: 60 }]);
    keeper.add(bytes(40));
    expect(keeper.missed).toBe(1);
    expect(() => (keeper.result() as SparseBytes).range(10, 60)).toThrow(MissingBytes);
  });
});

describe('ByteView over touching pieces', () => {
  const whole = Buffer.from('\u0000libfoo.so.1\u0000a_very_long_symbol_name_indeed\u0000', 'latin1');
  const sparse = new SparseBytes(whole.length, [
    { offset: 0, bytes: whole.subarray(0, 5) },
    { offset: 5, bytes: whole.subarray(5, 20) },
    { offset: 20, bytes: whole.subarray(20) },
  ]);

  it('reads values and strings that run across pieces as from one array', () => {
    for (const v of [new ByteView(whole), new ByteView(sparse)]) {
      expect(v.cstring(1)).toBe('libfoo.so.1');
      expect(v.u32(3)).toBe(whole.readUInt32LE(3));
      // A string that runs to the end of its table is corrupt, whole or sparse.
      expect(() => v.slice(13, 10, 'x').cstring(0)).toThrow(TruncatedError);
      expect(v.cstringUpTo(13, 8)).toEqual({ text: 'a_very_l', cut: true });
      expect(v.cstringUpTo(1, 27)).toEqual({ text: 'libfoo.so.1', cut: false });
    }
  });

  it('stops at a gap with MissingBytes, not a wrong string', () => {
    const gap = new SparseBytes(whole.length, [{ offset: 0, bytes: whole.subarray(0, 16) }]);
    expect(() => new ByteView(gap).cstring(13)).toThrow(MissingBytes);
    expect(new ByteView(gap).cstringUpTo(13, 3)).toEqual({ text: 'a_v', cut: true });
  });
});
