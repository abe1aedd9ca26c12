// O(n²) reference implementations, straight from the definitions. Used by the tests to check the
// fast exact metrics; handy for spot checks on small data. Do not use them on large inputs.
import type { NumArray } from './sort.js';

/** Σ_{pos i, neg j} w_i w_j ([s_i > s_j] + ½[s_i = s_j]) / (W+ · W−); NaN with one class. */
export function bruteAuc(s: NumArray, y: NumArray, w?: NumArray | null): number {
  let num = 0; let wp = 0; let wn = 0;
  for (let i = 0; i < s.length; i++) {
    const wi = w ? w[i]! : 1;
    if (y[i] === 1) wp += wi; else wn += wi;
    if (y[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (y[j] !== 0) continue;
      const wj = w ? w[j]! : 1;
      num += wi * wj * (s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0);
    }
  }
  return wp > 0 && wn > 0 ? num / (wp * wn) : NaN;
}

/** Impression-weighted GAUC over groups with both classes (groups given as keys). */
export function bruteGauc(s: NumArray, y: NumArray, g: ArrayLike<string | number>): number {
  const by = new Map<string | number, number[]>();
  for (let i = 0; i < s.length; i++) { const k = g[i]!; if (!by.has(k)) by.set(k, []); by.get(k)!.push(i); }
  let num = 0; let den = 0;
  for (const idx of by.values()) {
    const a = bruteAuc(idx.map((i) => s[i]!), idx.map((i) => y[i]!));
    if (!Number.isNaN(a)) { num += idx.length * a; den += idx.length; }
  }
  return den > 0 ? num / den : NaN;
}

/** Pairs with y_i ≠ y_j: share ordered like y by p (p ties ½), pair weight w_i w_j. */
export function bruteXauc(p: NumArray, y: NumArray, w?: NumArray | null): number {
  let num = 0; let den = 0;
  for (let i = 0; i < p.length; i++) {
    for (let j = i + 1; j < p.length; j++) {
      if (y[i] === y[j]) continue;
      const pw = w ? w[i]! * w[j]! : 1;
      const d = (p[i]! - p[j]!) * (y[i]! - y[j]!);
      num += pw * (d > 0 ? 1 : d === 0 ? 0.5 : 0);
      den += pw;
    }
  }
  return den > 0 ? num / den : NaN;
}
