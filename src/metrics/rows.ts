// Row storage shared by the binary accumulators: scores, 0/1 labels and optional weights in
// growable typed arrays. Rows with NaN score, label or weight are skipped and counted; a label other
// than 0/1 or a negative weight is an error naming the row.
import { Growable, f64, u8 } from './growable.js';
import type { NumArray } from './sort.js';

export interface BinaryBatch {
  scores: NumArray;
  /** 0 or 1; NaN = missing (the row is skipped and counted). */
  labels: NumArray;
  /** Optional non-negative sample weights. */
  weights?: NumArray | null;
  /** Number of rows to take (default scores.length). */
  n?: number;
}

export class BinaryRows {
  readonly scores: Growable<Float64Array> = f64();
  readonly labels: Growable<Uint8Array> = u8();
  weights: Growable<Float64Array> | null = null;
  /** Rows dropped for NaN score / label / weight. */
  skipped = 0;
  /** Rows offered so far (used to name rows in errors). */
  seen = 0;

  constructor(readonly name = 'metric') {}

  get length(): number { return this.scores.length; }

  /**
   * Validates one row; returns false (and counts it) when it must be skipped. Throws on a label
   * that is not 0/1 or a negative weight.
   */
  check(score: number, label: number, weight: number, row: number): boolean {
    if (Number.isNaN(score) || Number.isNaN(label) || Number.isNaN(weight)) { this.skipped++; return false; }
    if (label !== 0 && label !== 1) {
      throw new Error(`${this.name}: label ${label} at row ${row} (expected 0 or 1; NaN = missing)`);
    }
    if (weight < 0 || weight === Infinity) {
      throw new Error(`${this.name}: weight ${weight} at row ${row} (expected a finite value ≥ 0)`);
    }
    return true;
  }

  push(score: number, label: number, weight?: number): boolean {
    const w = weight ?? 1;
    const row = this.seen++;
    if (!this.check(score, label, w, row)) return false;
    if (weight !== undefined && this.weights === null) this.enableWeights();
    this.scores.push(score);
    this.labels.push(label);
    this.weights?.push(w);
    return true;
  }

  /** Appends a batch; returns a Uint8Array flag per batch row (1 = kept) for parallel columns. */
  addBatch(b: BinaryBatch): Uint8Array {
    const n = b.n ?? b.scores.length;
    if (b.labels.length < n) throw new Error(`${this.name}: labels have ${b.labels.length} rows, scores ${n}`);
    const w = b.weights ?? null;
    if (w && w.length < n) throw new Error(`${this.name}: weights have ${w.length} rows, scores ${n}`);
    if (w && this.weights === null) this.enableWeights();
    const kept = new Uint8Array(n);
    this.scores.reserve(n); this.labels.reserve(n); this.weights?.reserve(n);
    const base = this.seen;
    for (let i = 0; i < n; i++) {
      const s = b.scores[i]!; const y = b.labels[i]!; const wi = w ? w[i]! : 1;
      if (!this.check(s, y, wi, base + i)) continue;
      kept[i] = 1;
      this.scores.push(s); this.labels.push(y); this.weights?.push(wi);
    }
    this.seen += n;
    return kept;
  }

  merge(o: BinaryRows): void {
    if (o.weights && this.weights === null) this.enableWeights();
    this.scores.append(o.scores.view());
    this.labels.append(o.labels.view());
    if (this.weights) {
      if (o.weights) this.weights.append(o.weights.view());
      else { this.weights.reserve(o.length); for (let i = 0; i < o.length; i++) this.weights.push(1); }
    }
    this.skipped += o.skipped;
    this.seen += o.seen;
  }

  views(): { scores: Float64Array; labels: Uint8Array; weights: Float64Array | null } {
    return { scores: this.scores.view(), labels: this.labels.view(), weights: this.weights?.view() ?? null };
  }

  private enableWeights(): void {
    const g = f64(Math.max(16, this.scores.length));
    for (let i = 0; i < this.scores.length; i++) g.push(1);
    this.weights = g;
  }
}
