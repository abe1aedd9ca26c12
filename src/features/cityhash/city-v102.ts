// CityHash64 v1.0.2 (the release ClickHouse's cityHash64 is pinned to) on 32-bit halves; written
// from the published algorithm. Same conventions as ./city-v11.ts. Differences from v1.1: no
// length-dependent multiplier in the short paths, k3 in the 0–3 and 17–32 byte paths, a different
// 33–64 byte mix and a different long-input initialisation / loop.
import { hash128to64, hashLen16, weakHashLen32 } from './mix.js';
import { addHi, mulHi, rd32, rotHi, rotLo, subHi } from './u64.js';

const T = new Uint32Array(4); // scratch for intermediate results (never escapes a call)
// Constants are module-local on purpose: imported bindings (and int32 values outside the Smi range)
// are not constant-folded by TurboFan, which made the hot path ~3× slower.
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

function len33to64(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const e = p + len;
  // z = Fetch64(s + 24); a = Fetch64(s) + (len + Fetch64(s + len - 16))·k0
  let zl = rd32(s, p + 24), zh = rd32(s, p + 28);
  let tl = rd32(s, e - 16), th = rd32(s, e - 12);
  th = addHi(th, tl, 0, len); tl = (tl + len) | 0;
  let ah = mulHi(th, tl, K0H, K0L), al = Math.imul(tl, K0L);
  tl = rd32(s, p); th = rd32(s, p + 4);
  ah = addHi(ah, al, th, tl); al = (al + tl) | 0;
  // The two 32-byte halves use the same mix: b = Rotate(a + z, 52); c = Rotate(a, 37);
  // a += F(+8); c += Rotate(a, 7); a += F(+16); first = a + z; second = b + Rotate(a, 31) + c.
  let bh = 0, bl = 0, ch = 0, cl = 0, vfh = 0, vfl = 0, vsh = 0, vsl = 0;
  for (let half = 0; half < 2; half++) {
    th = addHi(ah, al, zh, zl); tl = (al + zl) | 0;
    bh = rotHi(th, tl, 52); bl = rotLo(th, tl, 52);
    ch = rotHi(ah, al, 37); cl = rotLo(ah, al, 37);
    const q1 = half === 0 ? p + 8 : e - 24, q2 = half === 0 ? p + 16 : e - 16;
    tl = rd32(s, q1); th = rd32(s, q1 + 4);
    ah = addHi(ah, al, th, tl); al = (al + tl) | 0;
    th = rotHi(ah, al, 7); tl = rotLo(ah, al, 7);
    ch = addHi(ch, cl, th, tl); cl = (cl + tl) | 0;
    tl = rd32(s, q2); th = rd32(s, q2 + 4);
    ah = addHi(ah, al, th, tl); al = (al + tl) | 0;
    const fh = addHi(ah, al, zh, zl), fl = (al + zl) | 0;
    th = rotHi(ah, al, 31); tl = rotLo(ah, al, 31);
    th = addHi(th, tl, bh, bl); tl = (tl + bl) | 0;
    const sh = addHi(th, tl, ch, cl), sl = (tl + cl) | 0;
    if (half === 0) {
      vfh = fh; vfl = fl; vsh = sh; vsl = sl;
      // a = Fetch64(s + 16) + Fetch64(s + len - 32); z = Fetch64(s + len - 8)
      al = rd32(s, p + 16); ah = rd32(s, p + 20);
      tl = rd32(s, e - 32); th = rd32(s, e - 28);
      ah = addHi(ah, al, th, tl); al = (al + tl) | 0;
      zl = rd32(s, e - 8); zh = rd32(s, e - 4);
    } else {
      // r = ShiftMix((vf + ws)·k2 + (wf + vs)·k0); return ShiftMix(r·k0 + vs)·k2
      th = addHi(vfh, vfl, sh, sl); tl = (vfl + sl) | 0;
      const xh = mulHi(th, tl, K2H, K2L), xl = Math.imul(tl, K2L);
      th = addHi(fh, fl, vsh, vsl); tl = (fl + vsl) | 0;
      const yh = mulHi(th, tl, K0H, K0L), yl = Math.imul(tl, K0L);
      const rh = addHi(xh, xl, yh, yl);
      const rl = ((xl + yl) | 0) ^ (rh >>> 15);
      th = mulHi(rh, rl, K0H, K0L); tl = Math.imul(rl, K0L);
      th = addHi(th, tl, vsh, vsl); tl = ((tl + vsl) | 0);
      tl ^= th >>> 15;
      out[0] = mulHi(th, tl, K2H, K2L);
      out[1] = Math.imul(tl, K2L);
    }
  }
}

