// Calibration: reliability curves (equal-width bins over [0,1] or equal-frequency bins by score
// quantiles) and the negative down-sampling correction q = p / (p + (1 − p)/w) (He et al. 2014).
import { sortRecords, type NumArray, type Payload } from './sort.js';
import { toF64 } from './auc.js';
import { Growable, f64 } from './growable.js';

export type BinMode = 'width' | 'quantile';

export interface CalibrationBin {
  lo: number;               // bin range: [lo, hi) for width bins, [min, max] score for quantile bins
  hi: number;
  count: number;            // rows
  weight: number;           // Σ w (= count when unweighted)
  meanPred: number;
  observedRate: number;     // Σ w·y / Σ w
  meanTrue: number | null;  // mean true probability, when given
}

export interface CalibrationCurve {
  mode: BinMode;
  bins: CalibrationBin[];   // empty bins are left out
  /** Expected calibration error Σ_b (W_b / W)·|meanPred_b − observedRate_b|. */
  ece: number;
  /** Width mode: scores outside [0, 1] (clamped into the edge bins). */
  outOfRange: number;
}

export interface CalibrationInput {
  scores: NumArray;
  labels: NumArray;
  weights?: NumArray | null;
  trueProbs?: NumArray | null;
}

class BinSums {
  count = 0; w = 0; wp = 0; wy = 0; wt = 0; lo = Infinity; hi = -Infinity;
  add(p: number, y: number, w: number, t: number): void {
    this.count++; this.w += w; this.wp += w * p; this.wy += w * y; this.wt += w * t;
    if (p < this.lo) this.lo = p;
    if (p > this.hi) this.hi = p;
  }
  toBin(lo: number, hi: number, hasTrue: boolean): CalibrationBin {
    return {
      lo, hi, count: this.count, weight: this.w,
      meanPred: this.wp / this.w, observedRate: this.wy / this.w, meanTrue: hasTrue ? this.wt / this.w : null,
    };
  }
}

function finish(mode: BinMode, bins: CalibrationBin[], outOfRange: number): CalibrationCurve {
  let W = 0; let e = 0;
  for (const b of bins) { W += b.weight; e += b.weight * Math.abs(b.meanPred - b.observedRate); }
  return { mode, bins, ece: W > 0 ? e / W : NaN, outOfRange };
}

/** Reliability curve. Rows with NaN score or label must not be passed. */
export function calibrationCurve(
  input: CalibrationInput, opts: { bins?: number; mode?: BinMode } = {},
): CalibrationCurve {
  const nb = opts.bins ?? 10;
  if (!(nb >= 1) || !Number.isInteger(nb)) throw new Error(`calibrationCurve: bins must be a positive integer, got ${nb}`);
  const mode = opts.mode ?? 'width';
  const { scores, labels } = input;
  const w = input.weights ?? null;
  const t = input.trueProbs ?? null;
  const n = scores.length;
  if (mode === 'width') {
    const sums = Array.from({ length: nb }, () => new BinSums());
    let out = 0;
    for (let i = 0; i < n; i++) {
      const p = scores[i]!;
      if (p < 0 || p > 1) out++;
      const b = Math.min(nb - 1, Math.max(0, Math.floor(p * nb)));
      sums[b]!.add(p, labels[i]!, w ? w[i]! : 1, t ? t[i]! : 0);
    }
    const bins: CalibrationBin[] = [];
    sums.forEach((s, b) => { if (s.count > 0) bins.push(s.toBin(b / nb, (b + 1) / nb, t !== null)); });
    return finish(mode, bins, out);
  }
  // Equal frequency: sort by score (carrying label, weight, truth), cut at ~equal Σw, never inside a
  // run of tied scores.
  const payload: Payload[] = [toF64(scores), Uint8Array.from(labels as ArrayLike<number>)];
  if (w) payload.push(toF64(w));
  if (t) payload.push(toF64(t));
  const s = sortRecords(scores, n, payload);
  const { f64, rec, W, newRun } = s;
  const [op, oy] = [s.offsets[0]!, s.offsets[1]!];
  const ow = w ? s.offsets[2]! : -1;
  const ot = t ? s.offsets[w ? 3 : 2]! : -1;
  let total = 0;
  if (w) for (let i = 0, j = 0; i < n; i++, j += W) total += f64[(j + ow) >> 1]!;
  else total = n;
  const bins: CalibrationBin[] = [];
  let cur = new BinSums();
  let cum = 0;
  let k = 1;
  for (let i = 0, j = 0; i < n; i++, j += W) {
    if (newRun[i] && cur.count > 0 && cum >= (k * total) / nb) {
      bins.push(cur.toBin(cur.lo, cur.hi, t !== null));
      cur = new BinSums();
      while (k < nb && cum >= (k * total) / nb) k++;
    }
    const wi = ow >= 0 ? f64[(j + ow) >> 1]! : 1;
    cur.add(f64[(j + op) >> 1]!, rec[j + oy]!, wi, ot >= 0 ? f64[(j + ot) >> 1]! : 0);
    cum += wi;
  }
  if (cur.count > 0) bins.push(cur.toBin(cur.lo, cur.hi, t !== null));
  return finish(mode, bins, 0);
}

