// Sparse optimizers for embedding tables. Each instance belongs to one table and owns that table's
// optimizer state (rows·dim float32 per slot). `update` receives the DE-DUPLICATED gradient (one
// summed float64 vector per unique row, see accumulator.ts) and touches only those rows.
//
// Common per-step arguments: lr (per table, overridable per step for schedules), l2 (coupled L2:
// g ← scale·g + l2·w on touched rows only) and scale (gradient multiplier computed by the trainer,
// e.g. global-norm clipping; applied to the data gradient, not to the L2 term).
//
// Arithmetic is done in float64 on values read from float32 storage; results are stored as float32.

import { updateKernels, type UpdateKernel } from './kernels.js';
import type { Arena } from './wasm/arena.js';

export type OptimizerConfig =
  | { kind: 'sgd'; lr?: number }
  /** Sparse Adagrad. Defaults: lr 0.01, initialAccumulator 0.1 (TF's default), eps 1e-7 (Keras). */
  | { kind: 'adagrad'; lr?: number; initialAccumulator?: number; eps?: number }
  /**
   * Lazy (sparse) Adam: moments of a row are updated only when the row is touched.
   * Defaults: lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8, biasCorrection 'row'.
   */
  | { kind: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; biasCorrection?: 'row' | 'global' }
  /** FTRL-proximal (McMahan et al. 2013), per coordinate. Defaults: lr (α) 0.05, beta 1, l1 0, l2 0, initialAccumulator 0. */
  | { kind: 'ftrl'; lr?: number; beta?: number; l1?: number; l2?: number; initialAccumulator?: number };

export type OptimizerKind = OptimizerConfig['kind'];

export interface UpdateArgs {
  values: Float32Array;
  uniq: Int32Array;
  /** Number of valid entries in uniq. */
  n: number;
  /** Summed gradients: of row r at r·dim if byRow (table-shaped float32), else of uniq[s] at s·dim. */
  grad: Float32Array | Float64Array;
  byRow: boolean;
  lr: number;
  l2: number;
  scale: number;
}

export type StateArray = Float32Array | Int32Array;

export interface SparseOptimizer {
  readonly kind: OptimizerKind;
  /** Config with every default filled in (what a checkpoint stores). */
  readonly config: OptimizerConfig;
  readonly lr: number;
  update(a: UpdateArgs): void;
  /** Reset the state of one row (fresh admission / eviction reuse). */
  resetRow(row: number): void;
  /** Named state arrays (checkpointed). */
  stateArrays(): Record<string, StateArray>;
  /** Scalar state (checkpointed), e.g. Adam's global step. */
  stateScalars(): Record<string, number>;
  restoreScalars(s: Record<string, number>): void;
  /** Human label of the state for memory summaries, e.g. "Adam state". */
  readonly stateLabel: string;
  /** Optimizers with a wasm kernel (lazy Adam): byte sizes to reserve, and the move into the arena. */
  arenaBytes?(): number[];
  moveToArena?(arena: Arena): void;
}

function num(v: number | undefined, dflt: number, name: string, kind: string, min = 0, allowEqMin = true): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x < min || (!allowEqMin && x === min)) {
    throw new Error(`${kind} optimizer: ${name} must be a finite number ${allowEqMin ? '≥' : '>'} ${min}, got ${v}`);
  }
  return x;
}

class Sgd implements SparseOptimizer {
  readonly kind = 'sgd' as const;
  readonly stateLabel = 'no optimizer state';
  readonly config;
  readonly lr: number;
  constructor(c: { lr?: number }, readonly dim: number) {
    this.lr = num(c.lr, 0.01, 'lr', 'sgd');
    this.config = { kind: 'sgd' as const, lr: this.lr };
    this.kern = updateKernels('sgd', dim, [], '', 'values[o + J] = w - lr * g;');
  }
  private readonly kern: (byRow: boolean) => UpdateKernel;
  update({ values, uniq, n, grad, byRow, lr, l2, scale }: UpdateArgs): void {
    this.kern(byRow)(values, uniq, n, grad, lr, l2, scale);
  }
  resetRow(): void { /* stateless */ }
  stateArrays(): Record<string, StateArray> { return {}; }
  stateScalars(): Record<string, number> { return {}; }
  restoreScalars(): void { /* none */ }
}

