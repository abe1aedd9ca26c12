// CityHash64 v1.0.2: inputs of 33–64 bytes and longer inputs, on (hi, lo) int32 pairs.
// The 64-bit arithmetic is expanded inline (mechanically, one group of lines per city.cc statement
// quoted in the comment above it) because TurboFan's inlining budget does not reach the ~60 helper
// calls these functions would make, and the calls dominated the profile. The patterns are:
//   x + y:  _l = (xl + yl) | 0;  _h = (xh + yh + (_l <u xl)) | 0
//   x − y:  _l = (xl − yl) | 0;  _h = (xh − yh − (xl <u yl)) | 0
//   x · y:  _l = imul(xl, yl);   _h = round((xl·yl − _l) / 2^32) + imul(xh, yl) + imul(xl, yh)   (mulHi in ./u64.ts)
//   Rotate(x, r), ShiftMix(x) = x ^ (x >> 47), bswap64(x), and F(s+k) = Fetch64 (little-endian bytes).
// _h/_l are temporaries so that every statement is safe when its destination is also an operand.
// Verified against Google's tables and the BigInt reference (./reference.ts) by the tests.
import { hashLen16 } from './mix.js';

const T = new Uint32Array(2); // scratch for intermediate HashLen16 results
// Module-local constants (see ./city-v11.ts for why they are not imported).
const TWO32 = 4294967296;
const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0;
const K1H = 0xb492b66f | 0, K1L = 0xbe98f273 | 0;
const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0;
const KMULH = 0x9ddfea08 | 0, KMULL = 0xeb382d69 | 0;
const K0U = K0L >>> 0, K1U = K1L >>> 0, K2U = K2L >>> 0;

