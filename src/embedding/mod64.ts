// Exact unsigned 64-bit modulo without BigInt: key = hi·2^32 + lo (both uint32), result = key mod m.
// Used on the training hot path (millions of keys per second), so it works on plain doubles:
// `%` on integer-valued doubles is exact (fmod), and every intermediate stays below 2^53.

/** Largest supported modulus. Intermediates are r·2^16 + 2^16 − 1 < 2^48 for r < 2^32. */
export const MOD64_MAX_M = 4294967296;

function checkModulus(m: number): void {
  if (!Number.isInteger(m) || m < 1 || m > MOD64_MAX_M) {
    throw new Error(`mod64: modulus must be an integer in [1, 2^32], got ${m}`);
  }
}

/**
 * x mod m for an integer 0 ≤ x < 2^52 (or < 2^49 when m > 2^20), using a float reciprocal instead of
 * `%` (V8 compiles `%` on doubles to a libc fmod call, ~4× slower). q = ⌊x·(1/m)⌋ is off by at most
 * one (relative error ≤ 2^-52 and x/m < 2^52), q·m stays below 2^53 so x − q·m is exact, and one
 * correction step fixes the remainder.
 */
function modSmall(x: number, m: number, inv: number): number {
  const r = x - Math.floor(x * inv) * m;
  return r < 0 ? r + m : r >= m ? r - m : r;
}

/**
 * (hi·2^32 + lo) mod m, exact, for uint32 hi/lo and an integer m in [1, 2^32].
 * For m ≤ 2^20 one reduction of (hi mod m)·2^32 + lo (< 2^52) suffices; otherwise the low word is
 * folded in two 16-bit halves (intermediates < 2^48).
 */
export function mod64(hi: number, lo: number, m: number): number {
  checkModulus(m);
  return mod64Unchecked(hi >>> 0, lo >>> 0, m);
}

/** mod64 without argument checks; hi, lo must already be uint32 numbers and m valid. */
export function mod64Unchecked(hi: number, lo: number, m: number): number {
  const inv = 1 / m;
  const r = modSmall(hi, m, inv);
  if (m <= 1048576) return modSmall(r * 4294967296 + lo, m, inv);
  const r1 = modSmall(r * 65536 + (lo >>> 16), m, inv);
  return modSmall(r1 * 65536 + (lo & 0xffff), m, inv);
}

/** Batch form: out[i] = (hi[i]·2^32 + lo[i]) mod m. Returns out. */
export function mod64Batch(hi: Uint32Array, lo: Uint32Array, m: number, out: Int32Array | Uint32Array): Int32Array | Uint32Array {
  checkModulus(m);
  const n = hi.length;
  if (lo.length !== n) throw new Error(`mod64Batch: hi has ${n} keys but lo has ${lo.length}`);
  if (out.length < n) throw new Error(`mod64Batch: output holds ${out.length} entries, need ${n}`);
  if (out instanceof Int32Array && m > 2147483648) {
    throw new Error(`mod64Batch: modulus ${m} does not fit an Int32Array output (max 2^31)`);
  }
  const inv = 1 / m;
  if (m <= 1048576) {
    for (let i = 0; i < n; i++) {
      const h = hi[i]!;
      let r = h - Math.floor(h * inv) * m;
      r = r < 0 ? r + m : r >= m ? r - m : r;
      const x = r * 4294967296 + lo[i]!;
      const y = x - Math.floor(x * inv) * m;
      out[i] = y < 0 ? y + m : y >= m ? y - m : y;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = mod64Unchecked(hi[i]!, lo[i]!, m);
  }
  return out;
}
