// Exact ROC AUC (ties in score count 1/2, optional sample weights) and its streaming accumulator.
// AUC = Σ_{pos i, neg j} w_i w_j [s_i > s_j] + ½ [s_i = s_j]  /  (Σ_pos w · Σ_neg w).
// Rows are radix-sorted by score together with their labels (and weights), then one sequential pass.
import { sortRecords, type NumArray, type SortedRecords } from './sort.js';
import { BinaryRows, type BinaryBatch } from './rows.js';

/** Σ weights and the AUC of one sorted range (see `sortedAuc`). */
export interface AucParts { wPos: number; wNeg: number; area: number; auc: number }

/**
 * AUC over score-sorted records: one sequential pass; tied scores (same run) count ½ per
 * positive–negative pair. Records come from `sortRecords(scores, n, [labels])` (labelCol = 0), or
 * `sortRecords(scores, n, [signedWeights])` with labelCol = −1: +w for a positive, −w for a negative.
 */
export function sortedAuc(s: SortedRecords, labelCol = 0, weightCol = -1): AucParts {
  const { rec, f64, W, n, newRun } = s;
  const lo = labelCol >= 0 ? s.offsets[labelCol]! : -1;
  const wo = weightCol >= 0 ? s.offsets[weightCol]! : -1;
  let negBelow = 0; let area = 0; let wPos = 0; let tp = 0; let tn = 0;
  if (lo < 0) {
    for (let i = 0, j = 0; i < n; i++, j += W) {
      if (newRun[i]) { area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp; tp = 0; tn = 0; }
      const w = f64[(j + wo) >> 1]!;
      if (w > 0) tp += w; else tn -= w;
    }
  } else if (wo < 0) {
    for (let i = 0, j = 0; i < n; i++, j += W) {
      if (newRun[i]) { area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp; tp = 0; tn = 0; }
      if (rec[j + lo] === 1) tp++; else tn++;
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += W) {
      if (newRun[i]) { area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp; tp = 0; tn = 0; }
      const w = f64[(j + wo) >> 1]!;
      if (rec[j + lo] === 1) tp += w; else tn += w;
    }
  }
  area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp;
  return { wPos, wNeg: negBelow, area, auc: wPos > 0 && negBelow > 0 ? area / (wPos * negBelow) : NaN };
}

/** Exact AUC of whole arrays (rows with NaN score or label must not be passed; labels 0/1). */
export function auc(scores: NumArray, labels: NumArray, weights?: NumArray | null): number {
  const n = scores.length;
  if (weights) return sortedAuc(sortRecords(scores, n, [signedWeights(labels, weights)]), -1, 0).auc;
  const lab = labels instanceof Uint8Array ? labels : Uint8Array.from(labels as ArrayLike<number>);
  return sortedAuc(sortRecords(scores, n, [lab]), 0, -1).auc;
}

/** +w for positives, −w for negatives (one f64 payload instead of label + weight). */
export function signedWeights(labels: NumArray, weights: NumArray): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0; i < out.length; i++) out[i] = labels[i] === 1 ? weights[i]! : -weights[i]!;
  return out;
}

export function toF64(a: NumArray): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a as ArrayLike<number>);
}

export interface AucResult {
  auc: number;            // NaN when a class is missing
  n: number;              // rows used
  nPos: number;           // positive rows
  nNeg: number;
  weightPos: number;      // Σ weight of positives (= nPos when unweighted)
  weightNeg: number;
  skipped: number;        // rows dropped for NaN score/label/weight
}

/** Streaming exact AUC: add rows in batches, merge accumulators (= concatenation), compute. */
export class AucAccumulator {
  readonly rows = new BinaryRows();

  add(score: number, label: number, weight?: number): void {
    this.rows.push(score, label, weight);
  }

  addBatch(batch: BinaryBatch): void {
    this.rows.addBatch(batch);
  }

  merge(other: AucAccumulator): this {
    this.rows.merge(other.rows);
    return this;
  }

  compute(): AucResult {
    const { scores, labels, weights } = this.rows.views();
    const n = scores.length;
    const r = weights
      ? sortedAuc(sortRecords(scores, n, [signedWeights(labels, weights)]), -1, 0)
      : sortedAuc(sortRecords(scores, n, [labels]), 0, -1);
    let nPos = 0;
    for (let i = 0; i < n; i++) nPos += labels[i]!;
    return { auc: r.auc, n, nPos, nNeg: n - nPos, weightPos: r.wPos, weightNeg: r.wNeg, skipped: this.rows.skipped };
  }
}
