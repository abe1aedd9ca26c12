// CityHash64 v1.1 (Google's current release) on 32-bit halves; written from the published algorithm.
// Each function writes the result to out as [hi, lo]. Variable naming: a 64-bit quantity `a` of
// city.cc is the pair (ah, al); every update computes the high half first (it needs the old low).
import { K0H, K0L, K1H, K1L, K2H, K2L } from './constants.js';
import { hash128to64, hashLen16, weakHashLen32 } from './mix.js';
import { addHi, bswap32, mulHi, rd32, rotHi, rotLo } from './u64.js';

const T = new Uint32Array(4); // scratch for intermediate results (never escapes a call)

function len0to16(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len >= 8) {
    // mul = k2 + 2·len; the low word K2L + 32 cannot carry, so mul = (K2H, K2L + 2·len).
    const ml = (K2L + 2 * len) | 0;
    const t0 = rd32(s, p), t1 = rd32(s, p + 4);
    const ah = addHi(t1, t0, K2H, K2L), al = (t0 + K2L) | 0; // a = Fetch64(s) + k2
    const bl = rd32(s, p + len - 8), bh = rd32(s, p + len - 4); // b = Fetch64(s + len - 8)
    // c = Rotate(b, 37)·mul + a
    const rh = rotHi(bh, bl, 37), rl = rotLo(bh, bl, 37);
    const xh = mulHi(rh, rl, K2H, ml), xl = Math.imul(rl, ml);
    const ch = addHi(xh, xl, ah, al), cl = (xl + al) | 0;
    // d = (Rotate(a, 25) + b)·mul
    const qh = rotHi(ah, al, 25), ql = rotLo(ah, al, 25);
    const yh = addHi(qh, ql, bh, bl), yl = (ql + bl) | 0;
    hashLen16(ch, cl, mulHi(yh, yl, K2H, ml), Math.imul(yl, ml), K2H, ml, out);
    return;
  }
  if (len >= 4) {
    const ml = (K2L + 2 * len) | 0;
    const a = rd32(s, p);
    const sh = a >>> 29, sl = a << 3; // a << 3 (a is a 32-bit word)
    hashLen16(addHi(sh, sl, 0, len), (sl + len) | 0, 0, rd32(s, p + len - 4), K2H, ml, out);
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
  const ml = (K2L + 2 * len) | 0; // mul = k2 + 2·len (no carry)
  let tl = rd32(s, p), th = rd32(s, p + 4);
  const ah = mulHi(th, tl, K1H, K1L), al = Math.imul(tl, K1L); // a = Fetch64(s)·k1
  const bl = rd32(s, p + 8), bh = rd32(s, p + 12); // b = Fetch64(s + 8)
  tl = rd32(s, p + len - 8); th = rd32(s, p + len - 4);
  const ch = mulHi(th, tl, K2H, ml), cl = Math.imul(tl, ml); // c = Fetch64(s + len - 8)·mul
  tl = rd32(s, p + len - 16); th = rd32(s, p + len - 12);
  const dh = mulHi(th, tl, K2H, K2L), dl = Math.imul(tl, K2L); // d = Fetch64(s + len - 16)·k2
  // u = Rotate(a + b, 43) + Rotate(c, 30) + d
  th = addHi(ah, al, bh, bl); tl = (al + bl) | 0;
  let uh = rotHi(th, tl, 43), ul = rotLo(th, tl, 43);
  const rh = rotHi(ch, cl, 30), rl = rotLo(ch, cl, 30);
  uh = addHi(uh, ul, rh, rl); ul = (ul + rl) | 0;
  uh = addHi(uh, ul, dh, dl); ul = (ul + dl) | 0;
  // v = a + Rotate(b + k2, 18) + c
  th = addHi(bh, bl, K2H, K2L); tl = (bl + K2L) | 0;
  let vh = rotHi(th, tl, 18), vl = rotLo(th, tl, 18);
  vh = addHi(vh, vl, ah, al); vl = (vl + al) | 0;
  vh = addHi(vh, vl, ch, cl); vl = (vl + cl) | 0;
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
