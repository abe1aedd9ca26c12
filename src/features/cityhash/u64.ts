// Unsigned 64-bit arithmetic on pairs of 32-bit halves, without BigInt.
// Convention: a 64-bit value is (hi, lo), each half held as an int32 (any sign; only the 32 bits
// matter). Every operation is split into one scalar function per half so that nothing is allocated
// and V8 can inline everything: e.g. the low half of a*b is Math.imul(al, bl) and the high half is
// mulHi(ah, al, bh, bl).

const TWO32 = 4294967296;

/**
 * High 32 bits of the low 64 bits of (ah:al)·(bh:bl).
 * The 32×32→64 product al·bl is computed in double precision: p = fl(al·bl) differs from the exact
 * product by at most 2^10 (half an ulp below 2^64), and so does fl(p − lo) from the exact multiple
 * of 2^32, so round((p − lo) / 2^32) is exactly the high word. The cross terms only matter mod 2^32.
 */
export function mulHi(ah: number, al: number, bh: number, bl: number): number {
  const lo = Math.imul(al, bl) >>> 0;
  const p = (al >>> 0) * (bl >>> 0);
  return (Math.round((p - lo) / TWO32) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
}

/** High half of (ah:al) + (bh:bl); the low half is (al + bl) | 0. */
export function addHi(ah: number, al: number, bh: number, bl: number): number {
  return (ah + bh + ((al >>> 0) + (bl >>> 0) > 0xffffffff ? 1 : 0)) | 0;
}

/** High half of (ah:al) − (bh:bl); the low half is (al − bl) | 0. */
export function subHi(ah: number, al: number, bh: number, bl: number): number {
  return (ah - bh - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
}

/** High half of the right rotation of (h:l) by r, 1 ≤ r ≤ 63 (constant r folds after inlining). */
export function rotHi(h: number, l: number, r: number): number {
  if (r < 32) return (h >>> r) | (l << (32 - r));
  if (r === 32) return l;
  return (l >>> (r - 32)) | (h << (64 - r));
}

/** Low half of the right rotation of (h:l) by r, 1 ≤ r ≤ 63. */
export function rotLo(h: number, l: number, r: number): number {
  if (r < 32) return (l >>> r) | (h << (32 - r));
  if (r === 32) return h;
  return (h >>> (r - 32)) | (l << (64 - r));
}

/** Byte-swap of a 32-bit word (bswap_64(h:l) = (bswap32(l) : bswap32(h))). */
export function bswap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) | 0;
}

/**
 * Unsigned (hi·2^32 + lo) mod m, exact for every integer m in [1, 2^32). No BigInt.
 * Long division in base 2^16 keeps every intermediate below 2^48 (< 2^53), so the naive
 * (hi mod m)·(2^32 mod m) overflow of doubles cannot happen.
 */
export function mod64(hi: number, lo: number, m: number): number {
  if (!(m >= 1 && m < TWO32) || m !== Math.floor(m)) {
    throw new RangeError(`mod64: modulus must be an integer in [1, 2^32), got ${m}`);
  }
  const h = hi >>> 0, l = lo >>> 0;
  if ((m & (m - 1)) === 0) return (l & (m - 1)) >>> 0; // power of two: 2^32 ≡ 0 (mod m)
  if (h < 0x200000) return (h * TWO32 + l) % m; // value < 2^53: exact in a double
  let r = h % m;
  r = (r * 65536 + (l >>> 16)) % m;
  return (r * 65536 + (l & 0xffff)) % m;
}

/** Decimal string of the unsigned 64-bit value (hi, lo). */
export function u64ToDecimal(hi: number, lo: number): string {
  const h = hi >>> 0, l = lo >>> 0;
  if (h < 0x200000) return String(h * TWO32 + l);
  // value = q·10^7 + r via base-2^16 long division; every intermediate stays below 2^40.
  let d3 = h >>> 16, d2 = h & 0xffff, d1 = l >>> 16, d0 = l & 0xffff;
  let out = '';
  while (d3 !== 0 || d2 !== 0 || d1 * 65536 + d0 >= 1e7) {
    let r = d3;
    d3 = Math.floor(r / 1e7); r = (r % 1e7) * 65536 + d2;
    d2 = Math.floor(r / 1e7); r = (r % 1e7) * 65536 + d1;
    d1 = Math.floor(r / 1e7); r = (r % 1e7) * 65536 + d0;
    d0 = Math.floor(r / 1e7); r = r % 1e7;
    out = String(r).padStart(7, '0') + out;
  }
  return String(d1 * 65536 + d0) + out;
}

/** (hi, lo) → unsigned bigint. */
export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Split an unsigned 64-bit bigint (reduced mod 2^64) into int32 halves [hi, lo]. */
export function fromBigInt(v: bigint): [number, number] {
  const x = BigInt.asUintN(64, v);
  return [Number(x >> 32n) | 0, Number(x & 0xffffffffn) | 0];
}
