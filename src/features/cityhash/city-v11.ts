// CityHash64 v1.1 (Google's current release) on 32-bit halves; written from the published algorithm.
// Each function writes the result to out as [hi, lo]. Variable naming: a 64-bit quantity `a` of
// city.cc is the pair (ah, al) of int32 halves. Inputs of 33+ bytes: ./city-v11-long.ts.
import { len33to64v11, longV11 } from './city-v11-long.js';
import { hashLen16 } from './mix.js';
import { mulHi } from './u64.js';

// Constants are module-local on purpose: TurboFan does not constant-fold imported bindings (~10%
// slower under ESM; ~3× when a loader turns the imports into CommonJS getters).
const TWO32 = 4294967296;
const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0;
const K1H = 0xb492b66f | 0, K1L = 0xbe98f273 | 0;
const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0;
const K1U = K1L >>> 0, K2U = K2L >>> 0;

// The 0–16 and 17–32 byte paths (the common case for feature crosses) have their 64-bit
// arithmetic written out by hand: loads are little-endian byte reads, x·y is
//   lo = imul(xl, yl), hi = round((xl·yl − lo) / 2^32) + imul(xh, yl) + imul(xl, yh)   (see mulHi)
// and x + y is lo = xl + yl, hi = xh + yh + (lo <u xl). TurboFan does not reliably inline helper
// calls here (inlining budget); the hand-inlined form measured ~2× faster.

function len0to16(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len >= 8) {
    // mul = k2 + 2·len; the low word K2L + 32 cannot carry, so mul = (K2H, K2L + 2·len).
    const ml = (K2L + 2 * len) | 0, mu = ml >>> 0;
    const t0 = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
    const t1 = s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24);
    const q = p + len - 8; // b = Fetch64(s + len - 8)
    const bl = s[q] | (s[q + 1] << 8) | (s[q + 2] << 16) | (s[q + 3] << 24);
    const bh = s[q + 4] | (s[q + 5] << 8) | (s[q + 6] << 16) | (s[q + 7] << 24);
    // a = Fetch64(s) + k2
    const al = (t0 + K2L) | 0;
    const ah = (t1 + K2H + ((al >>> 0) < (t0 >>> 0) ? 1 : 0)) | 0;
    // c = Rotate(b, 37)·mul + a
    const rh = (bl >>> 5) | (bh << 27), rl = (bh >>> 5) | (bl << 27);
    const xl = Math.imul(rl, ml);
    const xh = (Math.round(((rl >>> 0) * mu - (xl >>> 0)) / TWO32) + Math.imul(rh, ml) + Math.imul(rl, K2H)) | 0;
    const cl = (xl + al) | 0;
    const ch = (xh + ah + ((cl >>> 0) < (xl >>> 0) ? 1 : 0)) | 0;
    // d = (Rotate(a, 25) + b)·mul
    const qh = (ah >>> 25) | (al << 7), ql = (al >>> 25) | (ah << 7);
    const yl = (ql + bl) | 0;
    const yh = (qh + bh + ((yl >>> 0) < (ql >>> 0) ? 1 : 0)) | 0;
    const dl = Math.imul(yl, ml);
    const dh = (Math.round(((yl >>> 0) * mu - (dl >>> 0)) / TWO32) + Math.imul(yh, ml) + Math.imul(yl, K2H)) | 0;
    hashLen16(ch, cl, dh, dl, K2H, ml, out);
    return;
  }
  if (len >= 4) {
    const ml = (K2L + 2 * len) | 0;
    const a = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
    const q = p + len - 4;
    const v = s[q] | (s[q + 1] << 8) | (s[q + 2] << 16) | (s[q + 3] << 24);
    // u = len + (a << 3), a being a 32-bit word
    const ul = ((a << 3) + len) | 0;
    const uh = ((a >>> 29) + ((ul >>> 0) < ((a << 3) >>> 0) ? 1 : 0)) | 0;
    hashLen16(uh, ul, 0, v, K2H, ml, out);
    return;
  }
  if (len > 0) {
    const y = s[p] + (s[p + (len >> 1)] << 8);
    const z = len + (s[p + len - 1] << 2);
    // ShiftMix(y·k2 ^ z·k0)·k2
    const xh = mulHi(0, y, K2H, K2L) ^ mulHi(0, z, K0H, K0L);
    const xl = Math.imul(y, K2L) ^ Math.imul(z, K0L) ^ (xh >>> 15);
    out[0] = mulHi(xh, xl, K2H, K2L);
    out[1] = Math.imul(xl, K2L);
    return;
  }
  out[0] = K2H;
  out[1] = K2L;
}

