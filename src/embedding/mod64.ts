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
 * (hi·2^32 + lo) mod m, exact, for uint32 hi/lo and an integer m in [1, 2^32].
 * For m ≤ 2^21 one step suffices ((hi mod m)·2^32 + lo < 2^53); otherwise the low word is folded in
 * two 16-bit halves.
 */
export function mod64(hi: number, lo: number, m: number): number {
  checkModulus(m);
  return mod64Unchecked(hi >>> 0, lo >>> 0, m);
}

/** mod64 without argument checks; hi, lo must already be uint32 numbers and m valid. */
export function mod64Unchecked(hi: number, lo: number, m: number): number {
  const r = hi % m;
  if (m <= 2097152) return (r * 4294967296 + lo) % m;
  const r1 = (r * 65536 + (lo >>> 16)) % m;
  return (r1 * 65536 + (lo & 0xffff)) % m;
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
  if (m <= 2097152) {
    for (let i = 0; i < n; i++) out[i] = ((hi[i]! % m) * 4294967296 + lo[i]!) % m;
  } else {
    for (let i = 0; i < n; i++) {
      const l = lo[i]!;
      const r1 = ((hi[i]! % m) * 65536 + (l >>> 16)) % m;
      out[i] = (r1 * 65536 + (l & 0xffff)) % m;
    }
  }
  return out;
}
