// SIM soft search inside the exported model: the served model takes the whole sequence (as the
// fine ranker sends it) and selects the same top-k the training lookup stage selects in TypeScript
// (sim.ts): scores ⟨e_q, e_l⟩, padding at −10³⁰, TopK (ties: the lower position, i.e. the more
// recent), then the kept positions in ascending (most-recent-first) order. No gradient: export only.
import type { Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';

/** table [R, D], ids [B, L] int, mask [B, L] float, qids [B] int → the k kept ids [B, k] and mask [B, k]. */
export function simSelectGraph(table: Tensor, ids: Tensor, mask: Tensor, qids: Tensor, k: number): { ids: Tensor; mask: Tensor } {
  const rows = op.gather(table, ids, 0); // [B, L, D]
  const q = op.gather(table, qids, 0); // [B, D]
  // Mul + ReduceSum, not a batched MatMul: MatMul's kernels round identical rows differently by
  // position (vector body vs tail), which broke the ties between repeats of one id (measured).
  const s = op.reduceSum(op.mul(rows, op.unsqueeze(q, [1])), [2]); // [B, L]
  const scored = op.add(s, op.mul(op.sub(mask, 1), 1e30));
  const best = op.topK(scored, k, 1).indices; // [B, k], by score
  const pos = op.topK(best, k, 1, false).values; // the same positions, ascending
  return { ids: op.gatherElements(ids, op.cast(pos, 'int64'), 1), mask: op.gatherElements(mask, pos, 1) };
}
