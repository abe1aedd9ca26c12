// Numeric building blocks: dense ops, bucketizing (TF semantics), quantile boundaries, time ids.
import type { DenseOp } from './schema.js';

/** sign(x)·ln(1 + |x|): log1p that is defined (and odd) for negative values. */
export function slog1p(x: number): number {
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

/** Compiled dense pipeline: a flat program over (code, a, b) triples. */
export interface DenseProgram {
  codes: Uint8Array; // 1 = log1p, 2 = clip(a, b), 3 = affine (x − a)/b
  a: Float64Array;
  b: Float64Array;
}

export function compileDense(ops: readonly DenseOp[], mean = 0, std = 1): DenseProgram {
  const n = ops.length;
  const p: DenseProgram = { codes: new Uint8Array(n), a: new Float64Array(n), b: new Float64Array(n) };
  ops.forEach((op, i) => {
    if (op === 'log1p') p.codes[i] = 1;
    else if (op === 'standardize') { p.codes[i] = 3; p.a[i] = mean; p.b[i] = std; }
    else { p.codes[i] = 2; p.a[i] = op.clip[0]; p.b[i] = op.clip[1]; }
  });
  return p;
}

/** Runs ops [0, end) of the program on x (x must not be missing). */
export function runDense(p: DenseProgram, x: number, end = p.codes.length): number {
  for (let i = 0; i < end; i++) {
    const c = p.codes[i];
    if (c === 1) x = x < 0 ? -Math.log1p(-x) : Math.log1p(x);
    else if (c === 2) x = x < p.a[i]! ? p.a[i]! : x > p.b[i]! ? p.b[i]! : x;
    else x = (x - p.a[i]!) / p.b[i]!;
  }
  return x;
}

/**
 * TF bucketized_column semantics: boundaries [b0 … b(n−1)] give n+1 buckets (−∞,b0), [b0,b1), …,
 * [b(n−1), ∞); a value equal to a boundary goes right. Returns the 0-based bucket (number of
 * boundaries ≤ x); the feature id is this + 1 (id 0 = missing).
 */
export function bucketOf(boundaries: Float64Array, x: number): number {
  let lo = 0, hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** ⌊log_base(1 + max(x, 0))⌋ capped at maxBucket (a tiny epsilon absorbs float error at exact powers). */
export function logBucketOf(x: number, invLnBase: number, maxBucket: number): number {
  if (!(x > 0)) return 0;
  const b = Math.floor(Math.log1p(x) * invLnBase + 1e-9);
  return b > maxBucket ? maxBucket : b;
}

/**
 * Boundaries of k equal-frequency buckets from a sorted sample: candidates s[⌊i·n/k⌋] for
 * i = 1 … k−1, duplicates and values ≤ min removed, so they are strictly increasing. With distinct
 * values every training bucket holds ⌊(i+1)n/k⌋ − ⌊i·n/k⌋ rows (equal within 1).
 * Mass points: when duplicates leave boundaries unused (e.g. a column that is 95 % zeros gives
 * none at all), the unused ones go to quantiles of the values above the last boundary; if the value
 * there holds more than n/k rows, the first value above it becomes a boundary, so the mass point
 * gets a bucket of its own (zeros | the non-zero tail in k−2 buckets).
 */
export function quantileBoundaries(sorted: ArrayLike<number>, k: number): number[] {
  const n = sorted.length;
  const out: number[] = [];
  if (n === 0) return out;
  const min = sorted[0]!;
  const push = (b: number): void => { if (b > min && (out.length === 0 || b > out[out.length - 1]!)) out.push(b); };
  for (let i = 1; i < k; i++) push(sorted[Math.floor((i * n) / k)]!);
  while (out.length < k - 1) {
    const last = out.length ? out[out.length - 1]! : min;
    let lo = 0, hi = n; // first index with a value > last
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid]! <= last) lo = mid + 1; else hi = mid; }
    const start = lo;
    if (start >= n) break;
    let firstOfLast = start; // rows equal to `last`
    while (firstOfLast > 0 && sorted[firstOfLast - 1] === last) firstOfLast--;
    const before = out.length;
    if (start - firstOfLast > n / k) push(sorted[start]!);
    const need = k - 1 - out.length, sub = n - start;
    for (let i = 1; i <= need; i++) push(sorted[start + Math.floor((i * sub) / (need + 1))]!);
    if (out.length === before) break;
  }
  return out;
}

/** Id of the hour of day (1…24; 0 = missing) of unix seconds ts shifted by offsetSeconds. */
export function hourId(ts: number, offsetSeconds: number): number {
  if (!Number.isFinite(ts)) return 0;
  const s = ts + offsetSeconds;
  const d = s - Math.floor(s / 86400) * 86400;
  return Math.floor(d / 3600) + 1;
}

/** Id of the ISO day of week (1 = Monday … 7 = Sunday; 0 = missing). 1970-01-01 was a Thursday. */
export function dayOfWeekId(ts: number, offsetSeconds: number): number {
  if (!Number.isFinite(ts)) return 0;
  const days = Math.floor((ts + offsetSeconds) / 86400);
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** Welford running mean/variance. */
export class RunningMoments {
  n = 0; mean = 0; m2 = 0;
  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  /** Population standard deviation (1 when undefined or ~0, so standardizing is a no-op scale). */
  std(): number {
    const v = this.n > 0 ? this.m2 / this.n : 0;
    const s = Math.sqrt(v);
    return s > 1e-12 * Math.max(1, Math.abs(this.mean)) ? s : 1;
  }
}
