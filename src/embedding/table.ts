// An embedding table living outside the ONNX graph: float32 storage rows·dim, a pluggable key→row
// mapper, batch gathers into the graph's input buffer, and sparse optimizer updates from the
// gradient the graph returns.
//
// Per training step:
//   rows = table.lookup(hi, lo)                        (or already-bucketed Int32Array row ids)
//   table.gather(rows, x, f·dim, F·dim)                (field f of an interleaved [B, F·dim] buffer)
//   ...run graph → dX (same layout)...
//   table.accumulate(rows, dX, f·dim, F·dim)           (once per field using this table)
//   table.step({ scale })                              (ONE update per unique row, then cleared)
// `applyGradients` = accumulate + step for a table used by a single field.
import { Rng } from '../util/rng.js';
import { DENSE_GRAD_MAX_FLOATS, SparseGradAccumulator, type AccumulatorMode, type RowBuffers } from './accumulator.js';
import { Arena, arenaBytes, ARENA_MAX_BYTES, wasmAvailable } from './wasm/arena.js';
import { DEFAULT_INITIALIZER, fillInit, normalizeInitializer, rowRng, type Initializer } from './init.js';
import { ModuloRowMapper, NO_ROW, type MapOptions, type RowMapper } from './mapper.js';
import { createOptimizer, type OptimizerConfig, type SparseOptimizer } from './optimizers.js';
import { checkPooledShapes, contributing, pooledForward, type PoolMode, type PoolValid } from './pooling.js';
import { tableMemory, type MemoryEstimate } from './memory.js';
import { gatherKernel, type GatherKernel } from './kernels.js';

export interface EmbeddingTableConfig {
  name: string;
  dim: number;
  /** Number of rows (hash buckets / capacity). */
  rows: number;
  /** Default normal(0, 0.01), see init.ts. */
  init?: Initializer;
  /** Seed of the initial values (and of re-initialised rows). Default 0. */
  seed?: number;
  /** Default lazy Adam (lr 0.001, row-wise bias correction), see optimizers.ts. */
  optimizer?: OptimizerConfig;
  /** Coupled L2 on touched rows: g ← g + l2·w. Default 0. */
  l2?: number;
  /** Default ModuloRowMapper(rows). */
  mapper?: RowMapper;
  /**
   * Gradient accumulation buffer (see accumulator.ts): 'row' = table-shaped float32, rows updated in
   * ascending order (fast when a step touches a large share of the table; +rows·dim·4 bytes);
   * 'slot' = compact float64 per unique row (better for sparse touches and huge tables); 'auto'
   * (default) starts with 'slot' and switches between the two between steps from the observed share
   * of rows touched per step (EMA > 10 % → 'row' if rows·dim ≤ 2^24; < 3 % → back to 'slot').
   */
  gradBuffer?: 'auto' | 'row' | 'slot';
  /** false: leave values zero instead of drawing them (used when a checkpoint overwrites them). */
  fillValues?: boolean;
  /**
   * Default true: when the table enters 'row' mode, move values and Adam state into one WebAssembly
   * memory and run the lazy-Adam update and accumulateFields as wasm kernels (src/embedding/wasm:
   * bit-identical to the JS kernels, ~3× faster on scattered rows). Applies to Adam tables with an
   * even dim that may use 'row' mode (rows·dim ≤ 2^24). LIVERANK_WASM=0 turns it off everywhere.
   */
  wasm?: boolean;
}

export interface StepOptions {
  /** Gradient multiplier (e.g. global-norm clipping factor from the trainer). Default 1. */
  scale?: number;
  /** Learning rate for this step (schedules). Default: the optimizer's lr. */
  lr?: number;
}

export interface StepStats {
  /** Unique rows updated. */
  uniqueRows: number;
}

