// Numeric features: dense (ops → float columns), bucketized (boundaries / quantiles / log → ids),
// time (hour of day / day of week → ids), and counter values fed through either.
import type { BatchColumns, NumericLike } from './batch.js';
import type { BucketizedDef, CounterFeatureDef, DenseDef, TimeDef } from './config.js';
import type { FeatureState } from './fitted.js';
import { bucketOf, compileDense, dayOfWeekId, hourId, logBucketOf, runDense, type DenseProgram } from './numeric.js';

/** The numeric input of a dense / bucketized / counter feature for this batch. */
export function numericSource(bc: BatchColumns, f: DenseDef | BucketizedDef | CounterFeatureDef): NumericLike {
  if (f.kind !== 'counter') return bc.numeric(f.column, f.name);
  const v = bc.counterValues.get(f.name);
  if (!v) throw new Error(`feature "${f.name}": counter values were not computed for this batch`);
  return v;
}

export class BucketOp {
  private readonly bounds: Float64Array;
  private readonly invLnBase: number;
  private readonly maxBucket: number;
  private readonly mode: 0 | 1; // 0 boundaries, 1 log
  constructor(readonly f: BucketizedDef | CounterFeatureDef, state: FeatureState | undefined) {
    if (f.log) {
      this.mode = 1;
      this.invLnBase = 1 / Math.log(f.log.base);
      this.maxBucket = f.log.max_bucket;
      this.bounds = new Float64Array(0);
    } else {
      this.mode = 0;
      this.invLnBase = 0;
      this.maxBucket = 0;
      const b = f.boundaries ?? state?.boundaries;
      if (!b) throw new Error(`feature "${f.name}": quantile boundaries are not fitted (run fitFeatures first)`);
      this.bounds = Float64Array.from(b);
    }
  }

  run(bc: BatchColumns, out: Int32Array): void {
    const x = numericSource(bc, this.f);
    const n = bc.numRows;
    if (this.mode === 1) {
      for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v === v ? 1 + logBucketOf(v, this.invLnBase, this.maxBucket) : 0; }
    } else {
      const b = this.bounds;
      for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v === v ? 1 + bucketOf(b, v) : 0; }
    }
  }
}

export class TimeOp {
  private readonly offset: number;
  constructor(readonly f: TimeDef) { this.offset = Math.round(f.utc_offset_hours * 3600); }
  run(bc: BatchColumns, out: Int32Array): void {
    const ts = bc.numeric(this.f.column, this.f.name);
    const n = bc.numRows, off = this.offset;
    if (this.f.unit === 'hour_of_day') for (let i = 0; i < n; i++) out[i] = hourId(ts[i]!, off);
    else for (let i = 0; i < n; i++) out[i] = dayOfWeekId(ts[i]!, off);
  }
}

export class DenseOp {
  readonly prog: DenseProgram;
  readonly width: number;
  constructor(readonly f: DenseDef | CounterFeatureDef, state: FeatureState | undefined) {
    const needStd = f.ops.includes('standardize');
    if (needStd && (state?.mean === undefined || state.std === undefined)) {
      throw new Error(`feature "${f.name}": standardize statistics are not fitted (run fitFeatures first)`);
    }
    this.prog = compileDense(f.ops, state?.mean ?? 0, state?.std ?? 1);
    this.width = f.missing_indicator ? 2 : 1;
  }

  /** Writes this feature's columns at `offset` of each row of the row-major dense matrix. */
  run(bc: BatchColumns, dense: Float32Array, stride: number, offset: number): void {
    const x = numericSource(bc, this.f);
    const n = bc.numRows, prog = this.prog, fill = this.f.fill, ind = this.width === 2;
    const nOps = prog.codes.length;
    for (let i = 0, o = offset; i < n; i++, o += stride) {
      const v = x[i]!;
      const missing = !(v === v) || v === Infinity || v === -Infinity;
      dense[o] = missing ? fill : nOps === 0 ? v : runDense(prog, v, nOps);
      if (ind) dense[o + 1] = missing ? 1 : 0;
    }
  }
}
