// Sums the gradients of duplicate rows before the optimizer runs, so each unique row is updated once
// per step. A generation stamp per row replaces a JS Map: a row is "touched this step" iff
// stamp[row] === generation, so clearing is O(1) (bump the generation). The first contribution to a
// row is copied (no zeroing pass), later ones are added.
//
// Two storage modes (the table's 'auto' setting switches between them from the touched share):
//  - 'row': a float32 buffer shaped like the table,
//    indexed by row. At step time the touched rows are listed in ascending order (stamp scan or
//    sort), so the optimizer walks values, state and gradient sequentially — on the 2-core VM this
//    was ~3× faster than updating rows in batch order (random pages in four arrays). Costs one extra
//    table-sized float32 buffer. Duplicate sums are float32 (as in PyTorch / TF).
//  - 'slot': compact float64 slots in first-seen order (memory ∝ unique rows per step), for huge
//    tables or steps touching few rows (the compact buffer stays in cache; measured ~1.5× faster
//    than 'row' with 26 tables × 100k rows and 1–4 % of rows touched). Rows are updated in
//    first-seen order.
import type { ArenaKernels } from './wasm/arena.js';
import { accumulateKernel, denseAccumulateKernel, type AccumulateKernel, type DenseAccumulateKernel } from './kernels.js';

export type AccumulatorMode = 'row' | 'slot';

/** Tables up to this many floats (64 MB of float32) may use the 'row' mode under 'auto'. */
export const DENSE_GRAD_MAX_FLOATS = 2 ** 24;

export interface PendingGradient {
  /** Touched rows: ascending in 'row' mode, first-seen order in 'slot' mode. */
  rows: Int32Array;
  n: number;
  /** 'row': grad of row r at r·dim; 'slot': grad of rows[s] at s·dim. */
  grad: Float32Array | Float64Array;
  byRow: boolean;
}

/** 'row'-mode arrays supplied by the owner (a table in a wasm arena); all of length rows·dim / rows. */
export interface RowBuffers { grad: Float32Array; sorted: Int32Array; stamp: Int32Array; uniq: Int32Array }

export class SparseGradAccumulator {
  readonly rows: number;
  readonly dim: number;
  readonly mode: AccumulatorMode;
  private readonly slotOf: Int32Array;
  private readonly stamp: Int32Array;
  private generation = 1;
  /** Unique rows in first-seen order; entries [0, size) are valid. */
  private uniq: Int32Array;
  /** 'slot' mode: summed gradient of uniq[s] at s·dim. 'row' mode: table-shaped buffer. */
  private grad: Float64Array | Float32Array;
  private sorted: Int32Array;
  size = 0;
  private readonly kernSlot: AccumulateKernel | null;
  private readonly kernRow: DenseAccumulateKernel | null;

  /**
   * `rowBuffers`: the 'row' mode's gradient buffer (rows·dim) and sorted-row list (rows) to use
   * instead of fresh arrays — a table in a wasm arena passes its own, so the kernels can address them.
   */
  constructor(rows: number, dim: number, mode: AccumulatorMode, initialCapacity = 1024, rowBuffers?: RowBuffers) {
    this.rows = rows;
    this.dim = dim;
    this.mode = mode;
    const rb = mode === 'row' ? rowBuffers : undefined;
    this.stamp = rb ? rb.stamp.fill(0) : new Int32Array(rows);
    const cap = Math.max(16, Math.min(initialCapacity, rows));
    this.uniq = rb ? rb.uniq : new Int32Array(cap);
    this.sorted = rb ? rb.sorted : new Int32Array(0);
    if (this.mode === 'row') {
      this.slotOf = new Int32Array(0);
      this.grad = rb ? rb.grad : new Float32Array(rows * dim);
      this.kernRow = denseAccumulateKernel(dim); this.kernSlot = null;
    } else {
      this.slotOf = new Int32Array(rows);
      this.grad = new Float64Array(cap * dim);
      this.kernSlot = accumulateKernel(dim); this.kernRow = null;
    }
  }

  /**
   * Fixed bytes of the gradient buffers (for memory estimates): 'row' mode rows·(dim+1)·4, 'slot'
   * mode rows·8. Per-step lists proportional to the unique rows of a step come on top.
   */
  bytes(): number {
    return this.stamp.byteLength + this.slotOf.byteLength + (this.mode === 'row' ? this.grad.byteLength : 0);
  }