class Adagrad implements SparseOptimizer {
  readonly kind = 'adagrad' as const;
  readonly stateLabel = 'Adagrad state';
  readonly config;
  readonly lr: number;
  readonly acc: Float32Array;
  private readonly init: number;
  private readonly eps: number;
  constructor(c: { lr?: number; initialAccumulator?: number; eps?: number }, rows: number, readonly dim: number) {
    this.lr = num(c.lr, 0.01, 'lr', 'adagrad');
    this.init = num(c.initialAccumulator, 0.1, 'initialAccumulator', 'adagrad');
    this.eps = num(c.eps, 1e-7, 'eps', 'adagrad');
    if (this.init === 0 && this.eps === 0) throw new Error('adagrad optimizer: initialAccumulator and eps cannot both be 0 (division by zero)');
    this.config = { kind: 'adagrad' as const, lr: this.lr, initialAccumulator: this.init, eps: this.eps };
    this.acc = new Float32Array(rows * dim).fill(this.init);
    this.kern = updateKernels('adagrad', dim, ['acc', 'eps'], '',
      'const a = acc[o + J] + g * g; acc[o + J] = a; values[o + J] = w - lr * g / (Math.sqrt(a) + eps);');
  }
  private readonly kern: (byRow: boolean) => UpdateKernel;
  update({ values, uniq, n, grad, byRow, lr, l2, scale }: UpdateArgs): void {
    this.kern(byRow)(values, uniq, n, grad, lr, l2, scale, this.acc, this.eps);
  }
  resetRow(row: number): void { this.acc.fill(this.init, row * this.dim, (row + 1) * this.dim); }
  stateArrays(): Record<string, StateArray> { return { acc: this.acc }; }
  stateScalars(): Record<string, number> { return {}; }
  restoreScalars(): void { /* none */ }
}

const BIAS_TABLE_MAX = 65536;

/**
 * Lazy Adam. Bias correction — default 'row': each row keeps its own update count k and uses
 * 1 − β^k. Why: lazy moments are an exponential average over the row's OWN k updates, so their bias
 * is (1 − β^k), not (1 − β^t) for the global step t. With the global step (PyTorch SparseAdam, TF
 * LazyAdam), a row first touched at a late step t gets m̂ = (1−β1)g, v̂ = (1−β2)g², i.e. a first
 * update of ≈ 3.2·lr·sign(g) with the defaults instead of Adam's lr·sign(g); rare keys then jump.
 * Costs 4 bytes per row. 'global' reproduces the PyTorch/TF behaviour. If every row is touched every
 * step, both equal dense Adam exactly.
 */
