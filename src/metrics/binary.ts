// Sum-based binary metrics (mergeable by adding sums): logloss with clipped probabilities, PCOC =
// Σp̂/Σy, the label-noise-free PCOC Σp̂/Σp_true when true probabilities are known, mean prediction,
// positive rate. All optionally weighted.
import type { NumArray } from './sort.js';

/** Probabilities are clipped to [EPS, 1 − EPS] inside logloss. */
export const LOGLOSS_EPS = 1e-7;

export function clipProb(p: number, eps = LOGLOSS_EPS): number {
  return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

/** −[y ln p + (1−y) ln(1−p)] with p clipped. */
export function rowLogloss(p: number, y: number): number {
  const q = clipProb(p);
  return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
}

/** Mergeable sums for one slice. Rows with a true probability also feed the *_true sums. */
export class BinarySums {
  n = 0;        // rows
  nPos = 0;     // positive rows
  w = 0;        // Σ w
  wy = 0;       // Σ w·y
  wp = 0;       // Σ w·p̂
  wll = 0;      // Σ w·logloss
  nTrue = 0;    // rows carrying a true probability
  wT = 0;       // Σ w over those rows
  wTrue = 0;    // Σ w·p_true over those rows
  wpTrue = 0;   // Σ w·p̂ over those rows

  add(p: number, y: number, w = 1, pTrue = NaN): void {
    this.addWithLoss(p, y, w, rowLogloss(p, y), pTrue);
  }

  /** `add` with the row's logloss already computed (one log per row for many slices). */
  addWithLoss(p: number, y: number, w: number, ll: number, pTrue: number): void {
    this.n++; this.nPos += y; this.w += w; this.wy += w * y; this.wp += w * p;
    this.wll += w * ll;
    if (!Number.isNaN(pTrue)) { this.nTrue++; this.wT += w; this.wTrue += w * pTrue; this.wpTrue += w * p; }
  }

  merge(o: BinarySums): this {
    this.n += o.n; this.nPos += o.nPos; this.w += o.w; this.wy += o.wy; this.wp += o.wp; this.wll += o.wll;
    this.nTrue += o.nTrue; this.wT += o.wT; this.wTrue += o.wTrue; this.wpTrue += o.wpTrue;
    return this;
  }

  get logloss(): number { return this.w > 0 ? this.wll / this.w : NaN; }
  /** Σp̂ / Σy (NaN without positives). */
  get pcoc(): number { return this.wy > 0 ? this.wp / this.wy : NaN; }
  /** Σp̂ / Σp_true over rows with a true probability (NaN when none). */
  get pcocTrue(): number { return this.wTrue > 0 ? this.wpTrue / this.wTrue : NaN; }
  get meanPred(): number { return this.w > 0 ? this.wp / this.w : NaN; }
  get posRate(): number { return this.w > 0 ? this.wy / this.w : NaN; }
  get meanTrue(): number { return this.wT > 0 ? this.wTrue / this.wT : NaN; }
}

function sumsOf(p: NumArray, y: NumArray, w?: NumArray | null, pTrue?: NumArray | null): BinarySums {
  const s = new BinarySums();
  for (let i = 0; i < p.length; i++) s.add(p[i]!, y[i]!, w ? w[i]! : 1, pTrue ? pTrue[i]! : NaN);
  return s;
}

/** Mean logloss (weighted when w is given), probabilities clipped to [1e-7, 1 − 1e-7]. */
export function logloss(p: NumArray, y: NumArray, w?: NumArray | null): number {
  return sumsOf(p, y, w).logloss;
}

/** PCOC = Σ w·p̂ / Σ w·y; ideal 1, > 1 over-predicts. */
export function pcoc(p: NumArray, y: NumArray, w?: NumArray | null): number {
  return sumsOf(p, y, w).pcoc;
}

/** Σ w·p̂ / Σ w·p_true: calibration against the true probabilities (no label noise). */
export function pcocTrue(p: NumArray, pTrue: NumArray, w?: NumArray | null): number {
  let a = 0; let b = 0;
  for (let i = 0; i < p.length; i++) { const wi = w ? w[i]! : 1; a += wi * p[i]!; b += wi * pTrue[i]!; }
  return b > 0 ? a / b : NaN;
}

export function meanPrediction(p: NumArray, w?: NumArray | null): number {
  let a = 0; let b = 0;
  for (let i = 0; i < p.length; i++) { const wi = w ? w[i]! : 1; a += wi * p[i]!; b += wi; }
  return b > 0 ? a / b : NaN;
}

export function positiveRate(y: NumArray, w?: NumArray | null): number {
  return meanPrediction(y, w);
}