/** Streaming reliability curve: rows are kept (quantile bins need them); merge = concatenation. */
export class CalibrationAccumulator {
  private readonly s = f64(); private readonly y = f64();
  private w: Growable<Float64Array> | null = null;
  private t: Growable<Float64Array> | null = null;
  /** Rows dropped for a NaN score or label. */
  skipped = 0;

  addBatch(b: CalibrationInput): void {
    const n = b.scores.length;
    if (b.weights && !this.w) this.w = this.filled(1);
    if (b.trueProbs && !this.t) this.t = this.filled(NaN);
    for (let i = 0; i < n; i++) {
      const p = b.scores[i]!; const y = b.labels[i]!;
      if (Number.isNaN(p) || Number.isNaN(y)) { this.skipped++; continue; }
      this.s.push(p); this.y.push(y);
      this.w?.push(b.weights ? b.weights[i]! : 1);
      this.t?.push(b.trueProbs ? b.trueProbs[i]! : NaN);
    }
  }

  merge(o: CalibrationAccumulator): this {
    const n = o.s.length;
    if (o.w && !this.w) this.w = this.filled(1);
    if (o.t && !this.t) this.t = this.filled(NaN);
    this.s.append(o.s.view()); this.y.append(o.y.view());
    if (this.w) { if (o.w) this.w.append(o.w.view()); else for (let i = 0; i < n; i++) this.w.push(1); }
    if (this.t) { if (o.t) this.t.append(o.t.view()); else for (let i = 0; i < n; i++) this.t.push(NaN); }
    this.skipped += o.skipped;
    return this;
  }

  compute(opts: { bins?: number; mode?: BinMode } = {}): CalibrationCurve {
    return calibrationCurve({ scores: this.s.view(), labels: this.y.view(), weights: this.w?.view(), trueProbs: this.t?.view() }, opts);
  }

  private filled(v: number): Growable<Float64Array> {
    const g = f64(this.s.length);
    for (let i = 0; i < this.s.length; i++) g.push(v);
    return g;
  }
}

/**
 * Undo negative down-sampling: a model trained with negatives kept at rate w predicts p; the
 * calibrated probability is q = p / (p + (1 − p) / w)  (equivalently σ(logit p + ln w)).
 */
export function recalibrateDownsampled(p: number, w: number): number {
  if (!(w > 0 && w <= 1)) throw new Error(`recalibrateDownsampled: negative keep rate w must be in (0, 1], got ${w}`);
  return p / (p + (1 - p) / w);
}

/** Element-wise `recalibrateDownsampled`. */
export function recalibrateDownsampledArray(p: NumArray, w: number): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = recalibrateDownsampled(p[i]!, w);
  return out;
}