export class EmbeddingTable {
  readonly name: string;
  readonly dim: number;
  readonly rows: number;
  readonly init: Initializer;
  readonly seed: number;
  readonly l2: number;
  private vals: Float32Array;
  readonly optimizer: SparseOptimizer;
  readonly mapper: RowMapper;
  /** Number of step() calls so far (including steps with no pending gradient). */
  steps = 0;
  /** Number of row re-initialisations so far (makes re-init draws reproducible across resume). */
  reinitSerial = 0;
  private acc: SparseGradAccumulator;
  /**
   * The wasm memory holding values, Adam state and the row-mode buffers, made when the table first
   * enters 'row' mode (null before, and for tables the kernels cannot take: see config `wasm`).
   */
  arena: Arena | null = null;
  private readonly wasmEligible: boolean;
  private rowBuffers: RowBuffers | undefined;
  /** Arena staging space for accumulateFields: a chunk of gradient rows and of one field's ids. */
  private stage: { src: Float32Array; ids: Int32Array } | null = null;
  private readonly autoBuffer: boolean;
  /** EMA of the share of rows touched per step (drives the 'auto' gradient buffer). */
  private touchedShare = -1;
  private readonly dirty: Uint8Array;
  private readonly scratch: Float64Array;
  private readonly onAssign: (row: number) => void;
  private readonly gatherK: GatherKernel;

