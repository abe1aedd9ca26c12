// Walks over a graph's nodes shared by serialization and its lowerings.
import type { Attr, Graph, Node, Tensor } from './graph.js';

/** How serialization emits an ONNX node (names of inputs and outputs); lowerings call it too. */
export type Emit = (op: string, ins: string[], outs: string[], attrs?: Record<string, Attr>) => void;

/** Nodes needed for `roots`, in graph order. */
export function neededNodes(g: Graph, roots: Tensor[]): Node[] {
  const need = new Set<number>(roots.map((t) => t.id));
  const out: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => need.has(o.id))) continue;
    out.push(n);
    for (const t of n.inputs) if (t) need.add(t.id);
  }
  return out.reverse();
}

/** For each tensor id, the nodes among `nodes` that read it (once per input slot). */
export function consumersOf(nodes: readonly Node[]): Map<number, Node[]> {
  const consumers = new Map<number, Node[]>();
  for (const n of nodes) for (const t of n.inputs) if (t) (consumers.get(t.id) ?? consumers.set(t.id, []).get(t.id)!).push(n);
  return consumers;
}
