// DIN target attention (Zhou et al., KDD 2018): the candidate q attends over the behaviours k_l,
//   a_l = MLP([q, k_l, q − k_l, q ⊙ k_l]) · m_l        (the "activation unit"; m_l = 0 on padding)
//   v   = Σ_l a_l · k_l
// with no softmax by default (the paper keeps the weights unnormalised so that v's norm tells how
// much of the history is relevant); `softmax: true` uses a_l = softmax_l(s_l + (m_l − 1)·1e9) · m_l.
import type { Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { activate, activationUnitLinear, linear, type Activation } from '../../engine/layers/index.js';
import { init } from '../../engine/params.js';

export interface DinOptions {
  hidden: number[];
  activation: Activation;
  softmax: boolean;
}

/** Masked scores → weights [B, L]: padding gets exactly 0. */
function weights(s: Tensor, mask: Tensor, softmax: boolean): Tensor {
  if (!softmax) return op.mul(s, mask);
  return op.mul(op.softmax(op.add(s, op.mul(op.sub(mask, 1), 1e9)), -1), mask);
}

/**
 * q [B, D], keys [B, L, D], mask [B, L] (1 = behaviour, 0 = padding) → { out [B, D], weights [B, L] }.
 */
export function dinAttention(q: Tensor, keys: Tensor, mask: Tensor, name: string, o: DinOptions): { out: Tensor; weights: Tensor } {
  const [, L, D] = keys.shape as [string | number, number, number];
  // MLP([q, k_l, q − k_l, q ⊙ k_l]): the first layer on the concatenation (activationUnitLinear
  // computes [q, k, q − k, q ⊙ k]·W + b without materialising it), the rest as usual.
  const [first, ...rest] = o.hidden;
  let s: Tensor;
  if (first === undefined) s = activationUnitLinear(q, keys, `${name}.att.out`, 1, { init: init.xavier });
  else {
    let h = activate(activationUnitLinear(q, keys, `${name}.att.0`, first), o.activation);
    rest.forEach((w, i) => { h = activate(linear(h, `${name}.att.${i + 1}`, w, { init: init.he }), o.activation); });
    s = linear(h, `${name}.att.out`, 1);
  }
  // Rows: the candidates' (q's); the keys may be one request's behaviours for all of them ([1, L, D]).
  s = op.reshape(s, [s.shape[0]!, L]); // [B, L]
  const w = weights(s, mask, o.softmax);
  const out = op.reshape(op.matmul(op.unsqueeze(w, [1]), keys), [w.shape[0]!, D]); // [B, 1, L]·[B, L, D]
  return { out, weights: w };
}

/** Masked mean over the sequence [B, L, D] → [B, D] (0 for an empty sequence). */
export function maskedMean(keys: Tensor, mask: Tensor): Tensor {
  const D = keys.shape[2]!;
  const sum = op.reshape(op.matmul(op.unsqueeze(mask, [1]), keys), [keys.shape[0]!, D]);
  return op.div(sum, op.maximum(op.reduceSum(mask, [1], true), 1));
}