function len17to32(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const ml = (K2L + 2 * len) | 0, mu = ml >>> 0; // mul = k2 + 2·len (no carry)
  const e = p + len;
  let t0 = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
  let t1 = s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24);
  // a = Fetch64(s)·k1
  const al = Math.imul(t0, K1L);
  const ah = (Math.round(((t0 >>> 0) * K1U - (al >>> 0)) / TWO32) + Math.imul(t1, K1L) + Math.imul(t0, K1H)) | 0;
  // b = Fetch64(s + 8)
  const bl = s[p + 8] | (s[p + 9] << 8) | (s[p + 10] << 16) | (s[p + 11] << 24);
  const bh = s[p + 12] | (s[p + 13] << 8) | (s[p + 14] << 16) | (s[p + 15] << 24);
  // c = Fetch64(s + len - 8)·mul
  t0 = s[e - 8] | (s[e - 7] << 8) | (s[e - 6] << 16) | (s[e - 5] << 24);
  t1 = s[e - 4] | (s[e - 3] << 8) | (s[e - 2] << 16) | (s[e - 1] << 24);
  const cl = Math.imul(t0, ml);
  const ch = (Math.round(((t0 >>> 0) * mu - (cl >>> 0)) / TWO32) + Math.imul(t1, ml) + Math.imul(t0, K2H)) | 0;
  // d = Fetch64(s + len - 16)·k2
  t0 = s[e - 16] | (s[e - 15] << 8) | (s[e - 14] << 16) | (s[e - 13] << 24);
  t1 = s[e - 12] | (s[e - 11] << 8) | (s[e - 10] << 16) | (s[e - 9] << 24);
  const dl = Math.imul(t0, K2L);
  const dh = (Math.round(((t0 >>> 0) * K2U - (dl >>> 0)) / TWO32) + Math.imul(t1, K2L) + Math.imul(t0, K2H)) | 0;
  // u = Rotate(a + b, 43) + Rotate(c, 30) + d
  let sl = (al + bl) | 0;
  let sh = (ah + bh + ((sl >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
  let ul = (sh >>> 11) | (sl << 21), uh = (sl >>> 11) | (sh << 21);
  const rl = (cl >>> 30) | (ch << 2), rh = (ch >>> 30) | (cl << 2);
  sl = (ul + rl) | 0;
  sh = (uh + rh + ((sl >>> 0) < (ul >>> 0) ? 1 : 0)) | 0;
  ul = (sl + dl) | 0;
  uh = (sh + dh + ((ul >>> 0) < (sl >>> 0) ? 1 : 0)) | 0;
  // v = a + Rotate(b + k2, 18) + c
  sl = (bl + K2L) | 0;
  sh = (bh + K2H + ((sl >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
  let vl = (sl >>> 18) | (sh << 14), vh = (sh >>> 18) | (sl << 14);
  sl = (vl + al) | 0;
  sh = (vh + ah + ((sl >>> 0) < (vl >>> 0) ? 1 : 0)) | 0;
  vl = (sl + cl) | 0;
  vh = (sh + ch + ((vl >>> 0) < (sl >>> 0) ? 1 : 0)) | 0;
  hashLen16(uh, ul, vh, vl, K2H, ml, out);
}

/** CityHash64 v1.1 of s[p, p+len) → out = [hi, lo]. */
export function city64v11(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len <= 16) len0to16(s, p, len, out);
  else if (len <= 32) len17to32(s, p, len, out);
  else if (len <= 64) len33to64v11(s, p, len, out);
  else longV11(s, p, len, out);
}
