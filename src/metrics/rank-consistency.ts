// Consistency of two rankings of the same candidate set (e.g. a coarse ranker's scores against the
// fine ranker's): Kendall τ-b (ties counted), top-k overlap and NDCG of one order against the other's
// scores, per request and summarised over requests. Stand-alone (no imports): the same code runs
// offline (liverank coarse report) and in tests.

/**
 * Kendall τ-b of two score vectors over the same items, with ties:
 *   τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)),  n₀ = n(n−1)/2,
 * n₁ / n₂ = pairs tied in a / in b. A pair tied in either counts as neither concordant nor
 * discordant. NaN when either vector is constant (or n < 2). Exact, O(n²): fine for a request's
 * few hundred candidates (500 → 125k pairs).
 */
export function kendallTauB(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`kendallTauB: ${n} scores against ${b.length}`);
  let s = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < n; i++) {
    const ai = a[i]!, bi = b[i]!;
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(ai - a[j]!), db = Math.sign(bi - b[j]!);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      s += da * db;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const den = Math.sqrt((n0 - tiesA) * (n0 - tiesB));
  return den > 0 ? s / den : NaN;
}

/** Indices of the k highest scores, best first; ties broken by the lower index (deterministic). */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const n = scores.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  idx.sort((x, y) => scores[y]! - scores[x]! || x - y);
  return idx.subarray(0, Math.min(k, n));
}

/**
 * |top_k(a) ∩ top_k(b)| / k' with k' = min(k, n): the share of b's best k that a also puts in its
 * best k. Ties at the cut are broken by index in both (so equal score vectors give 1).
 */
export function topKOverlap(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`topKOverlap: ${n} scores against ${b.length}`);
  if (!(k >= 1)) throw new Error(`topKOverlap: k must be ≥ 1 (got ${k})`);
  const kk = Math.min(k, n);
  if (kk === 0) return NaN;
  const inB = new Uint8Array(n);
  for (const i of topK(b, kk)) inB[i] = 1;
  let hit = 0;
  for (const i of topK(a, kk)) hit += inB[i]!;
  return hit / kk;
}

/**
 * NDCG@k of the order given by `scores` against non-negative `gains` (e.g. the fine ranker's
 * probabilities): Σ_{r<k} g_{π(r)} / log₂(r + 2), divided by the same sum for the order by gain.
 * Ties in `scores` are broken by index. NaN when every gain is 0.
 */
export function ndcgAt(scores: ArrayLike<number>, gains: ArrayLike<number>, k: number): number {
  const n = scores.length;
  if (gains.length !== n) throw new Error(`ndcgAt: ${n} scores against ${gains.length} gains`);
  for (let i = 0; i < n; i++) if (!(gains[i]! >= 0)) throw new Error(`ndcgAt: gain ${i} is ${gains[i]}; gains must be ≥ 0`);
  const dcg = (order: Int32Array) => { let s = 0; order.forEach((i, r) => { s += gains[i]! / Math.log2(r + 2); }); return s; };
  const ideal = dcg(topK(gains, k));
  return ideal > 0 ? dcg(topK(scores, k)) / ideal : NaN;
}

export interface ConsistencyOptions {
  /** The k of every top-k overlap (default [10, 50, 100]). */
  ks?: readonly number[];
  /** The k of NDCG (default 50). */
  ndcgK?: number;
}

/** One request's consistency of `coarse` scores with the `fine` scores (gains: fine gains for NDCG, default fine itself). */
export interface RequestConsistency { n: number; tau: number; overlap: Record<string, number>; ndcg: number }

export function requestConsistency(coarse: ArrayLike<number>, fine: ArrayLike<number>, o: ConsistencyOptions = {}, gains: ArrayLike<number> = fine): RequestConsistency {
  const ks = o.ks ?? [10, 50, 100];
  const overlap: Record<string, number> = {};
  for (const k of ks) overlap[`top${k}`] = topKOverlap(coarse, fine, k);
  return { n: coarse.length, tau: kendallTauB(coarse, fine), overlap, ndcg: ndcgAt(coarse, gains, o.ndcgK ?? 50) };
}

export interface Summary { mean: number; sd: number; n: number }

/** Mean and sample standard deviation of the finite values. */
export function summarize(values: readonly number[]): Summary {
  const v = values.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

export interface ConsistencyReport {
  requests: number;
  candidates: Summary;
  tau: Summary;
  overlap: Record<string, Summary>;
  ndcg: Summary;
  ndcgK: number;
}

/** Per-request consistency summarised over requests (mean ± sd over requests). */
export function summarizeConsistency(per: readonly RequestConsistency[], ndcgK = 50): ConsistencyReport {
  const keys = per.length ? Object.keys(per[0]!.overlap) : [];
  return {
    requests: per.length,
    candidates: summarize(per.map((p) => p.n)),
    tau: summarize(per.map((p) => p.tau)),
    overlap: Object.fromEntries(keys.map((k) => [k, summarize(per.map((p) => p.overlap[k]!))])),
    ndcg: summarize(per.map((p) => p.ndcg)),
    ndcgK,
  };
}
