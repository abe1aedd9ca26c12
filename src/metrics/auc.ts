// Exact ROC AUC (ties in score count 1/2, optional sample weights) and its streaming accumulator.
// AUC = Σ_{pos i, neg j} w_i w_j [s_i > s_j] + ½ [s_i = s_j]  /  (Σ_pos w · Σ_neg w).
// Rows are radix-sorted by score together with their labels (and weights), then one sequential pass.
import { sortRecords, type NumArray, type Payload, type SortedRecords } from './sort.js';
import { BinaryRows, type BinaryBatch } from './rows.js';

/** Σ weights and the AUC of one sorted range (see `sortedAuc`). */
export interface AucParts { wPos: number; wNeg: number; area: number; auc: number }

/**
 * AUC over score-sorted records (from `sortRecords(scores, n, [labels, weights?])`): one sequential
 * pass; tied scores (same run) count ½ per positive–negative pair.
 */
export function sortedAuc(s: SortedRecords, labelCol = 0, weightCol = -1): AucParts {
  const { rec, f64, W, n, newRun } = s;
  const lo = s.offsets[labelCol]!;
  const wo = weightCol >= 0 ? s.offsets[weightCol]! : -1;
  let negBelow = 0; let area = 0; let wPos = 0; let tp = 0; let tn = 0;
  if (wo < 0) {
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
  const lab = labels instanceof Uint8Array ? labels : Uint8Array.from(labels as ArrayLike<number>);
  const payload: Payload[] = weights ? [lab, toF64(weights)] : [lab];
  return sortedAuc(sortRecords(scores, n, payload), 0, weights ? 1 : -1).auc;
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
    const r = sortedAuc(sortRecords(scores, n, weights ? [labels, weights] : [labels]), 0, weights ? 1 : -1);
    let nPos = 0;
    for (let i = 0; i < n; i++) nPos += labels[i]!;
    return { auc: r.auc, n, nPos, nNeg: n - nPos, weightPos: r.wPos, weightNeg: r.wNeg, skipped: this.rows.skipped };
  }
}
