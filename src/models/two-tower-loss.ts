// The two-tower model's training loss: in-batch sampled softmax with the logQ correction (Yi et al.,
// "Sampling-Bias-Corrected Neural Modeling for Large Corpus Item Recommendations", RecSys 2019).
// Rows i of a batch carry a user u_i and an item v_i (unit vectors); every row's item is a candidate
// for every anchor, so for an anchor i the softmax runs over the batch's items:
//
//   s_ij   = ⟨u_i, v_j⟩ / τ
//   s^c_ij = s_ij − log q_j                      (q_j: probability that item j is in the candidate set)
//   ℓ_i    = −s^c_ii + log( e^{s^c_ii} + Σ_{j : item_j ≠ item_i} e^{s^c_ij} )
//
// Items equal to the anchor's own (the same streamer in another row, or the row itself) are left
// out of the negatives. Only positive rows (label y_i = 1) are anchors; the loss is the mean of ℓ_i
// over them. No gradient code here: the engine differentiates it (ReduceLogSumExp has its own rule).
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';

/** A logit far below any real one: e^(MASKED − max) underflows to exactly 0 in float32 and float64. */
export const MASKED_LOGIT = -1e9;

export interface InBatchSoftmaxInput {
  /** User vectors [B, d] (L2-normalised). */
  user: Tensor;
  /** Item vectors [B, d] (L2-normalised), row j = the item of row j. */
  item: Tensor;
  /** Item ids [B] (int64): equal ids are the same item. */
  itemIds: Tensor;
  temperature: number;
  /** log q_j of each row's item [B, 1], or null for the uncorrected softmax. */
  logQ: Tensor | null;
}

/** s^c: the corrected logits [B, B] (row i = anchor i, column j = the item of row j) and the diagonal s^c_ii [B, 1]. */
export function correctedLogits(x: InBatchSoftmaxInput): { all: Tensor; own: Tensor } {
  const s = op.div(op.matmul(x.user, op.transpose(x.item, [1, 0])), x.temperature); // [B, B]
  const sOwn = op.div(op.reduceSum(op.mul(x.user, x.item), [1], true), x.temperature); // [B, 1]
  if (!x.logQ) return { all: s, own: sOwn };
  return { all: op.sub(s, op.transpose(x.logQ, [1, 0])), own: op.sub(sOwn, x.logQ) };
}

/** ℓ_i for every row [B, 1] (anchors and non-anchors alike; the caller weights by the label). */
export function inBatchSoftmaxPerRow(x: InBatchSoftmaxInput): Tensor {
  const { all, own } = correctedLogits(x);
  const ids = op.cast(x.itemIds, 'int64');
  const same = op.equal(op.unsqueeze(ids, [1]), op.unsqueeze(ids, [0])); // [B, B]: item_j = item_i
  const negatives = op.where(same, MASKED_LOGIT, all);
  const lse = op.reduceLogSumExp(op.concat([own, negatives], 1), [1], true); // [B, 1]
  return op.sub(lse, own);
}

/**
 * The task's per-row loss for the trainer's heads: y_i·ℓ_i·(Σ m / max(Σ y, 1)), so that the heads'
 * mean over the sample space (Σ m ℓ' / Σ m) is Σ y_i ℓ_i / Σ y_i — the mean over the positive
 * rows. `label`, `mask` [B, 1] (mask 0 on rows outside the task's space, e.g. appended negatives).
 */
export function inBatchSoftmaxLoss(x: InBatchSoftmaxInput, label: Tensor, mask: Tensor): Tensor {
  const y = op.mul(label, mask);
  const scale = op.div(op.reduceSum(mask), op.maximum(op.reduceSum(y), 1));
  return op.mul(op.mul(inBatchSoftmaxPerRow(x), y), scale);
}
