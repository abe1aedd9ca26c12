// CityHash64 v1.1 (Google's current release) on 32-bit halves; written from the published algorithm.
// Each function writes the result to out as [hi, lo]. Variable naming: a 64-bit quantity `a` of
// city.cc is the pair (ah, al); every update computes the high half first (it needs the old low).
import { hash128to64, hashLen16, weakHashLen32 } from './mix.js';
import { addHi, bswap32, mulHi, rd32, rotHi, rotLo } from './u64.js';

const T = new Uint32Array(4); // scratch for intermediate results (never escapes a call)
// Constants are module-local on purpose: imported bindings (and int32 values outside the Smi range)
// are not constant-folded by TurboFan, which made the hot path ~3× slower.
const TWO32 = 4294967296;
const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0;
const K1H = 0xb492b66f | 0, K1L = 0xbe98f273 | 0;
const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0;
const K1U = K1L >>> 0, K2U = K2L >>> 0;

// The 0–16 and 17–32 byte paths (the common case for feature crosses) have their 64-bit
// arithmetic written out by hand: loads are little-endian byte reads, x·y is
//   lo = imul(xl, yl), hi = round((xl·yl − lo) / 2^32) + imul(xh, yl) + imul(xl, yh)   (see mulHi)
// and x + y is lo = xl + yl, hi = xh + yh + (lo <u xl). TurboFan does not reliably inline the
// helper calls here (inlining budget), and the hand-inlined form is ~2× faster.

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

function len33to64(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const mh = K2H, ml = (K2L + 2 * len) | 0; // mul = k2 + 2·len (no carry for len ≤ 64)
  const e = p + len;
  let tl = rd32(s, p), th = rd32(s, p + 4);
  let ah = mulHi(th, tl, K2H, K2L), al = Math.imul(tl, K2L); // a = Fetch64(s)·k2
  let bh = rd32(s, p + 12), bl = rd32(s, p + 8); // b = Fetch64(s + 8)
  const cl = rd32(s, e - 24), ch = rd32(s, e - 20); // c = Fetch64(s + len - 24)
  const dl = rd32(s, e - 32), dh = rd32(s, e - 28); // d = Fetch64(s + len - 32)
  tl = rd32(s, p + 16); th = rd32(s, p + 20);
  const eh = mulHi(th, tl, K2H, K2L), el = Math.imul(tl, K2L); // e = Fetch64(s + 16)·k2
  tl = rd32(s, p + 24); th = rd32(s, p + 28);
  const fh = mulHi(th, tl, 0, 9), fl = Math.imul(tl, 9); // f = Fetch64(s + 24)·9
  const gl = rd32(s, e - 8), gh = rd32(s, e - 4); // g = Fetch64(s + len - 8)
  tl = rd32(s, e - 16); th = rd32(s, e - 12);
  const hh = mulHi(th, tl, mh, ml), hl = Math.imul(tl, ml); // h = Fetch64(s + len - 16)·mul
  // u = Rotate(a + g, 43) + (Rotate(b, 30) + c)·9
  const agh = addHi(ah, al, gh, gl), agl = (al + gl) | 0;
  let uh = rotHi(agh, agl, 43), ul = rotLo(agh, agl, 43);
  th = rotHi(bh, bl, 30); tl = rotLo(bh, bl, 30);
  th = addHi(th, tl, ch, cl); tl = (tl + cl) | 0;
  th = mulHi(th, tl, 0, 9); tl = Math.imul(tl, 9);
  uh = addHi(uh, ul, th, tl); ul = (ul + tl) | 0;
  // v = ((a + g) ^ d) + f + 1
  let vh = agh ^ dh, vl = agl ^ dl;
  vh = addHi(vh, vl, fh, fl); vl = (vl + fl) | 0;
  vh = addHi(vh, vl, 0, 1); vl = (vl + 1) | 0;
  // w = bswap64((u + v)·mul) + h
  th = addHi(uh, ul, vh, vl); tl = (ul + vl) | 0;
  let xh = mulHi(th, tl, mh, ml), xl = Math.imul(tl, ml);
  let wh = bswap32(xl), wl = bswap32(xh);
  wh = addHi(wh, wl, hh, hl); wl = (wl + hl) | 0;
  // x = Rotate(e + f, 42) + c
  const efh = addHi(eh, el, fh, fl), efl = (el + fl) | 0;
  xh = rotHi(efh, efl, 42); xl = rotLo(efh, efl, 42);
  xh = addHi(xh, xl, ch, cl); xl = (xl + cl) | 0;
  // y = (bswap64((v + w)·mul) + g)·mul
  th = addHi(vh, vl, wh, wl); tl = (vl + wl) | 0;
  let yh = mulHi(th, tl, mh, ml), yl = Math.imul(tl, ml);
  th = bswap32(yl); tl = bswap32(yh);
  th = addHi(th, tl, gh, gl); tl = (tl + gl) | 0;
  yh = mulHi(th, tl, mh, ml); yl = Math.imul(tl, ml);
  // z = e + f + c
  const zh = addHi(efh, efl, ch, cl), zl = (efl + cl) | 0;
  // a = bswap64((x + z)·mul + y) + b
  th = addHi(xh, xl, zh, zl); tl = (xl + zl) | 0;
  const qh = mulHi(th, tl, mh, ml), ql = Math.imul(tl, ml);
  th = addHi(qh, ql, yh, yl); tl = (ql + yl) | 0;
  ah = bswap32(tl); al = bswap32(th);
  ah = addHi(ah, al, bh, bl); al = (al + bl) | 0;
  // b = ShiftMix((z + a)·mul + d + h)·mul
  th = addHi(zh, zl, ah, al); tl = (zl + al) | 0;
  bh = mulHi(th, tl, mh, ml); bl = Math.imul(tl, ml);
  bh = addHi(bh, bl, dh, dl); bl = (bl + dl) | 0;
  bh = addHi(bh, bl, hh, hl); bl = (bl + hl) | 0;
  bl ^= bh >>> 15;
  th = mulHi(bh, bl, mh, ml); tl = Math.imul(bl, ml);
  // return b + x
  out[0] = addHi(th, tl, xh, xl);
  out[1] = (tl + xl) | 0;
}

