// Export of the forward graph as a standalone ONNX model: parameters become initializers, and
// (optionally) embedding tables are folded in so the model takes ids instead of gathered rows.
import { Graph, type DType, type Shape, type Tensor } from './graph.js';
import * as op from './ops/index.js';
import { serializeGraph } from './serialize.js';
import { InitializerBinding, type ParameterStore } from './store.js';
import { ensureLayout, type BuildFn } from './step.js';

export interface EmbeddingTableValues {
  values: Float32Array;
  rows: number;
  dim: number;
}

export interface FoldPart {
  /** Name of the new int64 ids input: [B] for one id, [B, L] for a multi-value feature. */
  ids: string;
  table: string;
  /** Multi-value features: pooled over L with a float mask input `${ids}_mask` [B, L]. */
  pooling?: 'sum' | 'mean';
  length?: number;
}

export interface EmbeddingFold {
  /** The model input holding gathered rows, [B, ΣD] or [B, F, D]. */
  input: string;
  /** Its pieces in order along the flattened feature axis. */
  parts: FoldPart[];
}

export interface ExportOptions {
  folds?: EmbeddingFold[];
  tables?: Record<string, EmbeddingTableValues>;
  /** Outputs to keep (default: every output the build returns). */
  outputs?: string[];
  metadata?: Record<string, string>;
}

function foldedInput(g: Graph, fold: EmbeddingFold, tables: Record<string, EmbeddingTableValues>, shape: Shape): Tensor {
  const tableTensors = new Map<string, Tensor>();
  const pieces = fold.parts.map((p) => {
    const tv = tables[p.table];
    if (!tv) throw new Error(`export: fold of "${fold.input}" needs table "${p.table}", which was not given`);
    let tt = tableTensors.get(p.table);
    if (!tt) {
      tt = g.constant(tv.values, [tv.rows, tv.dim], 'float32', `table:${p.table}`);
      tableTensors.set(p.table, tt);
    }
    if (!p.length) return op.gather(tt, g.rawInput(p.ids, 'int64', ['B']), 0); // [B, D]
    const ids = g.rawInput(p.ids, 'int64', ['B', p.length]);
    const mask = g.rawInput(`${p.ids}_mask`, 'float32', ['B', p.length]);
    const rows = op.mul(op.gather(tt, ids, 0), op.unsqueeze(mask, [2])); // [B, L, D]
    const sum = op.reduceSum(rows, [1]);
    if (p.pooling !== 'mean') return sum;
    return op.div(sum, op.maximum(op.reduceSum(mask, [1], true), 1));
  });
  const flat = op.concat(pieces, 1);
  return shape.length === 2 ? flat : op.reshape(flat, shape);
}

/** Serialize the eval-mode forward graph with the store's current values. */
export function exportForward(build: BuildFn, store: ParameterStore, o: ExportOptions = {}): Uint8Array {
  ensureLayout(build, store);
  const folds = new Map((o.folds ?? []).map((f) => [f.input, f]));
  const g = new Graph({
    training: false,
    name: 'liverank_forward',
    params: new InitializerBinding(store),
    substitute: (gr: Graph, name: string, _dtype: DType, shape: Shape) => {
      const f = folds.get(name);
      return f ? foldedInput(gr, f, o.tables ?? {}, shape) : null;
    },
  });
  const res = build(g);
  const outs = res.outputs ?? {};
  const keep = o.outputs ?? Object.keys(outs);
  for (const k of keep) {
    const t = outs[k];
    if (!t) throw new Error(`export: unknown output "${k}"; the model has ${Object.keys(outs).join(', ')}`);
    g.output(k, t);
  }
  return serializeGraph(g, { metadata: o.metadata });
}
