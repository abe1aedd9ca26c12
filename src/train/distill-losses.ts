// Distillation losses (teacher → student, e.g. the fine ranker → the coarse ranker) as graph code on
// logits. z_s: the student's logits [B, 1]; z_t: the teacher's logits [B, 1] (a graph input: no
// gradient reaches the teacher). Every function is built from existing engine ops (Sigmoid,
// Softplus, Softmax / LogSoftmax, Reshape), each of which has its one gradient rule in src/engine.
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { bceWithLogits } from './losses.js';

/** Per row: (z_s − z_t)². */
export function logitMse(zs: Tensor, zt: Tensor): Tensor {
  const d = op.sub(zs, zt);
  return op.mul(d, d);
}

/**
 * Per row, soft-label BCE at temperature T against teacher PROBABILITIES p (already at temperature T):
 *   T²·BCE(p, σ(z_s/T)) = T²·[softplus(z_s/T) − p·z_s/T].
 * With T = 1 and p ∈ {0, 1} this is the ordinary BCE; the T² keeps the gradient's scale
 * (∂/∂z_s = T·(σ(z_s/T) − p)) comparable across temperatures (Hinton et al. 2015).
 */
export function softBceFromProbs(zs: Tensor, p: Tensor, temperature = 1): Tensor {
  checkTemperature(temperature);
  const z = temperature === 1 ? zs : op.mul(zs, 1 / temperature);
  const l = bceWithLogits(z, p);
  return temperature === 1 ? l : op.mul(l, temperature * temperature);
}

/** Per row: L = T²·BCE(σ(z_t/T), σ(z_s/T)), the soft-label BCE against the teacher's logits. */
export function softBce(zs: Tensor, zt: Tensor, temperature = 1): Tensor {
  checkTemperature(temperature);
  const p = op.sigmoid(temperature === 1 ? zt : op.mul(zt, 1 / temperature));
  return softBceFromProbs(zs, p, temperature);
}

/**
 * Listwise KL over each request's candidates, per request [B/n, 1]: the rows are whole requests of
 * exactly n candidates each, contiguous (a batch of B = G·n rows is reshaped to [G, n]);
 *   KL_g = T²·Σ_j q_j (log q_j − log p_j),  q = softmax(z_t/T), p = softmax(z_s/T) over the group.
 * log-softmax is computed stably (LogSoftmax subtracts the row max), and q·log q is finite even
 * where q underflows to 0. 0 exactly when the student's logits equal the teacher's up to a
 * per-request constant (softmax is shift-invariant: only the order within a request matters).
 */
export function listwiseKl(zs: Tensor, zt: Tensor, groupSize: number, temperature = 1): Tensor {
  checkTemperature(temperature);
  if (!(Number.isInteger(groupSize) && groupSize >= 2)) throw new Error(`listwiseKl: group size must be an integer ≥ 2 (got ${groupSize})`);
  const s = temperature === 1 ? zs : op.mul(zs, 1 / temperature);
  const t = temperature === 1 ? zt : op.mul(zt, 1 / temperature);
  const S = op.reshape(s, ['G', groupSize]);
  const T = op.reshape(t, ['G', groupSize]);
  const logQ = op.logSoftmax(T, 1);
  const q = op.softmax(T, 1);
  const kl = op.reduceSum(op.mul(q, op.sub(logQ, op.logSoftmax(S, 1))), [1], true);
  return temperature === 1 ? kl : op.mul(kl, temperature * temperature);
}

export interface DistillWeights { label: number; mse: number; soft_bce: number; listwise: number }

/**
 * The distillation part of a task's loss (a scalar): w_mse·mean(MSE) + w_soft·mean(soft BCE) +
 * w_list·mean over requests of the listwise KL. Terms with weight 0 are not built.
 */
export function distillLoss(zs: Tensor, zt: Tensor, o: { weights: DistillWeights; temperature: number; groupSize: number }): Tensor | null {
  const terms: Tensor[] = [];
  const w = o.weights;
  if (w.mse > 0) terms.push(op.mul(op.reduceMean(logitMse(zs, zt)), w.mse));
  if (w.soft_bce > 0) terms.push(op.mul(op.reduceMean(softBce(zs, zt, o.temperature)), w.soft_bce));
  if (w.listwise > 0) terms.push(op.mul(op.reduceMean(listwiseKl(zs, zt, o.groupSize, o.temperature)), w.listwise));
  return terms.length ? terms.reduce((a, b) => op.add(a, b)) : null;
}

function checkTemperature(t: number): void {
  if (!(t > 0 && Number.isFinite(t))) throw new Error(`distillation temperature must be a positive number (got ${t})`);
}
