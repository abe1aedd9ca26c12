// Distribution-shift statistics: PSI over buckets and the two-sample Kolmogorov–Smirnov statistic.

/** PSI smoothing: α pseudo-count added to every bucket (so empty buckets do not give ±∞). */
export const PSI_ALPHA = 0.5;

/**
 * Population stability index Σ (a_i − e_i)·ln(a_i / e_i) of "actual" counts vs "expected" counts
 * over the same buckets, with proportions (c_i + α) / (N + α·K). 0 = identical; > 0.1 moderate;
 * > 0.25 large shift.
 */
export function psi(actual: ArrayLike<number>, expected: ArrayLike<number>, alpha = PSI_ALPHA): number {
  const k = actual.length;
  if (expected.length !== k) throw new Error(`psi: ${k} actual buckets vs ${expected.length} expected`);
  let na = 0, ne = 0;
  for (let i = 0; i < k; i++) { na += actual[i]!; ne += expected[i]!; }
  if (na === 0 || ne === 0) return NaN;
  let s = 0;
  for (let i = 0; i < k; i++) {
    const a = (actual[i]! + alpha) / (na + alpha * k);
    const e = (expected[i]! + alpha) / (ne + alpha * k);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/** Two-sample KS statistic D = sup |F_a − F_b| of two ascending-sorted samples (ties handled). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = a.length, nb = b.length;
  if (na === 0 || nb === 0) return NaN;
  let i = 0, j = 0, d = 0;
  while (i < na && j < nb) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < na && a[i]! <= x) i++;
    while (j < nb && b[j]! <= x) j++;
    const diff = Math.abs(i / na - j / nb);
    if (diff > d) d = diff;
  }
  return d;
}

/** Asymptotic p-value of D for sample sizes na, nb (Kolmogorov distribution with Stephens' correction). */
export function ksPValue(d: number, na: number, nb: number): number {
  if (!(d > 0)) return 1;
  const ne = (na * nb) / (na + nb);
  const sq = Math.sqrt(ne);
  const lambda = (sq + 0.12 + 0.11 / sq) * d;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const t = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += t;
    if (Math.abs(t) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * Up to k−1 strictly increasing cut points at quantiles of an ascending sample (PSI bins). When a
 * value holds a big mass (e.g. 95 % zeros) the quantiles collapse onto it; the remaining cuts are
 * then placed at quantiles of the values above it, so the tail still gets bins.
 */
export function binEdges(sorted: ArrayLike<number>, k = 10): number[] {
  const n = sorted.length;
  const out: number[] = [];
  let start = 0;
  while (out.length < k - 1 && start < n) {
    const need = k - 1 - out.length, sub = n - start;
    const before = out.length;
    for (let i = 1; i <= need; i++) {
      const v = sorted[start + Math.min(sub - 1, Math.floor((i * sub) / (need + 1)))]!;
      if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
    }
    if (out.length === before) break;
    let j = start;
    const last = out[out.length - 1]!;
    while (j < n && sorted[j]! <= last) j++; // first value above the last cut
    if (j === start) break;
    start = j;
  }
  return out;
}

/** Counts of a sorted sample in the bins (−∞, e0), [e0, e1), …, [e_last, ∞). */
export function binCounts(sorted: ArrayLike<number>, edges: readonly number[]): Float64Array {
  const c = new Float64Array(edges.length + 1);
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]!;
    while (b < edges.length && x >= edges[b]!) b++;
    c[b]!++;
  }
  return c;
}

/** Collision probability of one key among n distinct keys hashed into m buckets: 1 − (1 − 1/m)^(n−1) ≈ 1 − e^(−n/m). */
export function theoreticalCollisionRate(n: number, m: number): number {
  if (n <= 1) return 0;
  return -Math.expm1((n - 1) * Math.log1p(-1 / m));
}

/** Smallest power of two M with 1 − e^(−n/M) ≤ target (default 5 % colliding keys). */
export function recommendBuckets(n: number, target = 0.05): number {
  const need = n / -Math.log1p(-target);
  return 2 ** Math.max(1, Math.ceil(Math.log2(Math.max(2, need))));
}