  /** Forget everything accumulated (O(1)). */
  clear(): void {
    this.size = 0;
    this.generation++;
    if (this.generation >= 0x7fffffff) { this.stamp.fill(0); this.generation = 1; }
  }

  private ensure(min: number): void {
    if (min <= this.uniq.length) return;
    let cap = this.uniq.length * 2;
    while (cap < min) cap *= 2;
    cap = Math.min(cap, this.rows);
    const u = new Int32Array(cap); u.set(this.uniq.subarray(0, this.size)); this.uniq = u;
    if (this.mode === 'slot') {
      const g = new Float64Array(cap * this.dim); g.set(this.grad.subarray(0, this.size * this.dim)); this.grad = g;
    }
  }

  /** grad[row] += weight · src[srcOff .. srcOff + dim). Row must be in [0, rows). */
  add(row: number, src: Float32Array, srcOff: number, weight: number): void {
    const d = this.dim, g = this.grad;
    let o: number;
    if (this.stamp[row] === this.generation) {
      o = this.mode === 'row' ? row * d : this.slotOf[row]! * d;
      for (let j = 0; j < d; j++) g[o + j] += weight * src[srcOff + j]!;
      return;
    }
    this.ensure(this.size + 1);
    this.stamp[row] = this.generation;
    if (this.mode === 'slot') this.slotOf[row] = this.size;
    o = this.mode === 'row' ? row * d : this.size * d;
    this.uniq[this.size++] = row;
    const gg = this.grad;
    for (let j = 0; j < d; j++) gg[o + j] = weight * src[srcOff + j]!;
  }

  /**
   * For each b: grad[rows[b]] += weight · src[off + b·stride ..+dim]. Rows must already be validated
   * in [0, rows) ∪ {−1}; −1 is skipped.
   */
  addRows(rows: Int32Array, src: Float32Array, off: number, stride: number, weight: number): void {
    this.ensure(Math.min(this.size + rows.length, this.rows));
    if (this.kernRow) {
      this.size = this.kernRow(rows, src, off, stride, weight, this.stamp, this.generation, this.uniq, this.grad as Float32Array, this.size);
    } else {
      this.size = this.kernSlot!(rows, src, off, stride, weight, this.stamp, this.slotOf, this.generation, this.uniq, this.grad as Float64Array, this.size);
    }
  }
  /**
   * 'row' mode with RowBuffers in an arena: addRows over ids and gradient rows already copied into the
   * arena (byte offsets), by the wasm kernel acc_rows (same arithmetic as the JS kernel).
   */
  addRowsWasm(k: ArenaKernels, idsPtr: number, n: number, srcPtr: number, strideBytes: number, weight: number): void {
    this.size = k.acc_rows(idsPtr, n, srcPtr, strideBytes, weight, this.stamp.byteOffset, this.generation, this.uniq.byteOffset, this.grad.byteOffset, this.size, this.dim);
  }


  /** The pending gradient, ready for an optimizer (valid until the next add/clear). */
  pending(): PendingGradient {
    const n = this.size;
    if (this.mode === 'slot') return { rows: this.uniq, n, grad: this.grad, byRow: false };
    if (this.sorted.length < n) this.sorted = new Int32Array(this.uniq.length);
    if (this.rows <= 16 * n) this.sortedByScan(this.sorted, this.stamp, this.generation, this.rows);
    else this.sortedBySort(this.sorted, n);
    return { rows: this.sorted, n, grad: this.grad, byRow: true };
  }

  /** Touched rows in ascending order by scanning the stamps (O(rows); used when many are touched). */
  private sortedByScan(out: Int32Array, stamp: Int32Array, gen: number, R: number): void {
    let k = 0;
    for (let r = 0; r < R; r++) if (stamp[r] === gen) out[k++] = r;
  }

  /** Touched rows in ascending order by sorting the first-seen list (O(n log n); few touched). */
  private sortedBySort(out: Int32Array, n: number): void {
    out.set(this.uniq.subarray(0, n));
    out.subarray(0, n).sort();
  }

  /** Σ over unique rows of ‖summed gradient‖² — the table's share of a global gradient norm². */
  squaredNorm(): number {
    let s = 0;
    const g = this.grad, d = this.dim;
    for (let i = 0; i < this.size; i++) {
      const o = this.mode === 'row' ? this.uniq[i]! * d : i * d;
      for (let j = 0; j < d; j++) s += g[o + j]! * g[o + j]!;
    }
    return s;
  }
}
