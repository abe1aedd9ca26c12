// Regression metrics for watch time: RMSE, MAE, means (sum-based, mergeable) and XAUC — the share of
// pairs with different true watch time that the prediction orders the same way (prediction ties
// count ½). Exact XAUC is O(n log n): two radix sorts plus a merge-sort inversion count, all passes
// sequential; a seeded pair-sampling estimate is there for very large n.
import { sortRecords, type NumArray } from './sort.js';
import { toF64 } from './auc.js';
import { Rng } from '../util/rng.js';

export class RegressionSums {
  n = 0; w = 0; wse = 0; wae = 0; wp = 0; wy = 0;
  nTrue = 0; wT = 0; wTrue = 0; wpTrue = 0;

  add(p: number, y: number, w = 1, t = NaN): void {
    const e = p - y;
    this.n++; this.w += w; this.wse += w * e * e; this.wae += w * Math.abs(e); this.wp += w * p; this.wy += w * y;
    if (!Number.isNaN(t)) { this.nTrue++; this.wT += w; this.wTrue += w * t; this.wpTrue += w * p; }
  }

  merge(o: RegressionSums): this {
    this.n += o.n; this.w += o.w; this.wse += o.wse; this.wae += o.wae; this.wp += o.wp; this.wy += o.wy;
    this.nTrue += o.nTrue; this.wT += o.wT; this.wTrue += o.wTrue; this.wpTrue += o.wpTrue;
    return this;
  }

  get rmse(): number { return this.w > 0 ? Math.sqrt(this.wse / this.w) : NaN; }
  get mae(): number { return this.w > 0 ? this.wae / this.w : NaN; }
  get meanPred(): number { return this.w > 0 ? this.wp / this.w : NaN; }
  get meanLabel(): number { return this.w > 0 ? this.wy / this.w : NaN; }
  get meanTrue(): number { return this.wT > 0 ? this.wTrue / this.wT : NaN; }
  /** Σ pred / Σ label: is the prediction's level the label's mean (1 for an estimate of E[y])? */
  get pcoc(): number { return this.wy > 0 ? this.wp / this.wy : NaN; }
  /** Σ pred / Σ true expected value over the rows that carry one (e.g. Σ pred / Σ e_watch_s). */
  get pcocTrue(): number { return this.wTrue > 0 ? this.wpTrue / this.wTrue : NaN; }
}

export function rmse(p: NumArray, y: NumArray, w?: NumArray | null): number {
  const s = new RegressionSums();
  for (let i = 0; i < p.length; i++) s.add(p[i]!, y[i]!, w ? w[i]! : 1);
  return s.rmse;
}

export function mae(p: NumArray, y: NumArray, w?: NumArray | null): number {
  const s = new RegressionSums();
  for (let i = 0; i < p.length; i++) s.add(p[i]!, y[i]!, w ? w[i]! : 1);
  return s.mae;
}

export interface XaucResult {
  xauc: number;        // NaN when all labels are equal
  pairs: number;       // (weighted) pairs with different labels (sampled: pairs drawn)
  concordant: number;
  ties: number;        // of those, pairs tied in prediction
  sampled: boolean;
  stderr: number;      // sampling standard error (0 when exact)
}