class LazyAdam implements SparseOptimizer {
  readonly kind = 'adam' as const;
  readonly stateLabel = 'Adam state';
  readonly config;
  readonly lr: number;
  m: Float32Array;
  v: Float32Array;
  /** Per-row update count ('row' bias correction only; empty otherwise). */
  readonly rowStep: Int32Array;
  /** Global step: number of update() calls. */
  t = 0;
  private readonly b1: number; private readonly b2: number; private readonly eps: number;
  private readonly perRow: boolean;
  /** inv1[k] = 1/(1−β1^k), invSqrt2[k] = 1/√(1−β2^k), filled lazily. */
  private inv1 = new Float64Array(0);
  private invSqrt2 = new Float64Array(0);
  /** Once the table moved into an arena: the wasm kernel (kernels.wat, same arithmetic) and per-row a / ic. */
  private arena: Arena | null = null;
  private rowA: Float64Array = new Float64Array(0);
  private rowIc: Float64Array = new Float64Array(0);
  constructor(c: { lr?: number; beta1?: number; beta2?: number; eps?: number; biasCorrection?: 'row' | 'global' },
    rows: number, readonly dim: number) {
    this.lr = num(c.lr, 0.001, 'lr', 'adam');
    this.b1 = num(c.beta1, 0.9, 'beta1', 'adam');
    this.b2 = num(c.beta2, 0.999, 'beta2', 'adam');
    if (this.b1 >= 1 || this.b2 >= 1) throw new Error(`adam optimizer: beta1 and beta2 must be < 1, got ${this.b1}, ${this.b2}`);
    this.eps = num(c.eps, 1e-8, 'eps', 'adam');
    const bc = c.biasCorrection ?? 'row';
    if (bc !== 'row' && bc !== 'global') throw new Error(`adam optimizer: biasCorrection must be 'row' or 'global', got ${JSON.stringify(bc)}`);
    this.perRow = bc === 'row';
    this.config = { kind: 'adam' as const, lr: this.lr, beta1: this.b1, beta2: this.b2, eps: this.eps, biasCorrection: bc };
    this.m = new Float32Array(rows * dim);
    this.v = new Float32Array(rows * dim);
    this.rowStep = new Int32Array(this.perRow ? rows : 0);
    this.kern = updateKernels('adam', dim, ['m', 'v', 'b1', 'b2', 'c1', 'c2', 'eps', 'perRow', 'rowStep', 'inv1', 'invSqrt2', 'gA', 'gC'], `
      let a, ic;
      if (perRow) {
        const k = ++rowStep[r];
        if (k < inv1.length) { a = lr * inv1[k]; ic = invSqrt2[k]; }
        else { a = lr / (1 - Math.pow(b1, k)); ic = 1 / Math.sqrt(1 - Math.pow(b2, k)); }
      } else { a = lr * gA; ic = gC; }`,
      `const mj = b1 * m[o + J] + c1 * g; const vj = b2 * v[o + J] + c2 * g * g; m[o + J] = mj; v[o + J] = vj;
       values[o + J] = w - a * mj / (Math.sqrt(vj) * ic + eps);`);
  }
  private ensureTable(k: number): void {
    let cap = Math.max(64, this.inv1.length);
    while (cap <= k) cap *= 2;
    cap = Math.min(cap, BIAS_TABLE_MAX);
    if (cap <= this.inv1.length) return;
    const a = new Float64Array(cap), b = new Float64Array(cap);
    for (let i = 1; i < cap; i++) { a[i] = 1 / (1 - Math.pow(this.b1, i)); b[i] = 1 / Math.sqrt(1 - Math.pow(this.b2, i)); }
    this.inv1 = a; this.invSqrt2 = b;
  }
  private readonly kern: (byRow: boolean) => UpdateKernel;
  update({ values, uniq, n, grad, byRow, lr, l2, scale }: UpdateArgs): void {
    const b1 = this.b1, b2 = this.b2;
    this.t++;
    // A row is updated at most once per step, so k ≤ t: a table up to t covers every row.
    this.ensureTable(this.t);
    const inv1 = this.inv1, big = this.t >= inv1.length;
    const gA = big ? 1 / (1 - Math.pow(b1, this.t)) : inv1[this.t]!;
    const gC = big ? 1 / Math.sqrt(1 - Math.pow(b2, this.t)) : this.invSqrt2[this.t]!;
    const ar = this.arena;
    if (ar && byRow && ar.holds(values) && ar.holds(grad) && ar.holds(uniq)) {
      if (this.perRow) this.rowFactors(uniq, n, lr);
      ar.kernels.adam_rows(values.byteOffset, this.m.byteOffset, this.v.byteOffset, grad.byteOffset, uniq.byteOffset, n, this.dim,
        this.perRow ? 1 : 0, this.rowA.byteOffset, this.rowIc.byteOffset, lr * gA, gC, scale, l2, b1, b2, 1 - b1, 1 - b2, this.eps);
      return;
    }
    this.kern(byRow)(values, uniq, n, grad, lr, l2, scale, this.m, this.v, b1, b2, 1 - b1, 1 - b2, this.eps,
      this.perRow, this.rowStep, inv1, this.invSqrt2, gA, gC);
  }
  /** Bytes moveToArena takes from an arena. */
  arenaBytes(): number[] {
    const cells = this.m.byteLength, rows = cells / 4 / this.dim;
    return [cells, cells, ...(this.perRow ? [rows * 8, rows * 8] : [])];
  }
  /** Moves the moments into the table's arena (contents kept); 'row'-mode updates then run in wasm. */
  moveToArena(arena: Arena): void {
    if (this.dim % 2 !== 0 || this.arena) return;
    const m = arena.f32(this.m.length), v = arena.f32(this.v.length);
    m.set(this.m); v.set(this.v); this.m = m; this.v = v;
    if (this.perRow) { this.rowA = arena.f64(this.rowStep.length); this.rowIc = arena.f64(this.rowStep.length); }
    this.arena = arena;
  }
  /** Per touched row: its update count k += 1, then a = lr/(1 − β1^k) and ic = 1/√(1 − β2^k) (as the JS kernel's `pre`). */
  private rowFactors(uniq: Int32Array, n: number, lr: number): void {
    const { rowStep, inv1, invSqrt2, rowA, rowIc, b1, b2 } = this;
    for (let s = 0; s < n; s++) {
      const k = ++rowStep[uniq[s]!]!;
      if (k < inv1.length) { rowA[s] = lr * inv1[k]!; rowIc[s] = invSqrt2[k]!; } else { rowA[s] = lr / (1 - Math.pow(b1, k)); rowIc[s] = 1 / Math.sqrt(1 - Math.pow(b2, k)); }
    }
  }
  resetRow(row: number): void {
    const d = this.dim;
    this.m.fill(0, row * d, (row + 1) * d);
    this.v.fill(0, row * d, (row + 1) * d);
    if (this.perRow) this.rowStep[row] = 0;
  }
  stateArrays(): Record<string, StateArray> {
    return this.perRow ? { m: this.m, v: this.v, rowStep: this.rowStep } : { m: this.m, v: this.v };
  }
  stateScalars(): Record<string, number> { return { t: this.t }; }
  restoreScalars(s: Record<string, number>): void { this.t = s['t'] ?? 0; }
}

