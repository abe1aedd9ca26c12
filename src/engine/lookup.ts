// Row lookups from tables inside a graph: for each part, Gather(table, ids) ([B] ids → [B, D]) or a
// masked sum / mean over [B, L] ids, concatenated along the feature axis. Used by training (tables
// fed as inputs, no copy) and by export (tables folded in as initializers). A `shared` multi-value
// part holds one row for the whole batch (a serving request's user-side sequence): its ids are fed
// [1, L], gathered and pooled once, and the pooled row is broadcast to the batch after the lookup
// (the "tile after the embedding lookup" of serving systems); its unpooled rows stay [1, L, D] for
// broadcasting ops downstream.
import type { DType, Graph, Shape, Tensor } from './graph.js';
import * as op from './ops/index.js';

export interface LookupPart {
  /** Name of the ids input: [B] for one id per row, [B, L] for a multi-value feature. */
  ids: string;
  table: string;
  /**
   * Multi-value features: pooled over L with the float mask input `${ids}_mask` [B, L]; 'none'
   * keeps the masked rows [B, L, D] (a sequence block's input; only as the single part of a lookup).
   */
  pooling?: 'sum' | 'mean' | 'none';
  length?: number;
  /** Multi-value parts only: the same ids for every row of a batch, fed once as [1, L]. */
  shared?: boolean;
}

/** Gathered (and pooled) rows of every part side by side, reshaped to `shape` ([B, ΣD] or [B, F, D]). */
export function lookupRows(
  g: Graph, parts: LookupPart[], tableOf: (name: string) => Tensor, idsDtype: DType, shape: Shape,
): Tensor {
  const pieces: Tensor[] = [];
  // The ids / mask inputs are shared by every lookup reading the same feature (pooled and unpooled).
  const inputOf = (name: string, dtype: DType, sh: Shape) => g.inputs.find((t) => t.name === name) ?? g.rawInput(name, dtype, sh);
  for (let i = 0; i < parts.length;) {
    const p = parts[i]!;
    const tt = tableOf(p.table);
    if (!p.length) {
      // A run of one-id parts on the same table: ONE Gather over their ids stacked to [B, k]
      // (k small Gathers and a k-way Concat cost ~2 ms more per step on the reference MMoE).
      let j = i + 1;
      while (j < parts.length && !parts[j]!.length && parts[j]!.table === p.table) j++;
      const ids = parts.slice(i, j).map((q) => inputOf(q.ids, idsDtype, ['B']));
      if (ids.length === 1) pieces.push(op.gather(tt, ids[0]!, 0)); // [B, D]
      else {
        const D = tt.shape[1]!;
        const stacked = op.concat(ids.map((t) => op.unsqueeze(t, [1])), 1); // [B, k]
        pieces.push(op.reshape(op.gather(tt, stacked, 0), [ids[0]!.shape[0]!, ids.length * (D as number)])); // [B, k·D]
      }
      i = j;
      continue;
    }
    const rows0 = p.shared ? 1 : 'B';
    const ids = inputOf(p.ids, idsDtype, [rows0, p.length]);
    const mask = inputOf(`${p.ids}_mask`, g.float, [rows0, p.length]);
    if (ids.shape[0] !== rows0 || mask.shape[0] !== rows0) throw new Error(`lookup: input ${ids} / ${mask} declared with ${ids.shape[0]} rows; part "${p.ids}" is ${p.shared ? '' : 'not '}shared`);
    const rows = op.mul(op.gather(tt, ids, 0), op.unsqueeze(mask, [2])); // [B, L, D]
    if (p.pooling === 'none') {
      if (parts.length !== 1) throw new Error(`lookup: unpooled part "${p.ids}" must be the only part of its lookup`);
      return rows;
    }
    const sum = op.reduceSum(rows, [1]);
    pieces.push(p.pooling !== 'mean' ? sum : op.div(sum, op.maximum(op.reduceSum(mask, [1], true), 1)));
    i++;
  }
  const perRow = pieces.find((t) => t.shape[0] !== 1);
  if (!perRow && parts.some((p) => p.shared)) throw new Error(`lookup: every part of ${parts.map((p) => p.ids).join(', ')} is shared; a per-row part is needed to know the batch`);
  const flat = pieces.length === 1 ? pieces[0]! : op.concat(pieces.map((t) => (perRow ? op.expandBatch(t, perRow) : t)), 1);
  return shape.length === 2 ? flat : op.reshape(flat, shape);
}
