// Export of the forward graph as a standalone ONNX model: parameters become initializers, and
// (optionally) embedding tables are folded in so the model takes ids instead of gathered rows.
import { Graph, type DType, type Shape, type Tensor } from './graph.js';
import { lookupRows, type LookupPart } from './lookup.js';
import { serializeGraph } from './serialize.js';
import { InitializerBinding, type ParameterStore } from './store.js';
import { ensureLayout, type BuildFn } from './step.js';

export interface EmbeddingTableValues {
  values: Float32Array;
  rows: number;
  dim: number;
}

export type FoldPart = LookupPart;

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
  /**
   * Tried before the folds for every input: computed inputs beyond gathered rows (the SIM
   * selection of models/seq/); `tableOf` gives a table's initializer (shared with the folds).
   */
  substitute?: (g: Graph, name: string, dtype: DType, shape: Shape, tableOf: (table: string) => Tensor) => Tensor | null;
}

function tableConst(g: Graph, tables: Record<string, EmbeddingTableValues>, consts: Map<string, Tensor>, who: string) {
  return (name: string) => {
    let t = consts.get(name);
    if (t) return t;
    const tv = tables[name];
    if (!tv) throw new Error(`export: ${who} needs table "${name}", which was not given`);
    t = g.constant(tv.values, [tv.rows, tv.dim], 'float32', `table:${name}`);
    consts.set(name, t);
    return t;
  };
}

function foldedInput(g: Graph, fold: EmbeddingFold, tables: Record<string, EmbeddingTableValues>, shape: Shape, consts: Map<string, Tensor>): Tensor {
  return lookupRows(g, fold.parts, tableConst(g, tables, consts, `fold of "${fold.input}"`), 'int64', shape);
}

/** Serialize the eval-mode forward graph with the store's current values. */
export function exportForward(build: BuildFn, store: ParameterStore, o: ExportOptions = {}): Uint8Array {
  ensureLayout(build, store);
  const folds = new Map((o.folds ?? []).map((f) => [f.input, f]));
  const consts = new Map<string, Tensor>(); // one initializer per table, shared by the folds that read it
  const g = new Graph({
    training: false,
    name: 'liverank_forward',
    params: new InitializerBinding(store),
    substitute: (gr: Graph, name: string, dtype: DType, shape: Shape) => {
      const sub = o.substitute?.(gr, name, dtype, shape, tableConst(gr, o.tables ?? {}, consts, `input "${name}"`));
      if (sub) return sub;
      const f = folds.get(name);
      return f ? foldedInput(gr, f, o.tables ?? {}, shape, consts) : null;
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