/** v1.0.2, 33 ≤ len ≤ 64. */
export function len33to64v102(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  let ah = 0, al = 0, bh = 0, bl = 0, ch = 0, cl = 0, rh = 0, rl = 0, th = 0, tl = 0, uh = 0;
  let ul = 0, vfh = 0, vfl = 0, vsh = 0, vsl = 0, wfh = 0, wfl = 0, wsh = 0, wsl = 0, zh = 0;
  let zl = 0, _h = 0, _l = 0;
  const q = p + len;
  // a = F(s) + (len + F(s+len-16))·k0; z = F(s+24)
  zl = (s[p + 24] | (s[p + 25] << 8) | (s[p + 26] << 16) | (s[p + 27] << 24));
  zh = (s[p + 28] | (s[p + 29] << 8) | (s[p + 30] << 16) | (s[p + 31] << 24));
  tl = (s[q - 16] | (s[q - 15] << 8) | (s[q - 14] << 16) | (s[q - 13] << 24));
  th = (s[q - 12] | (s[q - 11] << 8) | (s[q - 10] << 16) | (s[q - 9] << 24));
  _l = (tl + len) | 0; _h = (th + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _l = Math.imul(tl, K0L);
  _h = (Math.round(((tl >>> 0) * K0U - (_l >>> 0)) / TWO32) + Math.imul(th, K0L) + Math.imul(tl, K0H)) | 0;
  tl = _l; th = _h;
  al = (s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24));
  ah = (s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  // b = Rotate(a + z, 52); c = Rotate(a, 37); a += F(s+8); c += Rotate(a, 7); a += F(s+16)
  _l = (al + zl) | 0; _h = (ah + zh + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _h = (tl >>> 20) | (th << 12); _l = (th >>> 20) | (tl << 12); bh = _h; bl = _l;
  _h = (al >>> 5) | (ah << 27); _l = (ah >>> 5) | (al << 27); ch = _h; cl = _l;
  tl = (s[p + 8] | (s[p + 9] << 8) | (s[p + 10] << 16) | (s[p + 11] << 24));
  th = (s[p + 12] | (s[p + 13] << 8) | (s[p + 14] << 16) | (s[p + 15] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  _h = (ah >>> 7) | (al << 25); _l = (al >>> 7) | (ah << 25); th = _h; tl = _l;
  _l = (cl + tl) | 0; _h = (ch + th + ((_l >>> 0) < (cl >>> 0) ? 1 : 0)) | 0; cl = _l; ch = _h;
  tl = (s[p + 16] | (s[p + 17] << 8) | (s[p + 18] << 16) | (s[p + 19] << 24));
  th = (s[p + 20] | (s[p + 21] << 8) | (s[p + 22] << 16) | (s[p + 23] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  // vf = a + z; vs = b + Rotate(a, 31) + c
  _l = (al + zl) | 0; _h = (ah + zh + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; vfl = _l; vfh = _h;
  _h = (ah >>> 31) | (al << 1); _l = (al >>> 31) | (ah << 1); th = _h; tl = _l;
  _l = (tl + bl) | 0; _h = (th + bh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _l = (tl + cl) | 0; _h = (th + ch + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; vsl = _l; vsh = _h;
  // a = F(s+16) + F(s+len-32); z = F(s+len-8); the same mix with F(s+len-24), F(s+len-16)
  al = (s[p + 16] | (s[p + 17] << 8) | (s[p + 18] << 16) | (s[p + 19] << 24));
  ah = (s[p + 20] | (s[p + 21] << 8) | (s[p + 22] << 16) | (s[p + 23] << 24));
  tl = (s[q - 32] | (s[q - 31] << 8) | (s[q - 30] << 16) | (s[q - 29] << 24));
  th = (s[q - 28] | (s[q - 27] << 8) | (s[q - 26] << 16) | (s[q - 25] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  zl = (s[q - 8] | (s[q - 7] << 8) | (s[q - 6] << 16) | (s[q - 5] << 24));
  zh = (s[q - 4] | (s[q - 3] << 8) | (s[q - 2] << 16) | (s[q - 1] << 24));
  _l = (al + zl) | 0; _h = (ah + zh + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _h = (tl >>> 20) | (th << 12); _l = (th >>> 20) | (tl << 12); bh = _h; bl = _l;
  _h = (al >>> 5) | (ah << 27); _l = (ah >>> 5) | (al << 27); ch = _h; cl = _l;
  tl = (s[q - 24] | (s[q - 23] << 8) | (s[q - 22] << 16) | (s[q - 21] << 24));
  th = (s[q - 20] | (s[q - 19] << 8) | (s[q - 18] << 16) | (s[q - 17] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  _h = (ah >>> 7) | (al << 25); _l = (al >>> 7) | (ah << 25); th = _h; tl = _l;
  _l = (cl + tl) | 0; _h = (ch + th + ((_l >>> 0) < (cl >>> 0) ? 1 : 0)) | 0; cl = _l; ch = _h;
  tl = (s[q - 16] | (s[q - 15] << 8) | (s[q - 14] << 16) | (s[q - 13] << 24));
  th = (s[q - 12] | (s[q - 11] << 8) | (s[q - 10] << 16) | (s[q - 9] << 24));
  _l = (al + tl) | 0; _h = (ah + th + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  _l = (al + zl) | 0; _h = (ah + zh + ((_l >>> 0) < (al >>> 0) ? 1 : 0)) | 0; wfl = _l; wfh = _h;
  _h = (ah >>> 31) | (al << 1); _l = (al >>> 31) | (ah << 1); th = _h; tl = _l;
  _l = (tl + bl) | 0; _h = (th + bh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _l = (tl + cl) | 0; _h = (th + ch + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; wsl = _l; wsh = _h;
  // r = ShiftMix((vf + ws)·k2 + (wf + vs)·k0); return ShiftMix(r·k0 + vs)·k2
  _l = (vfl + wsl) | 0; _h = (vfh + wsh + ((_l >>> 0) < (vfl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _l = Math.imul(tl, K2L);
  _h = (Math.round(((tl >>> 0) * K2U - (_l >>> 0)) / TWO32) + Math.imul(th, K2L) + Math.imul(tl, K2H)) | 0;
  tl = _l; th = _h;
  _l = (wfl + vsl) | 0; _h = (wfh + vsh + ((_l >>> 0) < (wfl >>> 0) ? 1 : 0)) | 0; ul = _l; uh = _h;
  _l = Math.imul(ul, K0L);
  _h = (Math.round(((ul >>> 0) * K0U - (_l >>> 0)) / TWO32) + Math.imul(uh, K0L) + Math.imul(ul, K0H)) | 0;
  ul = _l; uh = _h;
  _l = (tl + ul) | 0; _h = (th + uh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; rl = _l; rh = _h;
  rl = rl ^ (rh >>> 15); rh = rh;
  _l = Math.imul(rl, K0L);
  _h = (Math.round(((rl >>> 0) * K0U - (_l >>> 0)) / TWO32) + Math.imul(rh, K0L) + Math.imul(rl, K0H)) | 0;
  tl = _l; th = _h;
  _l = (tl + vsl) | 0; _h = (th + vsh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  tl = tl ^ (th >>> 15); th = th;
  _l = Math.imul(tl, K2L);
  _h = (Math.round(((tl >>> 0) * K2U - (_l >>> 0)) / TWO32) + Math.imul(th, K2L) + Math.imul(tl, K2H)) | 0;
  tl = _l; th = _h;
  out[0] = th;
  out[1] = tl;
}

/** v1.0.2, len > 64. */
export function longV102(s: Uint8Array, p: number, len: number, out: Uint32Array): void {
  let ah = 0, al = 0, th = 0, tl = 0, uh = 0, ul = 0, v1h = 0, v1l = 0, v2h = 0, v2l = 0, vah = 0;
  let val = 0, vbh = 0, vbl = 0, w1h = 0, w1l = 0, w2h = 0, w2l = 0, wah = 0, wal = 0, wa0h = 0;
  let wa0l = 0, wbh = 0, wbl = 0, wch = 0, wcl = 0, wth = 0, wtl = 0, wwh = 0, wwl = 0, wxh = 0;
  let wxl = 0, wyh = 0, wyl = 0, wzh = 0, wzl = 0, xh = 0, xl = 0, yh = 0, yl = 0, zh = 0, zl = 0;
  let _h = 0, _l = 0;
  const q = p + len;
  // x = F(s); y = F(s+len-16) ^ k1; z = F(s+len-56) ^ k0
  xl = (s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24));
  xh = (s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24));
  yl = (s[q - 16] | (s[q - 15] << 8) | (s[q - 14] << 16) | (s[q - 13] << 24));
  yh = (s[q - 12] | (s[q - 11] << 8) | (s[q - 10] << 16) | (s[q - 9] << 24));
  yl = yl ^ K1L; yh = yh ^ K1H;
  zl = (s[q - 56] | (s[q - 55] << 8) | (s[q - 54] << 16) | (s[q - 53] << 24));
  zh = (s[q - 52] | (s[q - 51] << 8) | (s[q - 50] << 16) | (s[q - 49] << 24));
  zl = zl ^ K0L; zh = zh ^ K0H;
  // v = WeakHashLen32WithSeeds(s + len - 64, len, y); w = WeakHashLen32WithSeeds(s + len - 32, len·k1, k0)
  wwl = (s[q - 64] | (s[q - 63] << 8) | (s[q - 62] << 16) | (s[q - 61] << 24));
  wwh = (s[q - 60] | (s[q - 59] << 8) | (s[q - 58] << 16) | (s[q - 57] << 24));
  wxl = (s[q - 56] | (s[q - 55] << 8) | (s[q - 54] << 16) | (s[q - 53] << 24));
  wxh = (s[q - 52] | (s[q - 51] << 8) | (s[q - 50] << 16) | (s[q - 49] << 24));
  wyl = (s[q - 48] | (s[q - 47] << 8) | (s[q - 46] << 16) | (s[q - 45] << 24));
  wyh = (s[q - 44] | (s[q - 43] << 8) | (s[q - 42] << 16) | (s[q - 41] << 24));
  wzl = (s[q - 40] | (s[q - 39] << 8) | (s[q - 38] << 16) | (s[q - 37] << 24));
  wzh = (s[q - 36] | (s[q - 35] << 8) | (s[q - 34] << 16) | (s[q - 33] << 24));
  _l = (len + wwl) | 0; _h = (0 + wwh + ((_l >>> 0) < (len >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _l = (yl + wal) | 0; _h = (yh + wah + ((_l >>> 0) < (yl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
  _l = (wtl + wzl) | 0; _h = (wth + wzh + ((_l >>> 0) < (wtl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
  _h = (wth >>> 21) | (wtl << 11); _l = (wtl >>> 21) | (wth << 11); wbh = _h; wbl = _l;
  wcl = wal; wch = wah;
  _l = (wal + wxl) | 0; _h = (wah + wxh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _l = (wal + wyl) | 0; _h = (wah + wyh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _h = (wal >>> 12) | (wah << 20); _l = (wah >>> 12) | (wal << 20); wth = _h; wtl = _l;
  _l = (wbl + wtl) | 0; _h = (wbh + wth + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; wbl = _l; wbh = _h;
  _l = (wal + wzl) | 0; _h = (wah + wzh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; v1l = _l; v1h = _h;
  _l = (wbl + wcl) | 0; _h = (wbh + wch + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; v2l = _l; v2h = _h;
  _l = Math.imul(len, K1L);
  _h = (Math.round(((len >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(len, K1H)) | 0; tl = _l; th = _h;
  wwl = (s[q - 32] | (s[q - 31] << 8) | (s[q - 30] << 16) | (s[q - 29] << 24));
  wwh = (s[q - 28] | (s[q - 27] << 8) | (s[q - 26] << 16) | (s[q - 25] << 24));
  wxl = (s[q - 24] | (s[q - 23] << 8) | (s[q - 22] << 16) | (s[q - 21] << 24));
  wxh = (s[q - 20] | (s[q - 19] << 8) | (s[q - 18] << 16) | (s[q - 17] << 24));
  wyl = (s[q - 16] | (s[q - 15] << 8) | (s[q - 14] << 16) | (s[q - 13] << 24));
  wyh = (s[q - 12] | (s[q - 11] << 8) | (s[q - 10] << 16) | (s[q - 9] << 24));
  wzl = (s[q - 8] | (s[q - 7] << 8) | (s[q - 6] << 16) | (s[q - 5] << 24));
  wzh = (s[q - 4] | (s[q - 3] << 8) | (s[q - 2] << 16) | (s[q - 1] << 24));
  _l = (tl + wwl) | 0; _h = (th + wwh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _l = (K0L + wal) | 0; _h = (K0H + wah + ((_l >>> 0) < K0U ? 1 : 0)) | 0; wtl = _l; wth = _h;
  _l = (wtl + wzl) | 0; _h = (wth + wzh + ((_l >>> 0) < (wtl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
  _h = (wth >>> 21) | (wtl << 11); _l = (wtl >>> 21) | (wth << 11); wbh = _h; wbl = _l;
  wcl = wal; wch = wah;
  _l = (wal + wxl) | 0; _h = (wah + wxh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _l = (wal + wyl) | 0; _h = (wah + wyh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
  _h = (wal >>> 12) | (wah << 20); _l = (wah >>> 12) | (wal << 20); wth = _h; wtl = _l;
  _l = (wbl + wtl) | 0; _h = (wbh + wth + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; wbl = _l; wbh = _h;
  _l = (wal + wzl) | 0; _h = (wah + wzh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; w1l = _l; w1h = _h;
  _l = (wbl + wcl) | 0; _h = (wbh + wch + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; w2l = _l; w2h = _h;
  // z += ShiftMix(v.second)·k1; x = Rotate(z + x, 39)·k1; y = Rotate(y, 33)·k1
  tl = v2l ^ (v2h >>> 15); th = v2h;
  _l = Math.imul(tl, K1L);
  _h = (Math.round(((tl >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(th, K1L) + Math.imul(tl, K1H)) | 0;
  tl = _l; th = _h;
  _l = (zl + tl) | 0; _h = (zh + th + ((_l >>> 0) < (zl >>> 0) ? 1 : 0)) | 0; zl = _l; zh = _h;
  _l = (zl + xl) | 0; _h = (zh + xh + ((_l >>> 0) < (zl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _h = (tl >>> 7) | (th << 25); _l = (th >>> 7) | (tl << 25); th = _h; tl = _l;
  _l = Math.imul(tl, K1L);
  _h = (Math.round(((tl >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(th, K1L) + Math.imul(tl, K1H)) | 0;
  xl = _l; xh = _h;
  _h = (yl >>> 1) | (yh << 31); _l = (yh >>> 1) | (yl << 31); th = _h; tl = _l;
  _l = Math.imul(tl, K1L);
  _h = (Math.round(((tl >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(th, K1L) + Math.imul(tl, K1H)) | 0;
  yl = _l; yh = _h;
  // ⌊(len − 1)/64⌋ chunks of 64 bytes
  for (let n = (len - 1) >>> 6; n > 0; n--) {
    // x = Rotate(x + y + v.first + F(s+16), 37)·k1
    _l = (xl + yl) | 0; _h = (xh + yh + ((_l >>> 0) < (xl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
    _l = (tl + v1l) | 0; _h = (th + v1h + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
    ul = (s[p + 16] | (s[p + 17] << 8) | (s[p + 18] << 16) | (s[p + 19] << 24));
    uh = (s[p + 20] | (s[p + 21] << 8) | (s[p + 22] << 16) | (s[p + 23] << 24));
    _l = (tl + ul) | 0; _h = (th + uh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
    _h = (tl >>> 5) | (th << 27); _l = (th >>> 5) | (tl << 27); th = _h; tl = _l;
    _l = Math.imul(tl, K1L);
    _h = (Math.round(((tl >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(th, K1L) + Math.imul(tl, K1H)) | 0;
    xl = _l; xh = _h;
    // y = Rotate(y + v.second + F(s+48), 42)·k1
    _l = (yl + v2l) | 0; _h = (yh + v2h + ((_l >>> 0) < (yl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
    ul = (s[p + 48] | (s[p + 49] << 8) | (s[p + 50] << 16) | (s[p + 51] << 24));
    uh = (s[p + 52] | (s[p + 53] << 8) | (s[p + 54] << 16) | (s[p + 55] << 24));
    _l = (tl + ul) | 0; _h = (th + uh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
    _h = (tl >>> 10) | (th << 22); _l = (th >>> 10) | (tl << 22); th = _h; tl = _l;
    _l = Math.imul(tl, K1L);
    _h = (Math.round(((tl >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(th, K1L) + Math.imul(tl, K1H)) | 0;
    yl = _l; yh = _h;
    // x ^= w.second; y ^= v.first; z = Rotate(z ^ w.first, 33)
    xl = xl ^ w2l; xh = xh ^ w2h;
    yl = yl ^ v1l; yh = yh ^ v1h;
    tl = zl ^ w1l; th = zh ^ w1h;
    _h = (tl >>> 1) | (th << 31); _l = (th >>> 1) | (tl << 31); zh = _h; zl = _l;
    // v = WeakHashLen32WithSeeds(s, v.second·k1, x + w.first); w = ...(s + 32, z + w.second, y)
    _l = Math.imul(v2l, K1L);
    _h = (Math.round(((v2l >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(v2h, K1L) + Math.imul(v2l, K1H)) | 0;
    val = _l; vah = _h;
    _l = (xl + w1l) | 0; _h = (xh + w1h + ((_l >>> 0) < (xl >>> 0) ? 1 : 0)) | 0; vbl = _l; vbh = _h;
    wwl = (s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24));
    wwh = (s[p + 4] | (s[p + 5] << 8) | (s[p + 6] << 16) | (s[p + 7] << 24));
    wxl = (s[p + 8] | (s[p + 9] << 8) | (s[p + 10] << 16) | (s[p + 11] << 24));
    wxh = (s[p + 12] | (s[p + 13] << 8) | (s[p + 14] << 16) | (s[p + 15] << 24));
    wyl = (s[p + 16] | (s[p + 17] << 8) | (s[p + 18] << 16) | (s[p + 19] << 24));
    wyh = (s[p + 20] | (s[p + 21] << 8) | (s[p + 22] << 16) | (s[p + 23] << 24));
    wzl = (s[p + 24] | (s[p + 25] << 8) | (s[p + 26] << 16) | (s[p + 27] << 24));
    wzh = (s[p + 28] | (s[p + 29] << 8) | (s[p + 30] << 16) | (s[p + 31] << 24));
    _l = (val + wwl) | 0; _h = (vah + wwh + ((_l >>> 0) < (val >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _l = (vbl + wal) | 0; _h = (vbh + wah + ((_l >>> 0) < (vbl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
    _l = (wtl + wzl) | 0; _h = (wth + wzh + ((_l >>> 0) < (wtl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
    _h = (wth >>> 21) | (wtl << 11); _l = (wtl >>> 21) | (wth << 11); wbh = _h; wbl = _l;
    wcl = wal; wch = wah;
    _l = (wal + wxl) | 0; _h = (wah + wxh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _l = (wal + wyl) | 0; _h = (wah + wyh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _h = (wal >>> 12) | (wah << 20); _l = (wah >>> 12) | (wal << 20); wth = _h; wtl = _l;
    _l = (wbl + wtl) | 0; _h = (wbh + wth + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; wbl = _l; wbh = _h;
    _l = (wal + wzl) | 0; _h = (wah + wzh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; v1l = _l; v1h = _h;
    _l = (wbl + wcl) | 0; _h = (wbh + wch + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; v2l = _l; v2h = _h;
    _l = (zl + w2l) | 0; _h = (zh + w2h + ((_l >>> 0) < (zl >>> 0) ? 1 : 0)) | 0; wa0l = _l; wa0h = _h;
    wwl = (s[p + 32] | (s[p + 33] << 8) | (s[p + 34] << 16) | (s[p + 35] << 24));
    wwh = (s[p + 36] | (s[p + 37] << 8) | (s[p + 38] << 16) | (s[p + 39] << 24));
    wxl = (s[p + 40] | (s[p + 41] << 8) | (s[p + 42] << 16) | (s[p + 43] << 24));
    wxh = (s[p + 44] | (s[p + 45] << 8) | (s[p + 46] << 16) | (s[p + 47] << 24));
    wyl = (s[p + 48] | (s[p + 49] << 8) | (s[p + 50] << 16) | (s[p + 51] << 24));
    wyh = (s[p + 52] | (s[p + 53] << 8) | (s[p + 54] << 16) | (s[p + 55] << 24));
    wzl = (s[p + 56] | (s[p + 57] << 8) | (s[p + 58] << 16) | (s[p + 59] << 24));
    wzh = (s[p + 60] | (s[p + 61] << 8) | (s[p + 62] << 16) | (s[p + 63] << 24));
    _l = (wa0l + wwl) | 0; _h = (wa0h + wwh + ((_l >>> 0) < (wa0l >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _l = (yl + wal) | 0; _h = (yh + wah + ((_l >>> 0) < (yl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
    _l = (wtl + wzl) | 0; _h = (wth + wzh + ((_l >>> 0) < (wtl >>> 0) ? 1 : 0)) | 0; wtl = _l; wth = _h;
    _h = (wth >>> 21) | (wtl << 11); _l = (wtl >>> 21) | (wth << 11); wbh = _h; wbl = _l;
    wcl = wal; wch = wah;
    _l = (wal + wxl) | 0; _h = (wah + wxh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _l = (wal + wyl) | 0; _h = (wah + wyh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; wal = _l; wah = _h;
    _h = (wal >>> 12) | (wah << 20); _l = (wah >>> 12) | (wal << 20); wth = _h; wtl = _l;
    _l = (wbl + wtl) | 0; _h = (wbh + wth + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; wbl = _l; wbh = _h;
    _l = (wal + wzl) | 0; _h = (wah + wzh + ((_l >>> 0) < (wal >>> 0) ? 1 : 0)) | 0; w1l = _l; w1h = _h;
    _l = (wbl + wcl) | 0; _h = (wbh + wch + ((_l >>> 0) < (wbl >>> 0) ? 1 : 0)) | 0; w2l = _l; w2h = _h;
    // swap(z, x)
    tl = zl; th = zh;
    zl = xl; zh = xh;
    xl = tl; xh = th;
    p += 64;
  }
  // HashLen16(HashLen16(v.first, w.first) + ShiftMix(y)·k1 + z, HashLen16(v.second, w.second) + x)
  hashLen16(v1h, v1l, w1h, w1l, KMULH, KMULL, T);
  th = T[0] | 0; tl = T[1] | 0;
  ul = yl ^ (yh >>> 15); uh = yh;
  _l = Math.imul(ul, K1L);
  _h = (Math.round(((ul >>> 0) * K1U - (_l >>> 0)) / TWO32) + Math.imul(uh, K1L) + Math.imul(ul, K1H)) | 0;
  ul = _l; uh = _h;
  _l = (tl + ul) | 0; _h = (th + uh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  _l = (tl + zl) | 0; _h = (th + zh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; al = _l; ah = _h;
  hashLen16(v2h, v2l, w2h, w2l, KMULH, KMULL, T);
  th = T[0] | 0; tl = T[1] | 0;
  _l = (tl + xl) | 0; _h = (th + xh + ((_l >>> 0) < (tl >>> 0) ? 1 : 0)) | 0; tl = _l; th = _h;
  hashLen16(ah, al, th, tl, KMULH, KMULL, out);
}
