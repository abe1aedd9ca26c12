// The unpooled rows of a sequence feature as a graph input `seq.<feature>` [B, L, D] and its mask
// `seq.<feature>_mask` [B, L]. Training and export substitute the rows input by an in-graph
// Gather(table, ids) (train/assembler.ts, engine/lookup.ts); a plain graph (tests) takes the rows
// as fed. Every rows tensor made on a graph is recorded so the trainer can ask for its gradient.
import type { Graph, Tensor } from '../../engine/graph.js';
import { seqInput } from './config.js';

const made = new WeakMap<Graph, Map<string, Tensor>>();

/** An input of the graph by name, declared (bypassing substitution) when absent. */
export function inputOf(g: Graph, name: string, dtype: Tensor['dtype'], shape: Tensor['shape']): Tensor {
  return g.inputs.find((t) => t.name === name) ?? g.rawInput(name, dtype, shape);
}

/** The mask the blocks read, `seq.<feature>_mask` [B, L]: substituted by the ids' mask input (`ids.<feature>_mask`), or by the SIM-selected mask in the exported model. */
export const maskInput = (feature: string) => `seq.${feature}_mask`;

/** Rows [B, L, D] and mask [B, L] of a sequence feature (one input per graph, reused). */
export function sequenceRows(g: Graph, feature: string, L: number, D: number): { keys: Tensor; mask: Tensor } {
  let m = made.get(g);
  if (!m) made.set(g, (m = new Map()));
  const name = seqInput(feature);
  let keys = m.get(name);
  if (!keys) {
    keys = g.input(name, g.float, ['B', L, D]);
    m.set(name, keys);
  }
  if (keys.shape[1] !== L || keys.shape[2] !== D) throw new Error(`sequence rows "${name}": used as [B, ${L}, ${D}] and as ${keys}`);
  let mask = m.get(maskInput(feature));
  if (!mask) {
    mask = g.input(maskInput(feature), g.float, ['B', L]);
    m.set(maskInput(feature), mask);
  }
  return { keys, mask };
}

/** The rows tensors made on this graph, by input name (their gradients go back to the tables). */
export function sequenceRowTensors(g: Graph): Record<string, Tensor> {
  return Object.fromEntries([...(made.get(g) ?? [])].filter(([k]) => !k.endsWith('_mask')));
}