/**
 * FTRL-proximal per coordinate: n ← n + g², σ = (√n' − √n)/α, z ← z + g − σ·w,
 * w = 0 if |z| ≤ λ1 else −(z − sign(z)·λ1) / ((β + √n')/α + λ2). The weights are a function of (z, n),
 * so a random initialisation is forgotten after the first update: meant for wide/linear features
 * (dim 1, zeros init). lr = 0 leaves everything unchanged (the step is skipped).
 */
class Ftrl implements SparseOptimizer {
  readonly kind = 'ftrl' as const;
  readonly stateLabel = 'FTRL state';
  readonly config;
  readonly lr: number;
  readonly z: Float32Array;
  readonly nAcc: Float32Array;
  private readonly beta: number; private readonly l1: number; private readonly l2: number; private readonly init: number;
  constructor(c: { lr?: number; beta?: number; l1?: number; l2?: number; initialAccumulator?: number }, rows: number, readonly dim: number) {
    this.lr = num(c.lr, 0.05, 'lr', 'ftrl');
    this.beta = num(c.beta, 1, 'beta', 'ftrl');
    this.l1 = num(c.l1, 0, 'l1', 'ftrl');
    this.l2 = num(c.l2, 0, 'l2', 'ftrl');
    this.init = num(c.initialAccumulator, 0, 'initialAccumulator', 'ftrl');
    this.config = { kind: 'ftrl' as const, lr: this.lr, beta: this.beta, l1: this.l1, l2: this.l2, initialAccumulator: this.init };
    this.z = new Float32Array(rows * dim);
    this.nAcc = new Float32Array(rows * dim).fill(this.init);
    this.kern = updateKernels('ftrl', dim, ['z', 'na', 'beta', 'l1', 'fl2'], '',
      `const n0 = na[o + J], n1 = n0 + g * g, sq1 = Math.sqrt(n1); const sigma = (sq1 - Math.sqrt(n0)) / lr;
       const zz = z[o + J] + g - sigma * w; z[o + J] = zz; na[o + J] = n1;
       values[o + J] = Math.abs(zz) <= l1 ? 0 : -(zz - Math.sign(zz) * l1) / ((beta + sq1) / lr + fl2);`);
  }
  private readonly kern: (byRow: boolean) => UpdateKernel;
  update({ values, uniq, n, grad, byRow, lr, l2, scale }: UpdateArgs): void {
    if (lr === 0) return;
    this.kern(byRow)(values, uniq, n, grad, lr, l2, scale, this.z, this.nAcc, this.beta, this.l1, this.l2);
  }
  resetRow(row: number): void {
    const d = this.dim;
    this.z.fill(0, row * d, (row + 1) * d);
    this.nAcc.fill(this.init, row * d, (row + 1) * d);
  }
  stateArrays(): Record<string, StateArray> { return { z: this.z, n: this.nAcc }; }
  stateScalars(): Record<string, number> { return {}; }
  restoreScalars(): void { /* none */ }
}

/** Creates the optimizer (and its state) for a table of rows × dim. */
export function createOptimizer(c: OptimizerConfig, rows: number, dim: number): SparseOptimizer {
  switch (c.kind) {
    case 'sgd': return new Sgd(c, dim);
    case 'adagrad': return new Adagrad(c, rows, dim);
    case 'adam': return new LazyAdam(c, rows, dim);
    case 'ftrl': return new Ftrl(c, rows, dim);
    default:
      throw new Error(`unknown optimizer kind ${JSON.stringify((c as { kind: unknown }).kind)} (expected sgd|adagrad|adam|ftrl)`);
  }
}

/** Bytes of optimizer state for a rows × dim table (without allocating it). */
export function optimizerStateBytes(c: OptimizerConfig, rows: number, dim: number): number {
  switch (c.kind) {
    case 'sgd': return 0;
    case 'adagrad': return rows * dim * 4;
    case 'adam': return 2 * rows * dim * 4 + ((c.biasCorrection ?? 'row') === 'row' ? rows * 4 : 0);
    case 'ftrl': return 2 * rows * dim * 4;
    default: return 0;
  }
}
