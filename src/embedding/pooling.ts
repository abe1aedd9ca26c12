// Sum / mean pooling of multi-value features (tags, short behaviour lists) over embedding rows.
// Input: rows [B·L] (sample b's values at b·L .. b·L+L−1) plus which positions are valid:
//   - lengths: Int32Array [B]  → positions j < lengths[b] are valid (lengths clamped to [0, L]);
//   - mask:    Uint8Array [B·L] → positions with mask ≠ 0 are valid;
//   - null     → all positions valid.
// Positions holding NO_ROW (−1) are skipped too (padding). Mean divides by the number of contributing
// positions; a sample with none gets a zero vector (and its gradient goes nowhere).
import { NO_ROW } from './mapper.js';

export type PoolMode = 'sum' | 'mean';
export type PoolValid = Int32Array | Uint8Array | null;

/** Checks shapes; returns B. */
export function checkPooledShapes(where: string, rows: Int32Array, valid: PoolValid, L: number): number {
  if (!Number.isInteger(L) || L < 1) throw new Error(`${where}: L (values per sample) must be a positive integer, got ${L}`);
  if (rows.length % L !== 0) throw new Error(`${where}: ${rows.length} row ids is not a multiple of L=${L}`);
  const B = rows.length / L;
  if (valid instanceof Int32Array && valid.length !== B) throw new Error(`${where}: lengths has ${valid.length} entries, expected B=${B}`);
  if (valid instanceof Uint8Array && valid.length !== rows.length) throw new Error(`${where}: mask has ${valid.length} entries, expected B·L=${rows.length}`);
  return B;
}

/** Number of positions of sample b that contribute (valid and ≠ NO_ROW). */
export function contributing(rows: Int32Array, valid: PoolValid, L: number, b: number): number {
  const base = b * L;
  const len = valid instanceof Int32Array ? Math.max(0, Math.min(L, valid[b]!)) : L;
  let c = 0;
  for (let j = 0; j < len; j++) {
    if (rows[base + j] === NO_ROW) continue;
    if (valid instanceof Uint8Array && valid[base + j] === 0) continue;
    c++;
  }
  return c;
}

/** True if position j of sample b contributes. */
export function isActive(rows: Int32Array, valid: PoolValid, L: number, b: number, j: number): boolean {
  const i = b * L + j;
  if (rows[i] === NO_ROW) return false;
  if (valid instanceof Int32Array) return j < valid[b]!;
  if (valid instanceof Uint8Array) return valid[i] !== 0;
  return true;
}

/**
 * Pooled gather: out[outOffset + b·outStride + k] = pool_j values[rows[b·L+j]·dim + k].
 * Rows must already be validated in [0, numRows) ∪ {NO_ROW}. Sums are taken in float64.
 */
export function pooledForward(values: Float32Array, dim: number, rows: Int32Array, valid: PoolValid, L: number,
  mode: PoolMode, out: Float32Array, outOffset: number, outStride: number, scratch: Float64Array): void {
  const B = rows.length / L;
  for (let b = 0; b < B; b++) {
    scratch.fill(0, 0, dim);
    let c = 0;
    const len = valid instanceof Int32Array ? Math.max(0, Math.min(L, valid[b]!)) : L;
    for (let j = 0; j < len; j++) {
      const i = b * L + j, r = rows[i]!;
      if (r === NO_ROW || (valid instanceof Uint8Array && valid[i] === 0)) continue;
      c++;
      const s = r * dim;
      for (let k = 0; k < dim; k++) scratch[k] += values[s + k]!;
    }
    const o = outOffset + b * outStride;
    const f = mode === 'mean' && c > 0 ? 1 / c : 1;
    for (let k = 0; k < dim; k++) out[o + k] = scratch[k]! * f;
  }
}

/**
 * Pooled backward, expanded: outGrad[(b·L+j)·dim + k] = w_bj · grad[gradOffset + b·gradStride + k],
 * with w_bj = 1 (sum) or 1/count_b (mean) for contributing positions and 0 for the others.
 */
export function pooledBackward(rows: Int32Array, valid: PoolValid, L: number, mode: PoolMode, dim: number,
  grad: Float32Array, gradOffset: number, gradStride: number, outGrad: Float32Array): void {
  const B = checkPooledShapes('pooledBackward', rows, valid, L);
  if (outGrad.length < rows.length * dim) throw new Error(`pooledBackward: outGrad holds ${outGrad.length} floats, need ${rows.length * dim}`);
  for (let b = 0; b < B; b++) {
    const c = contributing(rows, valid, L, b);
    const w = mode === 'mean' && c > 0 ? 1 / c : 1;
    const go = gradOffset + b * gradStride;
    for (let j = 0; j < L; j++) {
      const o = (b * L + j) * dim;
      if (!isActive(rows, valid, L, b, j)) { outGrad.fill(0, o, o + dim); continue; }
      for (let k = 0; k < dim; k++) outGrad[o + k] = w * grad[go + k]!;
    }
  }
}
