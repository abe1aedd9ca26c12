// CityHash64 v1.0.2 (the release ClickHouse's cityHash64 is pinned to) on 32-bit halves; written
// from the published algorithm. Same conventions as ./city-v11.ts. Differences from v1.1: no
// length-dependent multiplier in the short paths, k3 in the 0–3 and 17–32 byte paths, a different
// 33–64 byte mix and a different long-input initialisation / loop (./city-v102-long.ts).
import { len33to64v102, longV102 } from './city-v102-long.js';
import { hashLen16 } from './mix.js';
import { mulHi } from './u64.js';

// Constants are module-local on purpose: TurboFan does not constant-fold imported bindings (~10%
// slower under ESM; ~3× when a loader turns the imports into CommonJS getters).
const TWO32 = 4294967296;
const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0;
const K1H = 0xb492b66f | 0, K1L = 0xbe98f273 | 0;
const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0;
const K3H = 0xc949d7c7 | 0, K3L = 0x509e6557 | 0;
const KMULH = 0x9ddfea08 | 0, KMULL = 0xeb382d69 | 0;
const K0U = K0L >>> 0, K1U = K1L >>> 0, K2U = K2L >>> 0;

// As in ./city-v11.ts, the 0–16 and 17–32 byte paths have their arithmetic written out by hand.

function len0to16(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len > 8) {
    const al = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
    const ah = s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24);
    const q = p + len - 8;
    const bl = s[q] | (s[q + 1] << 8) | (s[q + 2] << 16) | (s[q + 3] << 24);
    const bh = s[q + 4] | (s[q + 5] << 8) | (s[q + 6] << 16) | (s[q + 7] << 24);
    // HashLen16(a, RotateByAtLeast1(b + len, len)) ^ b; 9 ≤ len ≤ 16 so the rotation is < 32.
    const tl = (bl + len) | 0;
    const th = (bh + ((tl >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
    const rh = (th >>> len) | (tl << (32 - len)), rl = (tl >>> len) | (th << (32 - len));
    hashLen16(ah, al, rh, rl, KMULH, KMULL, out);
    out[0] ^= bh;
    out[1] ^= bl;
    return;
  }
  if (len >= 4) {
    const a = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
    const q = p + len - 4;
    const v = s[q] | (s[q + 1] << 8) | (s[q + 2] << 16) | (s[q + 3] << 24);
    // u = len + (a << 3), a being a 32-bit word
    const ul = ((a << 3) + len) | 0;
    const uh = ((a >>> 29) + ((ul >>> 0) < ((a << 3) >>> 0) ? 1 : 0)) | 0;
    hashLen16(uh, ul, 0, v, KMULH, KMULL, out);
    return;
  }
  if (len > 0) {
    const y = s[p] + (s[p + (len >> 1)] << 8);
    const z = len + (s[p + len - 1] << 2);
    // ShiftMix(y·k2 ^ z·k3)·k2
    const xh = mulHi(0, y, K2H, K2L) ^ mulHi(0, z, K3H, K3L);
    const xl = Math.imul(y, K2L) ^ Math.imul(z, K3L) ^ (xh >>> 15);
    out[0] = mulHi(xh, xl, K2H, K2L);
    out[1] = Math.imul(xl, K2L);
    return;
  }
  out[0] = K2H;
  out[1] = K2L;
}

function len17to32(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const e = p + len;
  let t0 = s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24);
  let t1 = s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24);
  // a = Fetch64(s)·k1
  const al = Math.imul(t0, K1L);
  const ah = (Math.round(((t0 >>> 0) * K1U - (al >>> 0)) / TWO32) + Math.imul(t1, K1L) + Math.imul(t0, K1H)) | 0;
  // b = Fetch64(s + 8)
  const bl = s[p + 8] | (s[p + 9] << 8) | (s[p + 10] << 16) | (s[p + 11] << 24);
  const bh = s[p + 12] | (s[p + 13] << 8) | (s[p + 14] << 16) | (s[p + 15] << 24);
  // c = Fetch64(s + len - 8)·k2
  t0 = s[e - 8] | (s[e - 7] << 8) | (s[e - 6] << 16) | (s[e - 5] << 24);
  t1 = s[e - 4] | (s[e - 3] << 8) | (s[e - 2] << 16) | (s[e - 1] << 24);
  const cl = Math.imul(t0, K2L);
  const ch = (Math.round(((t0 >>> 0) * K2U - (cl >>> 0)) / TWO32) + Math.imul(t1, K2L) + Math.imul(t0, K2H)) | 0;
  // d = Fetch64(s + len - 16)·k0
  t0 = s[e - 16] | (s[e - 15] << 8) | (s[e - 14] << 16) | (s[e - 13] << 24);
  t1 = s[e - 12] | (s[e - 11] << 8) | (s[e - 10] << 16) | (s[e - 9] << 24);
  const dl = Math.imul(t0, K0L);
  const dh = (Math.round(((t0 >>> 0) * K0U - (dl >>> 0)) / TWO32) + Math.imul(t1, K0L) + Math.imul(t0, K0H)) | 0;
  // u = Rotate(a - b, 43) + Rotate(c, 30) + d
  let sl = (al - bl) | 0;
  let sh = (ah - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
  let ul = (sh >>> 11) | (sl << 21), uh = (sl >>> 11) | (sh << 21);
  const rl = (cl >>> 30) | (ch << 2), rh = (ch >>> 30) | (cl << 2);
  sl = (ul + rl) | 0;
  sh = (uh + rh + ((sl >>> 0) < (ul >>> 0) ? 1 : 0)) | 0;
  ul = (sl + dl) | 0;
  uh = (sh + dh + ((ul >>> 0) < (sl >>> 0) ? 1 : 0)) | 0;
  // v = a + Rotate(b ^ k3, 20) - c + len
  sl = bl ^ K3L; sh = bh ^ K3H;
  let vl = (sl >>> 20) | (sh << 12), vh = (sh >>> 20) | (sl << 12);
  sl = (vl + al) | 0;
  sh = (vh + ah + ((sl >>> 0) < (vl >>> 0) ? 1 : 0)) | 0;
  vl = (sl - cl) | 0;
  vh = (sh - ch - ((sl >>> 0) < (cl >>> 0) ? 1 : 0)) | 0;
  sl = (vl + len) | 0;
  sh = (vh + ((sl >>> 0) < (vl >>> 0) ? 1 : 0)) | 0;
  hashLen16(uh, ul, sh, sl, KMULH, KMULL, out);
}

/** CityHash64 v1.0.2 of s[p, p+len) → out = [hi, lo]. */
export function city64v102(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len <= 16) len0to16(s, p, len, out);
  else if (len <= 32) len17to32(s, p, len, out);
  else if (len <= 64) len33to64v102(s, p, len, out);
  else longV102(s, p, len, out);
}