/** Exact XAUC (rows with NaN must not be passed). Pair weight = w_i·w_j when weighted. */
export function xauc(pred: NumArray, label: NumArray, weights?: NumArray | null): XaucResult {
  const n = pred.length;
  const w = weights ? toF64(weights) : null;
  // 1) sort by prediction: dense ranks + all prediction-tied pair weight
  const s1 = sortRecords(pred, n, w ? [toF64(label), w] : [toF64(label)]);
  const rank = new Uint32Array(n); const lab = new Float64Array(n); const ws = w ? new Float64Array(n) : null;
  let tiesP = 0; let r = 0; let runW = 0; let runW2 = 0;
  {
    const { f64, W, newRun } = s1; const ol = s1.offsets[0]!; const ow = w ? s1.offsets[1]! : 0;
    for (let i = 0, j = 0; i < n; i++, j += W) {
      if (newRun[i]) { tiesP += (runW * runW - runW2) / 2; runW = 0; runW2 = 0; r++; }
      const wi = w ? f64[(j + ow) >> 1]! : 1;
      rank[i] = r; lab[i] = f64[(j + ol) >> 1]!; if (ws) ws[i] = wi;
      runW += wi; runW2 += wi * wi;
    }
    tiesP += (runW * runW - runW2) / 2;
  }
  // 2) stable sort by label (ties keep prediction order): rows ordered by (label, pred rank)
  const s2 = sortRecords(lab, n, ws ? [rank, ws] : [rank]);
  const seq = new Uint32Array(n); const sw = ws ? new Float64Array(n) : null;
  let total = 0; let sumGroup2 = 0; let gW = 0; let tiesSame = 0; let tW = 0; let tW2 = 0;
  {
    const { rec, f64, W, newRun } = s2; const orank = s2.offsets[0]!; const ow = ws ? s2.offsets[1]! : 0;
    let prevRank = -1;
    for (let i = 0, j = 0; i < n; i++, j += W) {
      const rk = rec[j + orank]!;
      const wi = ws ? f64[(j + ow) >> 1]! : 1;
      if (newRun[i]) { sumGroup2 += gW * gW; gW = 0; }
      if (newRun[i] || rk !== prevRank) { tiesSame += (tW * tW - tW2) / 2; tW = 0; tW2 = 0; prevRank = rk; }
      seq[i] = rk; if (sw) sw[i] = wi;
      total += wi; gW += wi; tW += wi; tW2 += wi * wi;
    }
    sumGroup2 += gW * gW; tiesSame += (tW * tW - tW2) / 2;
  }
  const pairs = (total * total - sumGroup2) / 2; // pairs with different labels
  // 3) in (label, rank) order, every inversion rank_i > rank_j (i before j) is a discordant pair
  const disc = countInversions(seq, sw);
  const ties = tiesP - tiesSame;
  const concordant = pairs - disc - ties;
  return {
    xauc: pairs > 0 ? (concordant + 0.5 * ties) / pairs : NaN,
    pairs, concordant, ties, sampled: false, stderr: 0,
  };
}

/** Σ over i < j with a[i] > a[j] of w_i·w_j (1 when unweighted): bottom-up merge sort. */
export function countInversions(a: Uint32Array, w: Float64Array | null): number {
  const n = a.length;
  let src = a.slice(); let dst = new Uint32Array(n);
  let ws = w ? w.slice() : null; let wd = w ? new Float64Array(n) : null;
  let inv = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n); const hi = Math.min(lo + 2 * width, n);
      let i = lo; let j = mid; let k = lo;
      if (ws === null) {
        while (i < mid && j < hi) {
          if (src[i]! <= src[j]!) dst[k++] = src[i++]!;
          else { inv += mid - i; dst[k++] = src[j++]!; }
        }
        while (i < mid) dst[k++] = src[i++]!;
        while (j < hi) dst[k++] = src[j++]!;
      } else {
        let leftW = 0;
        for (let q = lo; q < mid; q++) leftW += ws[q]!;
        while (i < mid && j < hi) {
          if (src[i]! <= src[j]!) { leftW -= ws[i]!; wd![k] = ws[i]!; dst[k++] = src[i++]!; }
          else { inv += ws[j]! * leftW; wd![k] = ws[j]!; dst[k++] = src[j++]!; }
        }
        while (i < mid) { wd![k] = ws[i]!; dst[k++] = src[i++]!; }
        while (j < hi) { wd![k] = ws[j]!; dst[k++] = src[j++]!; }
      }
    }
    const t = src; src = dst; dst = t;
    if (ws) { const tw = ws; ws = wd; wd = tw; }
  }
  return inv;
}

/**
 * XAUC estimated from `pairs` random pairs with different labels (seeded, deterministic). Pairs are
 * drawn uniformly; with weights each pair counts w_i·w_j.
 */
