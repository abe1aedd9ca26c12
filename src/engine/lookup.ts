// Row lookups from tables inside a graph: for each part, Gather(table, ids) ([B] ids → [B, D]) or a
// masked sum / mean over [B, L] ids, concatenated along the feature axis. Used by training (tables
// fed as inputs, no copy) and by export (tables folded in as initializers).
import type { DType, Graph, Shape, Tensor } from './graph.js';
import * as op from './ops/index.js';

export interface LookupPart {
  /** Name of the ids input: [B] for one id per row, [B, L] for a multi-value feature. */
  ids: string;
  table: string;
  /** Multi-value features: pooled over L with the float mask input `${ids}_mask` [B, L]. */
  pooling?: 'sum' | 'mean';
  length?: number;
}

/** Gathered (and pooled) rows of every part side by side, reshaped to `shape` ([B, ΣD] or [B, F, D]). */
export function lookupRows(
  g: Graph, parts: LookupPart[], tableOf: (name: string) => Tensor, idsDtype: DType, shape: Shape,
): Tensor {
  const pieces = parts.map((p) => {
    const tt = tableOf(p.table);
    if (!p.length) return op.gather(tt, g.rawInput(p.ids, idsDtype, ['B']), 0); // [B, D]
    const ids = g.rawInput(p.ids, idsDtype, ['B', p.length]);
    const mask = g.rawInput(`${p.ids}_mask`, g.float, ['B', p.length]);
    const rows = op.mul(op.gather(tt, ids, 0), op.unsqueeze(mask, [2])); // [B, L, D]
    const sum = op.reduceSum(rows, [1]);
    if (p.pooling !== 'mean') return sum;
    return op.div(sum, op.maximum(op.reduceSum(mask, [1], true), 1));
  });
  const flat = op.concat(pieces, 1);
  return shape.length === 2 ? flat : op.reshape(flat, shape);
}
