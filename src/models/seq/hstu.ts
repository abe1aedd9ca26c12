// HSTU (Zhai et al., "Actions Speak Louder than Words", ICML 2024): a causal transformer whose
// layers use pointwise SiLU attention instead of softmax. Tokens: the candidate at position 0, then
// the behaviours most recent first; token i sees tokens j ≥ i (itself and everything OLDER — the
// causal order of the history), so the candidate token reads the whole history. Per layer:
//   U, V, Q, K = split(SiLU(X·W₁ + b₁))                                  (pointwise projection)
//   A(i,j)     = SiLU(Q_i·K_jᵀ/√d_k) · M(i,j) / n_i     M = causal ⊙ valid,  n_i = Σ_j M(i,j)
//   X ← X + (LN(A·V) ⊙ U)·W₂                                             (pointwise transformation)
// The candidate token's final state is the block's output. Learned absolute positions stand in for
// the paper's relative attention bias; n_i (valid keys) stands in for its 1/N scaling.
import type { Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { init } from '../../engine/params.js';
import { layerNorm, linear } from '../../engine/layers/index.js';

export interface HstuOptions {
  heads: number;
  layers: number;
  position: boolean;
}

/** Allowed keys per query [B, 1, T, T]: j ≥ i and j valid (T = L + 1, the candidate at 0 always valid). */
export function hstuMask(mask: Tensor, T: number): Tensor {
  const g = mask.graph;
  const tri = new (g.float === 'float64' ? Float64Array : Float32Array)(T * T);
  for (let i = 0; i < T; i++) for (let j = i; j < T; j++) tri[i * T + j] = 1;
  const valid = op.concat([op.add(op.mul(op.slice(mask, [0], [1], [1]), 0), 1), mask], 1); // [B, T]
  return op.mul(g.constant(tri, [T, T], g.float), op.unsqueeze(valid, [1, 2]));
}

/**
 * q [B, D] (candidate), keys [B, L, D], mask [B, L] → { out [B, D] (candidate token), weights
 * [B, heads, T, T] (the last layer's attention) }.
 */
export function hstuEncoder(q: Tensor, keys: Tensor, mask: Tensor, name: string, o: HstuOptions): { out: Tensor; weights: Tensor } {
  const g = keys.graph;
  const [B, L, D] = keys.shape as [string | number, number, number];
  const T = L + 1, h = o.heads;
  if (D % h !== 0) throw new Error(`hstu ${name}: width ${D} is not divisible by ${h} heads`);
  const dk = D / h;
  let x = op.concat([op.unsqueeze(q, [1]), keys], 1); // [B, T, D]
  if (o.position) x = op.add(x, g.param({ name: `${name}.position`, shape: [T, D], init: init.normal(0.05), trainable: true }));
  const M = hstuMask(mask, T); // [B, 1, T, T]
  const n = op.maximum(op.reduceSum(M, [3], true), 1); // [B, 1, T, 1]
  const heads = (t: Tensor) => op.transpose(op.reshape(t, [B, T, h, dk]), [0, 2, 1, 3]); // [B, h, T, dk]
  let weights: Tensor | null = null;
  for (let l = 0; l < o.layers; l++) {
    const p = `${name}.${l}`;
    const [u, v, qq, k] = op.split(op.silu(linear(x, `${p}.f1`, 4 * D)), [D, D, D, D], 2) as [Tensor, Tensor, Tensor, Tensor];
    const a = op.div(op.mul(op.silu(op.mul(op.matmul(heads(qq), op.transpose(heads(k), [0, 1, 3, 2])), 1 / Math.sqrt(dk))), M), n); // [B, h, T, T]
    weights = a;
    const av = op.reshape(op.transpose(op.matmul(a, heads(v)), [0, 2, 1, 3]), [B, T, D]);
    x = op.add(x, linear(op.mul(layerNorm(av, `${p}.ln`), u), `${p}.f2`, D));
  }
  return { out: op.reshape(op.slice(x, [0], [1], [1]), [B, D]), weights: weights! };
}