function longV11(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const e = p + len;
  // x = Fetch64(s + len - 40); y = Fetch64(s + len - 16) + Fetch64(s + len - 56)
  let xl = rd32(s, e - 40), xh = rd32(s, e - 36);
  let tl = rd32(s, e - 16), th = rd32(s, e - 12);
  let ul = rd32(s, e - 56), uh = rd32(s, e - 52);
  let yh = addHi(th, tl, uh, ul), yl = (tl + ul) | 0;
  // z = HashLen16(Fetch64(s + len - 48) + len, Fetch64(s + len - 24))
  tl = rd32(s, e - 48); th = rd32(s, e - 44);
  hash128to64(addHi(th, tl, 0, len), (tl + len) | 0, rd32(s, e - 20), rd32(s, e - 24), T);
  let zh = T[0] | 0, zl = T[1] | 0;
  // v = WeakHashLen32WithSeeds(s + len - 64, len, z); w = ...(s + len - 32, y + k1, x)
  weakHashLen32(s, e - 64, 0, len, zh, zl, T);
  let v1h = T[0] | 0, v1l = T[1] | 0, v2h = T[2] | 0, v2l = T[3] | 0;
  weakHashLen32(s, e - 32, addHi(yh, yl, K1H, K1L), (yl + K1L) | 0, xh, xl, T);
  let w1h = T[0] | 0, w1l = T[1] | 0, w2h = T[2] | 0, w2l = T[3] | 0;
  // x = x·k1 + Fetch64(s)
  th = mulHi(xh, xl, K1H, K1L); tl = Math.imul(xl, K1L);
  ul = rd32(s, p); uh = rd32(s, p + 4);
  xh = addHi(th, tl, uh, ul); xl = (tl + ul) | 0;
  // Operate on 64-byte chunks: ⌊(len − 1)/64⌋ of them.
  for (let n = (len - 1) >>> 6; n > 0; n--) {
    // x = Rotate(x + y + v.first + Fetch64(s + 8), 37)·k1
    th = addHi(xh, xl, yh, yl); tl = (xl + yl) | 0;
    th = addHi(th, tl, v1h, v1l); tl = (tl + v1l) | 0;
    ul = rd32(s, p + 8); uh = rd32(s, p + 12);
    th = addHi(th, tl, uh, ul); tl = (tl + ul) | 0;
    uh = rotHi(th, tl, 37); ul = rotLo(th, tl, 37);
    xh = mulHi(uh, ul, K1H, K1L); xl = Math.imul(ul, K1L);
    // y = Rotate(y + v.second + Fetch64(s + 48), 42)·k1
    th = addHi(yh, yl, v2h, v2l); tl = (yl + v2l) | 0;
    ul = rd32(s, p + 48); uh = rd32(s, p + 52);
    th = addHi(th, tl, uh, ul); tl = (tl + ul) | 0;
    uh = rotHi(th, tl, 42); ul = rotLo(th, tl, 42);
    yh = mulHi(uh, ul, K1H, K1L); yl = Math.imul(ul, K1L);
    // x ^= w.second; y += v.first + Fetch64(s + 40)
    xh ^= w2h; xl ^= w2l;
    yh = addHi(yh, yl, v1h, v1l); yl = (yl + v1l) | 0;
    ul = rd32(s, p + 40); uh = rd32(s, p + 44);
    yh = addHi(yh, yl, uh, ul); yl = (yl + ul) | 0;
    // z = Rotate(z + w.first, 33)·k1
    th = addHi(zh, zl, w1h, w1l); tl = (zl + w1l) | 0;
    uh = rotHi(th, tl, 33); ul = rotLo(th, tl, 33);
    zh = mulHi(uh, ul, K1H, K1L); zl = Math.imul(ul, K1L);
    // v = WeakHashLen32WithSeeds(s, v.second·k1, x + w.first)
    weakHashLen32(s, p, mulHi(v2h, v2l, K1H, K1L), Math.imul(v2l, K1L),
      addHi(xh, xl, w1h, w1l), (xl + w1l) | 0, T);
    v1h = T[0] | 0; v1l = T[1] | 0; v2h = T[2] | 0; v2l = T[3] | 0;
    // w = WeakHashLen32WithSeeds(s + 32, z + w.second, y + Fetch64(s + 16))
    ul = rd32(s, p + 16); uh = rd32(s, p + 20);
    weakHashLen32(s, p + 32, addHi(zh, zl, w2h, w2l), (zl + w2l) | 0,
      addHi(yh, yl, uh, ul), (yl + ul) | 0, T);
    w1h = T[0] | 0; w1l = T[1] | 0; w2h = T[2] | 0; w2l = T[3] | 0;
    // swap(z, x)
    th = zh; zh = xh; xh = th;
    tl = zl; zl = xl; xl = tl;
    p += 64;
  }
  // HashLen16(HashLen16(v.first, w.first) + ShiftMix(y)·k1 + z, HashLen16(v.second, w.second) + x)
  hash128to64(v1h, v1l, w1h, w1l, T);
  th = T[0] | 0; tl = T[1] | 0;
  yl ^= yh >>> 15;
  uh = mulHi(yh, yl, K1H, K1L); ul = Math.imul(yl, K1L);
  th = addHi(th, tl, uh, ul); tl = (tl + ul) | 0;
  const ah = addHi(th, tl, zh, zl), al = (tl + zl) | 0;
  hash128to64(v2h, v2l, w2h, w2l, T);
  th = T[0] | 0; tl = T[1] | 0;
  hash128to64(ah, al, addHi(th, tl, xh, xl), (tl + xl) | 0, out);
}

/** CityHash64 v1.1 of s[p, p+len) → out = [hi, lo]. */
export function city64v11(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len <= 16) len0to16(s, p, len, out);
  else if (len <= 32) len17to32(s, p, len, out);
  else if (len <= 64) len33to64(s, p, len, out);
  else longV11(s, p, len, out);
}
