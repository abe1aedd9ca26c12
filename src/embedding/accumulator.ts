// Sums the gradients of duplicate rows before the optimizer runs, so each unique row is updated once
// per step. A reusable "slot of row" table with a generation stamp replaces a JS Map: a row's slot is
// valid only if stamp[row] === generation, so clearing is O(1) (bump the generation).
//
// Sums are kept in float64 (JS numbers) — duplicates of hot rows can number in the thousands.
import { accumulateKernel, type AccumulateKernel } from './kernels.js';

export class SparseGradAccumulator {
  readonly rows: number;
  readonly dim: number;
  private readonly slotOf: Int32Array;
  private readonly stamp: Int32Array;
  private generation = 1;
  /** Unique rows in first-seen order; entries [0, size) are valid. */
  uniq: Int32Array;
  /** Summed gradient of uniq[s] at grad[s·dim, (s+1)·dim). */
  grad: Float64Array;
  size = 0;
  private readonly kern: AccumulateKernel;

  constructor(rows: number, dim: number, initialCapacity = 1024) {
    this.kern = accumulateKernel(dim);
    this.rows = rows;
    this.dim = dim;
    this.slotOf = new Int32Array(rows);
    this.stamp = new Int32Array(rows);
    const cap = Math.max(16, initialCapacity);
    this.uniq = new Int32Array(cap);
    this.grad = new Float64Array(cap * dim);
  }

  /** Forget everything accumulated (O(1)). */
  clear(): void {
    this.size = 0;
    this.generation++;
    if (this.generation >= 0x7fffffff) { this.stamp.fill(0); this.generation = 1; }
  }

  private grow(min = 0): void {
    let cap = this.uniq.length * 2;
    while (cap < min) cap *= 2;
    const u = new Int32Array(cap); u.set(this.uniq); this.uniq = u;
    const g = new Float64Array(cap * this.dim); g.set(this.grad); this.grad = g;
  }

  /** The slot of `row`, creating a zeroed one if the row is new this generation. Row must be valid. */
  slot(row: number): number {
    if (this.stamp[row] === this.generation) return this.slotOf[row]!;
    if (this.size === this.uniq.length) this.grow();
    const s = this.size++;
    this.stamp[row] = this.generation;
    this.slotOf[row] = s;
    this.uniq[s] = row;
    this.grad.fill(0, s * this.dim, (s + 1) * this.dim);
    return s;
  }

  /** grad[row] += weight · src[srcOff .. srcOff + dim). Row must be in [0, rows). */
  add(row: number, src: Float32Array, srcOff: number, weight: number): void {
    const d = this.dim, g = this.grad;
    if (this.stamp[row] === this.generation) {
      const o = this.slotOf[row]! * d;
      if (weight === 1) for (let j = 0; j < d; j++) g[o + j] += src[srcOff + j]!;
      else for (let j = 0; j < d; j++) g[o + j] += weight * src[srcOff + j]!;
      return;
    }
    if (this.size === this.uniq.length) this.grow();
    const s = this.size++;
    this.stamp[row] = this.generation;
    this.slotOf[row] = s;
    this.uniq[s] = row;
    const o = s * d, gg = this.grad;
    if (weight === 1) for (let j = 0; j < d; j++) gg[o + j] = src[srcOff + j]!;
    else for (let j = 0; j < d; j++) gg[o + j] = weight * src[srcOff + j]!;
  }

  /**
   * For each b: grad[rows[b]] += weight · src[off + b·stride ..+dim]. Rows must already be validated
   * in [0, rows) ∪ {−1}; −1 is skipped.
   */
  addRows(rows: Int32Array, src: Float32Array, off: number, stride: number, weight: number): void {
    const need = Math.min(this.size + rows.length, this.rows);
    if (need > this.uniq.length) this.grow(need);
    this.size = this.kern(rows, src, off, stride, weight, this.stamp, this.slotOf, this.generation, this.uniq, this.grad, this.size);
  }

  /** Σ over unique rows of ‖summed gradient‖² — the table's share of a global gradient norm². */
  squaredNorm(): number {
    let s = 0;
    const g = this.grad, n = this.size * this.dim;
    for (let i = 0; i < n; i++) s += g[i]! * g[i]!;
    return s;
  }
}