function longV102(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  const e = p + len;
  // x = Fetch64(s); y = Fetch64(s + len - 16) ^ k1; z = Fetch64(s + len - 56) ^ k0
  let xl = rd32(s, p), xh = rd32(s, p + 4);
  let yl = rd32(s, e - 16) ^ K1L, yh = rd32(s, e - 12) ^ K1H;
  let zl = rd32(s, e - 56) ^ K0L, zh = rd32(s, e - 52) ^ K0H;
  // v = WeakHashLen32WithSeeds(s + len - 64, len, y); w = ...(s + len - 32, len·k1, k0)
  weakHashLen32(s, e - 64, 0, len, yh, yl, T);
  let v1h = T[0] | 0, v1l = T[1] | 0, v2h = T[2] | 0, v2l = T[3] | 0;
  weakHashLen32(s, e - 32, mulHi(0, len, K1H, K1L), Math.imul(len, K1L), K0H, K0L, T);
  let w1h = T[0] | 0, w1l = T[1] | 0, w2h = T[2] | 0, w2l = T[3] | 0;
  // z += ShiftMix(v.second)·k1; x = Rotate(z + x, 39)·k1; y = Rotate(y, 33)·k1
  let tl = v2l ^ (v2h >>> 15), th = v2h;
  let uh = mulHi(th, tl, K1H, K1L), ul = Math.imul(tl, K1L);
  zh = addHi(zh, zl, uh, ul); zl = (zl + ul) | 0;
  th = addHi(zh, zl, xh, xl); tl = (zl + xl) | 0;
  uh = rotHi(th, tl, 39); ul = rotLo(th, tl, 39);
  xh = mulHi(uh, ul, K1H, K1L); xl = Math.imul(ul, K1L);
  uh = rotHi(yh, yl, 33); ul = rotLo(yh, yl, 33);
  yh = mulHi(uh, ul, K1H, K1L); yl = Math.imul(ul, K1L);
  for (let n = (len - 1) >>> 6; n > 0; n--) {
    // x = Rotate(x + y + v.first + Fetch64(s + 16), 37)·k1
    th = addHi(xh, xl, yh, yl); tl = (xl + yl) | 0;
    th = addHi(th, tl, v1h, v1l); tl = (tl + v1l) | 0;
    ul = rd32(s, p + 16); uh = rd32(s, p + 20);
    th = addHi(th, tl, uh, ul); tl = (tl + ul) | 0;
    uh = rotHi(th, tl, 37); ul = rotLo(th, tl, 37);
    xh = mulHi(uh, ul, K1H, K1L); xl = Math.imul(ul, K1L);
    // y = Rotate(y + v.second + Fetch64(s + 48), 42)·k1
    th = addHi(yh, yl, v2h, v2l); tl = (yl + v2l) | 0;
    ul = rd32(s, p + 48); uh = rd32(s, p + 52);
    th = addHi(th, tl, uh, ul); tl = (tl + ul) | 0;
    uh = rotHi(th, tl, 42); ul = rotLo(th, tl, 42);
    yh = mulHi(uh, ul, K1H, K1L); yl = Math.imul(ul, K1L);
    // x ^= w.second; y ^= v.first; z = Rotate(z ^ w.first, 33)
    xh ^= w2h; xl ^= w2l;
    yh ^= v1h; yl ^= v1l;
    th = zh ^ w1h; tl = zl ^ w1l;
    zh = rotHi(th, tl, 33); zl = rotLo(th, tl, 33);
    // v = WeakHashLen32WithSeeds(s, v.second·k1, x + w.first)
    weakHashLen32(s, p, mulHi(v2h, v2l, K1H, K1L), Math.imul(v2l, K1L),
      addHi(xh, xl, w1h, w1l), (xl + w1l) | 0, T);
    v1h = T[0] | 0; v1l = T[1] | 0; v2h = T[2] | 0; v2l = T[3] | 0;
    // w = WeakHashLen32WithSeeds(s + 32, z + w.second, y)
    weakHashLen32(s, p + 32, addHi(zh, zl, w2h, w2l), (zl + w2l) | 0, yh, yl, T);
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

/** CityHash64 v1.0.2 of s[p, p+len) → out = [hi, lo]. */
export function city64v102(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  if (len <= 16) len0to16(s, p, len, out);
  else if (len <= 32) len17to32(s, p, len, out);
  else if (len <= 64) len33to64(s, p, len, out);
  else longV102(s, p, len, out);
}
