// The first layer of DIN's activation unit, [q, k, q − k, q ⊙ k]·W + b with W = [W_q; W_k; W_d; W_p]
// ([4D, H], the same parameter linear() would make on the concatenation), computed without building
// the [B, L, 4D] concatenation:  q·(W_q + W_d) + k·(W_k − W_d) + (q ⊙ k)·W_p + b.
// Half the multiply-adds per behaviour (2·D·H instead of 4·D·H; the q term once per row), and no
// broadcast copy of q. Equal to the concatenated form (tested), so models keep the paper's form.
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';

/** q [B, D], k [B, L, D] → [B, L, H]; parameters `${name}.weight` [4D, H] and `${name}.bias` [H]. */
export function activationUnitLinear(q: Tensor, k: Tensor, name: string, H: number, o: { init?: Init } = {}): Tensor {
  const g = k.graph;
  const D = k.shape[2];
  if (typeof D !== 'number' || q.shape[1] !== D) throw new Error(`activation unit ${name}: query ${q} and keys ${k} must share a static width`);
  const W = g.param({ name: `${name}.weight`, shape: [4 * D, H], init: o.init ?? inits.he, trainable: true });
  const b = g.param({ name: `${name}.bias`, shape: [H], init: inits.zeros, trainable: true, decay: false });
  const block = (i: number) => op.slice(W, [i * D], [(i + 1) * D], [0]);
  const [Wq, Wk, Wd, Wp] = [0, 1, 2, 3].map(block) as [Tensor, Tensor, Tensor, Tensor];
  const qTerm = op.unsqueeze(op.gemm(q, op.add(Wq, Wd), b), [1]); // [B, 1, H], the bias folded in
  const kTerm = op.matmul(k, op.sub(Wk, Wd)); // [B, L, H]
  const pTerm = op.matmul(op.mul(op.unsqueeze(q, [1]), k), Wp); // [B, L, H]
  return op.add(op.add(kTerm, pTerm), qTerm);
}
