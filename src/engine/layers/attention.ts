// Multi-head self-attention: softmax(Q·Kᵀ/√d_k + mask)·V per head, then an output projection.
import type { Tensor } from '../graph.js';
import * as op from '../ops/index.js';
import { linear } from './linear.js';

export interface AttentionOptions {
  heads: number;
  /** [B, L] float: 1 = a real position, 0 = padding (padded keys get no attention). */
  mask?: Tensor;
  /** Position i attends only to positions ≤ i. */
  causal?: boolean;
  /** Called with the attention weights [B, heads, L, L] (for diagnostics). */
  onWeights?: (w: Tensor) => void;
}

export function multiHeadSelfAttention(x: Tensor, name: string, o: AttentionOptions): Tensor {
  if (x.rank !== 3) throw new Error(`attention ${name}: expected [B, L, d], got ${x}`);
  const [B, L, d] = x.shape as [string | number, number, number];
  if (typeof L !== 'number' || typeof d !== 'number') throw new Error(`attention ${name}: L and d must be static`);
  const h = o.heads;
  if (d % h !== 0) throw new Error(`attention ${name}: width ${d} is not divisible by ${h} heads`);
  const dk = d / h;
  const g = x.graph;
  // [B, L, d] → [B, h, L, dk]
  const heads = (t: Tensor) => op.transpose(op.reshape(t, [B, L, h, dk]), [0, 2, 1, 3]);
  const q = heads(linear(x, `${name}.q`, d));
  const k = heads(linear(x, `${name}.k`, d));
  const v = heads(linear(x, `${name}.v`, d));
  let scores = op.mul(op.matmul(q, op.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(dk)); // [B, h, L, L]
  if (o.mask) {
    // (1 − m)·(−1e9) on padded keys: [B, L] → [B, 1, 1, L]
    const pen = op.mul(op.sub(1, op.unsqueeze(o.mask, [1, 2])), -1e9);
    scores = op.add(scores, pen);
  }
  if (o.causal) {
    const tri = new (g.float === 'float64' ? Float64Array : Float32Array)(L * L);
    for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) tri[i * L + j] = -1e9;
    scores = op.add(scores, g.constant(tri, [L, L], g.float));
  }
  const w = op.softmax(scores, -1);
  o.onWeights?.(w);
  const ctx = op.reshape(op.transpose(op.matmul(w, v), [0, 2, 1, 3]), [B, L, d]);
  return linear(ctx, `${name}.o`, d);
}
