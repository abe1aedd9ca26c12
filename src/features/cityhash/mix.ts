// The final 128→64-bit mix shared by both CityHash64 versions, on (hi, lo) int32 pairs (see
// ./u64.ts). The result is written to a caller-provided Uint32Array as [hi, lo]: no allocation.
const TWO32 = 4294967296;
const KMULH = 0x9ddfea08 | 0, KMULL = 0xeb382d69 | 0; // Hash128to64 multiplier 0x9ddfea08eb382d69

/**
 * HashLen16(u, v, mul) of city.cc: a = (u^v)·mul; a ^= a>>47; b = (v^a)·mul; b ^= b>>47; b·mul.
 * With mul = kMul this is Hash128to64(u = low, v = high), i.e. the two-argument HashLen16(u, v).
 */
export function hashLen16(uh: number, ul: number, vh: number, vl: number, mh: number, ml: number,
  out: Uint32Array): void {
  // The three 64×64 multiplications are written out (see mulHi in ./u64.ts): this is the hottest
  // function for short keys and TurboFan's inlining budget does not always reach helper calls.
  const mu = ml >>> 0;
  let xh = uh ^ vh, xl = ul ^ vl;
  let al = Math.imul(xl, ml);
  const ah = (Math.round(((xl >>> 0) * mu - (al >>> 0)) / TWO32) + Math.imul(xh, ml) + Math.imul(xl, mh)) | 0;
  al ^= ah >>> 15; // a ^= a >> 47 (only the low half changes)
  xh = vh ^ ah; xl = vl ^ al;
  let bl = Math.imul(xl, ml);
  const bh = (Math.round(((xl >>> 0) * mu - (bl >>> 0)) / TWO32) + Math.imul(xh, ml) + Math.imul(xl, mh)) | 0;
  bl ^= bh >>> 15;
  const rl = Math.imul(bl, ml);
  out[0] = (Math.round(((bl >>> 0) * mu - (rl >>> 0)) / TWO32) + Math.imul(bh, ml) + Math.imul(bl, mh)) | 0;
  out[1] = rl;
}

/** Hash128to64 / HashLen16(u, v) with the kMul multiplier. */
export function hash128to64(uh: number, ul: number, vh: number, vl: number, out: Uint32Array): void {
  hashLen16(uh, ul, vh, vl, KMULH, KMULL, out);
}
