// BLAKE2b (RFC 7693) with a chosen digest length: PyPI keys files by blake2b-256, which Node's
// OpenSSL does not offer (only blake2b512, and BLAKE2b-256 is not a truncation of it).

const IV = new Int32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a, 0xade682d1,
  0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

const SIGMA = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3, 11, 8, 12,
  0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4, 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8, 9, 0, 5, 7, 2, 4, 10,
  15, 14, 1, 11, 12, 6, 8, 3, 13, 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9, 12, 5, 1, 15, 14, 13, 4, 10, 0,
  7, 6, 3, 9, 2, 8, 11, 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10, 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7,
  1, 4, 10, 5, 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
].map((x) => x * 2);

/** Incremental BLAKE2b; `update` as data arrives, `digest` once. */
export class Blake2b {
  private readonly h = new Int32Array(16);
  private readonly v = new Int32Array(32);
  private readonly m = new Int32Array(32);
  private readonly buf = new Uint8Array(128);
  private bufLen = 0;
  private t = 0;

  constructor(private readonly outLen = 32) {
    this.h.set(IV);
    this.h[0]! ^= 0x01010000 ^ outLen;
  }

  update(data: Uint8Array): this {
    for (let i = 0; i < data.length; ) {
      if (this.bufLen === 128) {
        this.t += 128;
        this.compress(false);
        this.bufLen = 0;
      }
      const n = Math.min(128 - this.bufLen, data.length - i);
      this.buf.set(data.subarray(i, i + n), this.bufLen);
      this.bufLen += n;
      i += n;
    }
    return this;
  }

  digest(): Buffer {
    this.t += this.bufLen;
    this.buf.fill(0, this.bufLen);
    this.compress(true);
    const out = Buffer.alloc(this.outLen);
    for (let i = 0; i < this.outLen; i++) out[i] = (this.h[i >> 2]! >>> (8 * (i & 3))) & 0xff;
    return out;
  }

  private compress(last: boolean): void {
    const { v, m, h, buf } = this;
    for (let i = 0; i < 16; i++) v[i] = h[i]!;
    for (let i = 0; i < 16; i++) v[i + 16] = IV[i]!;
    v[24]! ^= this.t >>> 0;
    v[25]! ^= Math.floor(this.t / 0x100000000);
    if (last) {
      v[28] = ~v[28]!;
      v[29] = ~v[29]!;
    }
    for (let i = 0; i < 32; i++) m[i] = buf[i * 4]! | (buf[i * 4 + 1]! << 8) | (buf[i * 4 + 2]! << 16) | (buf[i * 4 + 3]! << 24);
    for (let r = 0; r < 12; r++) {
      const s = (r % 10) * 16;
      g(v, m, 0, 8, 16, 24, SIGMA[s]!, SIGMA[s + 1]!);
      g(v, m, 2, 10, 18, 26, SIGMA[s + 2]!, SIGMA[s + 3]!);
      g(v, m, 4, 12, 20, 28, SIGMA[s + 4]!, SIGMA[s + 5]!);
      g(v, m, 6, 14, 22, 30, SIGMA[s + 6]!, SIGMA[s + 7]!);
      g(v, m, 0, 10, 20, 30, SIGMA[s + 8]!, SIGMA[s + 9]!);
      g(v, m, 2, 12, 22, 24, SIGMA[s + 10]!, SIGMA[s + 11]!);
      g(v, m, 4, 14, 16, 26, SIGMA[s + 12]!, SIGMA[s + 13]!);
      g(v, m, 6, 8, 18, 28, SIGMA[s + 14]!, SIGMA[s + 15]!);
    }
    for (let i = 0; i < 16; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 16]!;
  }
}

// 64-bit words as (lo, hi) pairs of 32-bit words at even/odd indices.
function add64(v: Int32Array, a: number, b: number): void {
  const lo = (v[a]! >>> 0) + (v[b]! >>> 0);
  v[a + 1] = (v[a + 1]! + v[b + 1]! + (lo > 0xffffffff ? 1 : 0)) | 0;
  v[a] = lo | 0;
}

function add64c(v: Int32Array, a: number, lo0: number, hi0: number): void {
  const lo = (v[a]! >>> 0) + (lo0 >>> 0);
  v[a + 1] = (v[a + 1]! + hi0 + (lo > 0xffffffff ? 1 : 0)) | 0;
  v[a] = lo | 0;
}

function g(v: Int32Array, m: Int32Array, a: number, b: number, c: number, d: number, ix: number, iy: number): void {
  add64(v, a, b);
  add64c(v, a, m[ix]!, m[ix + 1]!);
  let xlo = v[d]! ^ v[a]!;
  let xhi = v[d + 1]! ^ v[a + 1]!;
  v[d] = xhi;
  v[d + 1] = xlo; // rotr 32
  add64(v, c, d);
  xlo = v[b]! ^ v[c]!;
  xhi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (xlo >>> 24) ^ (xhi << 8);
  v[b + 1] = (xhi >>> 24) ^ (xlo << 8); // rotr 24
  add64(v, a, b);
  add64c(v, a, m[iy]!, m[iy + 1]!);
  xlo = v[d]! ^ v[a]!;
  xhi = v[d + 1]! ^ v[a + 1]!;
  v[d] = (xlo >>> 16) ^ (xhi << 16);
  v[d + 1] = (xhi >>> 16) ^ (xlo << 16); // rotr 16
  add64(v, c, d);
  xlo = v[b]! ^ v[c]!;
  xhi = v[b + 1]! ^ v[c + 1]!;
  v[b] = (xhi >>> 31) ^ (xlo << 1);
  v[b + 1] = (xlo >>> 31) ^ (xhi << 1); // rotr 63
}

export function blake2b256Hex(data: Uint8Array): string {
  return new Blake2b(32).update(data).digest().toString('hex');
}