export function xaucSampled(
  pred: NumArray, label: NumArray, opts: { pairs?: number; seed?: number; weights?: NumArray | null } = {},
): XaucResult {
  const n = pred.length;
  const want = opts.pairs ?? 1_000_000;
  const w = opts.weights ?? null;
  const rng = new Rng(opts.seed ?? 1);
  let got = 0; let tries = 0; let num = 0; let den = 0; let conc = 0; let ties = 0;
  const maxTries = want * 50;
  while (got < want && tries < maxTries && n > 1) {
    tries++;
    const i = rng.int(n); const j = rng.int(n);
    const yi = label[i]!; const yj = label[j]!;
    if (yi === yj) continue;
    got++;
    const pw = w ? w[i]! * w[j]! : 1;
    const d = (pred[i]! - pred[j]!) * (yi - yj);
    if (d > 0) { num += pw; conc += pw; } else if (d === 0) { num += 0.5 * pw; ties += pw; }
    den += pw;
  }
  const x = den > 0 ? num / den : NaN;
  return { xauc: x, pairs: got, concordant: conc, ties, sampled: true, stderr: got > 0 ? Math.sqrt(x * (1 - x) / got) : NaN };
}

export interface RegressionResult {
  n: number; rmse: number; mae: number; meanPred: number; meanLabel: number;
  xauc: XaucResult; skipped: number;
}

/** Streaming regression metrics (rows stored for XAUC); merge = concatenation. */
export class RegressionAccumulator {
  private preds: Float64Array[] = [];
  private labels: Float64Array[] = [];
  private weights: (Float64Array | null)[] = [];
  readonly sums = new RegressionSums();
  skipped = 0;

  constructor(readonly opts: { exactMaxRows?: number; samplePairs?: number; seed?: number } = {}) {}

  addBatch(pred: NumArray, label: NumArray, weights?: NumArray | null): void {
    const n = pred.length;
    if (label.length !== n) throw new Error(`regression metrics: ${label.length} labels for ${n} predictions`);
    const P = new Float64Array(n); const Y = new Float64Array(n); const Wt = weights ? new Float64Array(n) : null;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const p = pred[i]!; const y = label[i]!; const wi = weights ? weights[i]! : 1;
      if (Number.isNaN(p) || Number.isNaN(y) || Number.isNaN(wi)) { this.skipped++; continue; }
      P[k] = p; Y[k] = y; if (Wt) Wt[k] = wi; k++;
      this.sums.add(p, y, wi);
    }
    this.preds.push(P.subarray(0, k)); this.labels.push(Y.subarray(0, k)); this.weights.push(Wt ? Wt.subarray(0, k) : null);
  }

  merge(o: RegressionAccumulator): this {
    this.preds.push(...o.preds); this.labels.push(...o.labels); this.weights.push(...o.weights);
    this.sums.merge(o.sums); this.skipped += o.skipped;
    return this;
  }

  compute(): RegressionResult {
    const p = concat(this.preds); const y = concat(this.labels);
    const anyW = this.weights.some((x) => x !== null);
    const w = anyW ? concat(this.weights.map((x, i) => x ?? new Float64Array(this.preds[i]!.length).fill(1))) : null;
    const s = this.sums;
    return {
      n: s.n, rmse: s.rmse, mae: s.mae, meanPred: s.meanPred, meanLabel: s.meanLabel, skipped: this.skipped,
      xauc: xaucAuto(p, y, w, this.opts),
    };
  }
}

/** Exact XAUC up to `exactMaxRows` rows (default 20 M), sampled above. */
export function xaucAuto(
  p: NumArray, y: NumArray, w: NumArray | null, opts: { exactMaxRows?: number; samplePairs?: number; seed?: number },
): XaucResult {
  return p.length <= (opts.exactMaxRows ?? 20_000_000)
    ? xauc(p, y, w)
    : xaucSampled(p, y, { pairs: opts.samplePairs ?? 2_000_000, seed: opts.seed ?? 1, weights: w });
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
}

