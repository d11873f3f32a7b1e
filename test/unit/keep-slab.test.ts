import { describe, expect, it } from 'vitest';
import { KeepSlab } from '../../src/verify/scan.js';

describe('KeepSlab', () => {
  it('reuses one buffer for the kept bytes of entry after entry, growing only when an entry needs more', () => {
    const slab = new KeepSlab();
    const first = slab.take(3 * 1024 * 1024);
    expect(first!.length).toBe(3 * 1024 * 1024);
    const second = slab.take(1000);
    expect(second!.length).toBe(1000);
    expect(second!.buffer).toBe(first!.buffer);
    const larger = slab.take(5 * 1024 * 1024);
    expect(larger!.buffer).not.toBe(first!.buffer);
    expect(slab.take(4 * 1024 * 1024)!.buffer).toBe(larger!.buffer);
  });

  it('leaves an entry above its limit to a buffer of its own', () => {
    expect(new KeepSlab().take(65 * 1024 * 1024)).toBeNull();
  });
});
