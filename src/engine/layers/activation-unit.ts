// The first layer of DIN's activation unit, [q, k, q − k, q ⊙ k]·W + b with W = [W_q; W_k; W_d; W_p]
// ([4D, H], the same parameter linear() would make on the concatenation), computed without building
// the [B, L, 4D] concatenation:  q·(W_q + W_d) + k·(W_k − W_d) + (q ⊙ k)·W_p + b.
// Half the multiply-adds per behaviour (2·D·H instead of 4·D·H; the q term once per row), and no
// broadcast copy of q. Equal to the concatenated form (tested), so models keep the paper's form.
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';

/**
 * q [B, D], k [B, L, D] → [B, L, H]; parameters `${name}.weight` [4D, H] and `${name}.bias` [H].
 * Keys shared by all rows (k [1, L, D]: one request's behaviours for its B candidates) take the
 * request form: everything that depends on k alone is folded into one [D, L·H] matrix and one
 * [1, L·H] row, once per request, and the rows cost a single Gemm —
 *   pre[b, (l, h)] = Σ_d q_bd · (k_ld·W_p[d, h] + (W_q + W_d)[d, h])  +  (k_l·(W_k − W_d))_h + b_h,
 * the same sum as the per-row form (tested equal), in one pass over the [B, L·H] output.
 */
export function activationUnitLinear(q: Tensor, k: Tensor, name: string, H: number, o: { init?: Init } = {}): Tensor {
  const g = k.graph;
  const D = k.shape[2];
  if (typeof D !== 'number' || q.shape[1] !== D) throw new Error(`activation unit ${name}: query ${q} and keys ${k} must share a static width`);
  const W = g.param({ name: `${name}.weight`, shape: [4 * D, H], init: o.init ?? inits.he, trainable: true });
  const b = g.param({ name: `${name}.bias`, shape: [H], init: inits.zeros, trainable: true, decay: false });
  const block = (i: number) => op.slice(W, [i * D], [(i + 1) * D], [0]);
  const [Wq, Wk, Wd, Wp] = [0, 1, 2, 3].map(block) as [Tensor, Tensor, Tensor, Tensor];
  const L = k.shape[1];
  if (k.shape[0] === 1 && q.shape[0] !== 1 && typeof L === 'number') {
    const kT = op.unsqueeze(op.transpose(op.reshape(k, [L, D]), [1, 0]), [2]); // [D, L, 1]
    const K = op.add(op.mul(kT, op.unsqueeze(Wp, [1])), op.unsqueeze(op.add(Wq, Wd), [1])); // [D, L, H]
    const C = op.add(op.matmul(k, op.sub(Wk, Wd)), b); // [1, L, H]
    const pre = op.gemm(q, op.reshape(K, [D, L * H]), op.reshape(C, [1, L * H])); // [B, L·H]
    return op.reshape(pre, [q.shape[0]!, L, H]);
  }
  const qTerm = op.unsqueeze(op.gemm(q, op.add(Wq, Wd), b), [1]); // [B, 1, H], the bias folded in
  const kTerm = op.matmul(k, op.sub(Wk, Wd)); // [B, L, H]
  const pTerm = op.matmul(op.mul(op.unsqueeze(q, [1]), k), Wp); // [B, L, H]
  return op.add(op.add(kTerm, pTerm), qTerm);
}