  constructor(c: EmbeddingTableConfig) {
    if (typeof c.name !== 'string' || c.name.length === 0) throw new Error('embedding table: name must be a non-empty string');
    const where = `embedding table "${c.name}"`;
    if (!Number.isInteger(c.dim) || c.dim < 1) throw new Error(`${where}: dim must be a positive integer, got ${c.dim}`);
    if (!Number.isInteger(c.rows) || c.rows < 1 || c.rows > 2147483647) throw new Error(`${where}: rows must be an integer in [1, 2^31−1], got ${c.rows}`);
    if (c.rows * c.dim > 2 ** 32) throw new Error(`${where}: ${c.rows} × ${c.dim} floats exceeds the typed-array limit`);
    const l2 = c.l2 ?? 0;
    if (!Number.isFinite(l2) || l2 < 0) throw new Error(`${where}: l2 must be a finite number ≥ 0, got ${c.l2}`);
    this.name = c.name; this.dim = c.dim; this.rows = c.rows; this.l2 = l2;
    this.seed = (c.seed ?? 0) >>> 0;
    this.init = normalizeInitializer(c.init ?? DEFAULT_INITIALIZER, where);
    this.mapper = c.mapper ?? new ModuloRowMapper(c.rows);
    if (this.mapper.rows !== c.rows) throw new Error(`${where}: mapper "${this.mapper.kind}" has ${this.mapper.rows} rows, table has ${c.rows}`);
    const gb = c.gradBuffer ?? 'auto';
    if (gb !== 'auto' && gb !== 'row' && gb !== 'slot') throw new Error(`${where}: gradBuffer must be auto|row|slot, got ${JSON.stringify(gb)}`);
    this.vals = new Float32Array(c.rows * c.dim);
    if (c.fillValues !== false) fillInit(this.vals, 0, this.vals.length, this.init, c.dim, new Rng(this.seed));
    try {
      this.optimizer = createOptimizer(c.optimizer ?? { kind: 'adam' }, c.rows, c.dim);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    this.wasmEligible = c.wasm !== false && this.optimizer.moveToArena !== undefined && c.dim % 2 === 0 && gb !== 'slot'
      && c.rows * c.dim <= DENSE_GRAD_MAX_FLOATS;
    this.autoBuffer = gb === 'auto';
    this.acc = this.newAccumulator(gb === 'auto' ? 'slot' : gb);
    this.dirty = new Uint8Array(c.rows);
    this.scratch = new Float64Array(c.dim);
    this.onAssign = (row) => this.resetRow(row);
    this.gatherK = gatherKernel(c.dim);
  }

  /** The rows·dim float32 values (a view into the arena once the table is in one: re-read it, do not keep it across steps). */
  get values(): Float32Array { return this.vals; }

  /** Learning rate configured for this table. */
  get lr(): number { return this.optimizer.lr; }

  /** Maps 64-bit keys (hi/lo uint32 halves) to row ids (NO_ROW = −1 for unadmitted keys). */
  lookup(hi: Uint32Array, lo: Uint32Array, out?: Int32Array, opts: { train?: boolean } = {}): Int32Array {
    if (hi.length !== lo.length) throw new Error(`embedding table "${this.name}": lookup got ${hi.length} hi words but ${lo.length} lo words`);
    const o = out ?? new Int32Array(hi.length);
    if (o.length < hi.length) throw new Error(`embedding table "${this.name}": lookup output holds ${o.length} ids, need ${hi.length}`);
    const mo: MapOptions = { train: opts.train ?? true, onAssign: this.onAssign };
    this.mapper.map(hi, lo, o, mo);
    return o;
  }

  /** Throws a clear error unless every id is in [0, rows) or NO_ROW. */
  validateRows(rows: Int32Array, what = 'row id'): void {
    const R = this.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r >= R || r < NO_ROW) this.badRow(r, i, what);
    }
  }

  private badRow(r: number, i: number, what: string): never {
    throw new Error(`embedding table "${this.name}": ${what} ${r} at position ${i} is out of range [0, ${this.rows}) (−1 means "no row")`);
  }

  private checkSpan(what: string, buf: Float32Array, n: number, offset: number, stride: number): void {
    if (n === 0) return;
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(stride) || stride < this.dim) {
      throw new Error(`embedding table "${this.name}": ${what} offset ${offset} / stride ${stride} invalid (stride must be ≥ dim ${this.dim})`);
    }
    const need = offset + (n - 1) * stride + this.dim;
    if (buf.length < need) throw new Error(`embedding table "${this.name}": ${what} buffer holds ${buf.length} floats, need ${need} for ${n} rows`);
  }

  /** out[outOffset + b·outStride + k] = values[rows[b]·dim + k]; NO_ROW rows read zeros. */
  gather(rows: Int32Array, out: Float32Array, outOffset = 0, outStride = this.dim): void {
    this.checkSpan('gather output', out, rows.length, outOffset, outStride);
    const bad = this.gatherK(rows, this.values, out, outOffset, outStride, this.rows);
    if (bad >= 0) this.badRow(rows[bad]!, bad, 'row id');
  }

  /** Sum/mean-pooled gather of a multi-value feature: rows [B·L], see pooling.ts. */
  gatherPooled(rows: Int32Array, valid: PoolValid, L: number, mode: PoolMode,
    out: Float32Array, outOffset = 0, outStride = this.dim): void {
    const B = checkPooledShapes(`embedding table "${this.name}" gatherPooled`, rows, valid, L);
    this.validateRows(rows);
    this.checkSpan('gatherPooled output', out, B, outOffset, outStride);
    pooledForward(this.values, this.dim, rows, valid, L, mode, out, outOffset, outStride, this.scratch);
  }

  /** Adds weight · grad[gradOffset + b·gradStride ..+dim] to row rows[b] (NO_ROW skipped). */
  accumulate(rows: Int32Array, grad: Float32Array, gradOffset = 0, gradStride = this.dim, weight = 1): void {
    this.checkSpan('gradient', grad, rows.length, gradOffset, gradStride);
    this.validateRows(rows);
    this.acc.addRows(rows, grad, gradOffset, gradStride, weight);
  }

  /**
   * accumulate() for several one-id fields of this table that share one gradient buffer (field i's
   * rows[i] at offsets[i] of each stride-wide gradient row). The rows are taken in chunks of
   * max(1, ⌊16384 / stride⌋) batch rows, field by field within a chunk — the summation order of
   * duplicate rows, the same with and without the arena. In an arena ('row' mode), each chunk of
   * gradient rows is copied into the arena once and summed by the wasm kernel.
   */
  accumulateFields(rows: Int32Array[], grad: Float32Array, offsets: number[], stride: number, weight = 1): void {
    if (rows.length !== offsets.length) throw new Error(`embedding table "${this.name}": accumulateFields got ${rows.length} id arrays but ${offsets.length} offsets`);
    const n = rows[0]?.length ?? 0;
    rows.forEach((r, i) => {
      if (r.length !== n) throw new Error(`embedding table "${this.name}": accumulateFields: field ${i} has ${r.length} ids, field 0 has ${n}`);
      if (!(offsets[i]! + this.dim <= stride)) throw new Error(`embedding table "${this.name}": accumulateFields: field ${i}'s offset ${offsets[i]} + dim ${this.dim} exceeds the row stride ${stride}`);
      this.checkSpan('gradient', grad, n, offsets[i]!, stride);
      this.validateRows(r);
    });
    const chunk = Math.max(1, Math.floor(STAGE / stride)), acc = this.acc, st = this.stage;
    const wasm = st !== null && acc.mode === 'row' && stride <= STAGE;
    for (let b0 = 0; b0 < n; b0 += chunk) {
      const b1 = Math.min(n, b0 + chunk);
      if (wasm) st.src.set(grad.subarray(b0 * stride, b1 * stride));
      for (let i = 0; i < rows.length; i++) {
        if (!wasm) { acc.addRows(rows[i]!.subarray(b0, b1), grad, offsets[i]! + b0 * stride, stride, weight); continue; }
        st.ids.set(rows[i]!.subarray(b0, b1));
        acc.addRowsWasm(this.arena!.kernels, st.ids.byteOffset, b1 - b0, st.src.byteOffset + offsets[i]! * 4, stride * 4, weight);
      }
    }
  }

  /** Backward of gatherPooled: each contributing position gets the sample's gradient (÷count for mean). */
  accumulatePooled(rows: Int32Array, valid: PoolValid, L: number, mode: PoolMode,
    grad: Float32Array, gradOffset = 0, gradStride = this.dim): void {
    const B = checkPooledShapes(`embedding table "${this.name}" accumulatePooled`, rows, valid, L);
    this.validateRows(rows);
    this.checkSpan('gradient', grad, B, gradOffset, gradStride);
    const acc = this.acc;
    for (let b = 0; b < B; b++) {
      const c = contributing(rows, valid, L, b);
      if (c === 0) continue;
      const w = mode === 'mean' ? 1 / c : 1;
      const len = valid instanceof Int32Array ? Math.max(0, Math.min(L, valid[b]!)) : L;
      const go = gradOffset + b * gradStride;
      for (let j = 0; j < len; j++) {
        const i = b * L + j, r = rows[i]!;
        if (r === NO_ROW || (valid instanceof Uint8Array && valid[i] === 0)) continue;
        acc.add(r, grad, go, w);
      }
    }
  }

  /** Squared L2 norm of the accumulated (de-duplicated) gradient, for global-norm clipping. */
  gradSquaredNorm(): number { return this.acc.squaredNorm(); }

  /** Unique rows with a pending gradient. */
  get pendingRows(): number { return this.acc.size; }

  /** Drops the accumulated gradient without updating. */
  discardGradients(): void { this.acc.clear(); }

  /** Applies the optimizer once to each unique accumulated row, then clears the accumulator. */
  step(opts: StepOptions = {}): StepStats {
    const scale = opts.scale ?? 1, lr = opts.lr ?? this.optimizer.lr;
    if (!Number.isFinite(scale)) throw new Error(`embedding table "${this.name}": step scale must be finite, got ${scale}`);
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`embedding table "${this.name}": step lr must be a finite number ≥ 0, got ${lr}`);
    const acc = this.acc, p = acc.pending(), n = p.n;
    this.optimizer.update({ values: this.values, uniq: p.rows, n, grad: p.grad, byRow: p.byRow, lr, l2: this.l2, scale });
    const dirty = this.dirty, u = p.rows;
    for (let s = 0; s < n; s++) dirty[u[s]!] = 1;
    acc.clear();
    if (this.autoBuffer) this.adaptBuffer(n);
    this.steps++;
    this.mapper.tick();
    return { uniqueRows: n };
  }

  /** Current gradient buffer mode. */
  get gradBufferMode(): 'row' | 'slot' { return this.acc.mode; }

  /** State of the 'auto' gradient buffer (checkpointed so a resumed run sums exactly the same way). */
  bufferState(): { mode: 'row' | 'slot'; touchedShare: number } {
    return { mode: this.acc.mode, touchedShare: this.touchedShare };
  }

  restoreBufferState(s: { mode: 'row' | 'slot'; touchedShare: number }): void {
    if (this.acc.size > 0) throw new Error(`embedding table "${this.name}": cannot restore while gradients are pending`);
    if (!this.autoBuffer) return;
    if (s.mode !== 'row' && s.mode !== 'slot') throw new Error(`embedding table "${this.name}": bad gradient buffer mode ${JSON.stringify(s.mode)}`);
    this.touchedShare = Number.isFinite(s.touchedShare) ? s.touchedShare : -1;
    if (s.mode !== this.acc.mode) this.acc = this.newAccumulator(s.mode);
  }

  private adaptBuffer(n: number): void {
    const share = n / this.rows;
    this.touchedShare = this.touchedShare < 0 ? share : 0.8 * this.touchedShare + 0.2 * share;
    if (this.acc.mode === 'slot' && this.touchedShare > 0.1 && this.rows * this.dim <= DENSE_GRAD_MAX_FLOATS) {
      this.acc = this.newAccumulator('row');
    } else if (this.acc.mode === 'row' && this.touchedShare < 0.03) {
      this.acc = this.newAccumulator('slot');
    }
  }

  /** accumulate + step, for a table used by one field. */
  applyGradients(rows: Int32Array, grad: Float32Array, gradOffset = 0, gradStride = this.dim, opts: StepOptions = {}): StepStats {
    this.accumulate(rows, grad, gradOffset, gradStride);
    return this.step(opts);
  }

  /** accumulatePooled + step. */
  applyPooledGradients(rows: Int32Array, valid: PoolValid, L: number, mode: PoolMode,
    grad: Float32Array, gradOffset = 0, gradStride = this.dim, opts: StepOptions = {}): StepStats {
    this.accumulatePooled(rows, valid, L, mode, grad, gradOffset, gradStride);
    return this.step(opts);
  }

  /** A live view of one row's values. */
  row(r: number): Float32Array {
    if (!Number.isInteger(r) || r < 0 || r >= this.rows) this.badRow(r, 0, 'row id');
    return this.values.subarray(r * this.dim, (r + 1) * this.dim);
  }

  /** Re-initialises one row (values and optimizer state), e.g. when a mapper reassigns it. */
  resetRow(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) this.badRow(row, 0, 'row id');
    fillInit(this.values, row * this.dim, this.dim, this.init, this.dim, rowRng(this.seed, row, this.reinitSerial++));
    this.optimizer.resetRow(row);
    this.dirty[row] = 1;
  }

  /** The per-row "changed since last takeDirtyRows" flags (1 byte per row; checkpointed). */
  dirtyMask(): Uint8Array { return this.dirty; }

  /** Rows updated or re-initialised since the last call (for delta export); clears the set. */
  takeDirtyRows(): Int32Array {
    const d = this.dirty;
    let n = 0;
    for (let r = 0; r < d.length; r++) n += d[r]!;
    const out = new Int32Array(n);
    let k = 0;
    for (let r = 0; r < d.length; r++) if (d[r]) out[k++] = r;
    d.fill(0);
    return out;
  }

  private newAccumulator(mode: AccumulatorMode): SparseGradAccumulator {
    if (mode === 'row') this.enterArena();
    return new SparseGradAccumulator(this.rows, this.dim, mode, 1024, this.rowBuffers);
  }

  /** Moves values and Adam state into a new arena and reserves the row-mode buffers there (once; no gradient may be pending). */
  private enterArena(): void {
    if (this.arena || !this.wasmEligible || !wasmAvailable()) return;
    const cells = this.rows * this.dim * 4;
    // values, (moments, per-row factors), row gradient, sorted rows, stamps, unique rows, staging
    const bytes = arenaBytes([cells, ...this.optimizer.arenaBytes!(), cells, this.rows * 4, this.rows * 4, this.rows * 4, STAGE * 4, STAGE * 4]);
    if (bytes > ARENA_MAX_BYTES) return;
    const a = new Arena(bytes), v = a.f32(this.vals.length);
    v.set(this.vals); this.vals = v;
    this.optimizer.moveToArena!(a);
    this.rowBuffers = { grad: a.f32(this.rows * this.dim), sorted: a.i32(this.rows), stamp: a.i32(this.rows), uniq: a.i32(this.rows) };
    this.stage = { src: a.f32(STAGE), ids: a.i32(STAGE) };
    this.arena = a;
  }

  /** Memory held by values, optimizer state and mapper. */
  memory(): MemoryEstimate {
    // In an arena, everything but values and the moments counts as scratch: the 'row' buffers (kept
    // after a switch back to 'slot' mode), staging and per-row Adam factors.
    const a = this.arena, moments = 2 * this.vals.byteLength;
    const reserved = a ? a.bytes - this.vals.byteLength - moments - (this.acc.mode === 'row' ? this.acc.bytes() : 0) : 0;
    return tableMemory(this.name, this.rows, this.dim, this.optimizer.config, this.mapper.stateBytes(), this.acc.bytes() + reserved);
  }
}

/** Floats of gradient rows (and ids) staged per chunk by accumulateFields in an arena. */
const STAGE = 16384;
