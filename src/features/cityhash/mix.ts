// Mixing steps shared by both CityHash64 versions, on (hi, lo) int32 pairs (see ./u64.ts).
// Results are written to a caller-provided Uint32Array: [hi, lo] (or [first.hi, first.lo,
// second.hi, second.lo] for weakHashLen32WithSeeds), so nothing is allocated per call.
import { addHi, rd32, rotHi, rotLo } from './u64.js';

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

/**
 * WeakHashLen32WithSeeds(s + p, a, b): w, x, y, z = the four 64-bit words at s[p, p+32);
 * a += w; b = rot(b + a + z, 21); c = a; a += x + y; b += rot(a, 44); result (a + z, b + c).
 * Writes out[0..3] = first.hi, first.lo, second.hi, second.lo.
 */
export function weakHashLen32(s: Uint8Array, p: number, ah: number, al: number, bh: number, bl: number,
  out: Uint32Array): void {
  const wl = rd32(s, p), wh = rd32(s, p + 4);
  const xl = rd32(s, p + 8), xh = rd32(s, p + 12);
  const yl = rd32(s, p + 16), yh = rd32(s, p + 20);
  const zl = rd32(s, p + 24), zh = rd32(s, p + 28);
  ah = addHi(ah, al, wh, wl); al = (al + wl) | 0;
  // t = b + a + z
  let th = addHi(bh, bl, ah, al), tl = (bl + al) | 0;
  th = addHi(th, tl, zh, zl); tl = (tl + zl) | 0;
  bh = rotHi(th, tl, 21); bl = rotLo(th, tl, 21);
  const ch = ah, cl = al;
  ah = addHi(ah, al, xh, xl); al = (al + xl) | 0;
  ah = addHi(ah, al, yh, yl); al = (al + yl) | 0;
  const rh = rotHi(ah, al, 44), rl = rotLo(ah, al, 44);
  bh = addHi(bh, bl, rh, rl); bl = (bl + rl) | 0;
  out[0] = addHi(ah, al, zh, zl); out[1] = (al + zl) | 0;
  out[2] = addHi(bh, bl, ch, cl); out[3] = (bl + cl) | 0;
}
