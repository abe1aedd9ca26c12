// The numerical parts of the representation analysis (models-and-methods.md §15): PCA of a layer's
// activations (covariance eigen-decomposition by ml-matrix) and a linear probe (L2-regularised
// logistic regression fitted by Newton's method, scored by AUC). Pure functions on row-major data.
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { auc } from '../metrics/index.js';

export interface Pca {
  /** Explained variance ratio of every component, largest first (sums to 1 when the data varies). */
  explained: number[];
  /** Column means (the data is centred before projecting). */
  mean: Float64Array;
  /** Components as rows [k, d], largest variance first. */
  components: Float64Array[];
}

/** Column means and the covariance (divided by rows − 1) of row-major x [rows, d]. */
function covariance(x: ArrayLike<number>, rows: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= Math.max(rows, 1);
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) c[j] = x[r * d + j]! - mean[j]!;
    for (let i = 0; i < d; i++) {
      const ci = c[i]!;
      if (ci === 0) continue;
      const o = i * d;
      for (let j = i; j < d; j++) cov[o + j] += ci * c[j]!;
    }
  }
  const div = Math.max(rows - 1, 1);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j * d + i] = cov[i * d + j] = cov[i * d + j]! / div;
  return { mean, cov };
}

/** PCA of row-major x [rows, d]; keeps the leading `k` components. */
export function pca(x: ArrayLike<number>, rows: number, d: number, k = 10): Pca {
  if (rows < 2 || d < 1) throw new Error(`pca: need at least 2 rows and 1 column, got ${rows} × ${d}`);
  const { mean, cov } = covariance(x, rows, d);
  const m = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m.set(i, j, cov[i * d + j]!);
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const vals = evd.realEigenvalues.map((v) => Math.max(0, v));
  const order = vals.map((_, i) => i).sort((a, b) => vals[b]! - vals[a]!);
  const total = vals.reduce((s, v) => s + v, 0);
  const V = evd.eigenvectorMatrix;
  const keep = order.slice(0, Math.min(k, d));
  return {
    explained: keep.map((i) => (total > 0 ? vals[i]! / total : 0)),
    mean,
    components: keep.map((i) => Float64Array.from({ length: d }, (_, j) => V.get(j, i))),
  };
}

/** Coordinates of row r of x on the first `k` components. */
export function project(p: Pca, x: ArrayLike<number>, r: number, k = 2): number[] {
  const d = p.mean.length;
  return p.components.slice(0, k).map((c) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[r * d + j]! - p.mean[j]!) * c[j]!;
    return s;
  });
}

export interface ProbeOptions {
  /** L2 penalty on the weights of the standardised features (not on the bias). */
  l2?: number;
  iterations?: number;
}

/**
 * Linear probe: logistic regression of labels y (0/1) on x [rows, d], fitted on the rows `fit`,
 * AUC of its scores on the rows `score`. Features are standardised with the fit rows' statistics.
 * Returns null when either part has a single class.
 */
export function probeAuc(x: ArrayLike<number>, d: number, y: ArrayLike<number>, fit: number[], score: number[], o: ProbeOptions = {}): number | null {
  const oneClass = (idx: number[]) => { const s = idx.reduce((a, r) => a + y[r]!, 0); return s === 0 || s === idx.length; };
  if (fit.length < 2 || score.length < 2 || oneClass(fit) || oneClass(score)) return null;
  const l2 = o.l2 ?? 1;
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (const r of fit) for (let j = 0; j < d; j++) mean[j] += x[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= fit.length;
  for (const r of fit) for (let j = 0; j < d; j++) sd[j] += (x[r * d + j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]! / fit.length) || 1;
  const D = d + 1; // last = bias
  const feat = (r: number, out: Float64Array) => {
    for (let j = 0; j < d; j++) out[j] = (x[r * d + j]! - mean[j]!) / sd[j]!;
    out[d] = 1;
  };
  const w = new Float64Array(D);
  const z = new Float64Array(D);
  for (let it = 0; it < (o.iterations ?? 25); it++) {
    const grad = new Float64Array(D), H = new Float64Array(D * D);
    for (const r of fit) {
      feat(r, z);
      let s = 0;
      for (let j = 0; j < D; j++) s += w[j]! * z[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const e = p - y[r]!, v = Math.max(p * (1 - p), 1e-10);
      for (let i = 0; i < D; i++) {
        grad[i] += e * z[i]!;
        const vi = v * z[i]!, o2 = i * D;
        for (let j = i; j < D; j++) H[o2 + j] += vi * z[j]!;
      }
    }
    const Hm = new Matrix(D, D);
    for (let i = 0; i < D; i++) {
      for (let j = i; j < D; j++) {
        const reg = i === j && i < d ? l2 : i === j ? 1e-9 : 0;
        Hm.set(i, j, H[i * D + j]! + reg);
        Hm.set(j, i, H[i * D + j]! + reg);
      }
      if (i < d) grad[i] += l2 * w[i]!;
    }
    const step = new CholeskyDecomposition(Hm).solve(Matrix.columnVector(Array.from(grad)));
    let change = 0;
    for (let i = 0; i < D; i++) { const s = step.get(i, 0); w[i] -= s; change = Math.max(change, Math.abs(s)); }
    if (change < 1e-6) break;
  }
  const scores = new Float64Array(score.length), labels = new Uint8Array(score.length);
  score.forEach((r, k) => {
    feat(r, z);
    let s = 0;
    for (let j = 0; j < D; j++) s += w[j]! * z[j]!;
    scores[k] = s;
    labels[k] = y[r]! === 1 ? 1 : 0;
  });
  return auc(scores, labels);
}

/** Centred copy of row-major x [rows, d]. */
function centred(x: ArrayLike<number>, rows: number, d: number): Float64Array {
  const out = Float64Array.from(x as ArrayLike<number>);
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += out[r * d + j]!;
    m /= Math.max(rows, 1);
    for (let r = 0; r < rows; r++) out[r * d + j]! -= m;
  }
  return out;
}

/** ‖Aᵀ B‖²_F for row-major A [rows, da], B [rows, db]. */
function crossFrobenius2(a: Float64Array, da: number, b: Float64Array, db: number, rows: number): number {
  const m = new Float64Array(da * db);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < da; i++) {
      const v = a[r * da + i]!;
      if (v === 0) continue;
      const o = i * db, ob = r * db;
      for (let j = 0; j < db; j++) m[o + j] += v * b[ob + j]!;
    }
  }
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i]! * m[i]!;
  return s;
}

/**
 * Linear CKA (Kornblith et al. 2019) between two representations of the same rows:
 * ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on centred X, Y. 1 = the same up to rotation and scale; null when
 * either has no variance.
 */
export function linearCka(x: ArrayLike<number>, dx: number, y: ArrayLike<number>, dy: number, rows: number): number | null {
  const X = centred(x, rows, dx), Y = centred(y, rows, dy);
  const xy = crossFrobenius2(X, dx, Y, dy, rows);
  const xx = Math.sqrt(crossFrobenius2(X, dx, X, dx, rows)), yy = Math.sqrt(crossFrobenius2(Y, dy, Y, dy, rows));
  return xx > 0 && yy > 0 ? xy / (xx * yy) : null;
}
