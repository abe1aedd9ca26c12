// Reverse-mode automatic differentiation over a Graph. Each op's rule lives in ./gradients/ and is
// looked up by op name; this file only walks the graph, prunes and accumulates.
import type { Node, Tensor } from './graph.js';
import { addN } from './ops/elementwise.js';
import { expandLike } from './ops/shape-ops.js';

export interface GradContext {
  node: Node;
  /** The node's inputs (null for omitted optional inputs). */
  x: readonly (Tensor | null)[];
  /** The node's outputs. */
  y: readonly Tensor[];
  /** Gradient of the loss w.r.t. each output (null when that output does not reach the loss). */
  dy: readonly (Tensor | null)[];
  /** Whether input i needs a gradient (rules skip the rest, which prunes unused work). */
  needs: readonly boolean[];
}

/** Returns one gradient per input (null/undefined = none). */
export type GradRule = (c: GradContext) => (Tensor | null | undefined)[];

const rules = new Map<string, GradRule>();
const nonDifferentiable = new Set<string>();

/** What `gradients` made for one node: the output gradients its rule read and the input gradients it returned. */
export interface GradRecord {
  dy: readonly (Tensor | null)[];
  /** Only entries the walk used (inputs that needed a gradient); the rest are null. */
  dx: readonly (Tensor | null)[];
}
const records = new WeakMap<Node, GradRecord[]>();

/** The gradient records of a node, one per `gradients` call that differentiated it (lowerings read them). */
export function gradRecords(n: Node): readonly GradRecord[] {
  return records.get(n) ?? [];
}

export function registerGradient(op: string, rule: GradRule): void {
  if (rules.has(op)) throw new Error(`gradient for ${op} registered twice`);
  rules.set(op, rule);
}

/** Ops whose outputs carry no gradient (comparisons, shapes, randomness, StopGradient). */
export function registerNonDifferentiable(...ops: string[]): void {
  for (const op of ops) nonDifferentiable.add(op);
}

export function hasGradient(op: string): boolean {
  return rules.has(op) || nonDifferentiable.has(op);
}

/**
 * Gradients of the scalar (or seeded) `loss` w.r.t. each tensor in `wrt`. Only nodes on a path
 * from some `wrt` tensor to the loss are differentiated. A `wrt` tensor the loss does not depend
 * on gets null.
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[], seed?: Tensor): (Tensor | null)[] {
  const g = loss.graph;
  for (const w of wrt) if (w.graph !== g) throw new Error(`gradients: ${w} is from another graph`);
  if (!seed && !(loss.rank === 0 || loss.shape.every((d) => d === 1))) {
    throw new Error(`gradients: loss ${loss} is not a scalar; pass a seed gradient`);
  }
  // Forward reachability from wrt.
  const fromWrt = new Set<number>(wrt.map((t) => t.id));
  const nodes = g.nodes;
  const lastIdx = nodes.findIndex((n) => n.outputs.includes(loss));
  const upto = lastIdx < 0 ? -1 : lastIdx;
  for (let i = 0; i <= upto; i++) {
    const n = nodes[i]!;
    if (nonDifferentiable.has(n.op)) continue;
    if (n.inputs.some((t) => t && fromWrt.has(t.id))) for (const o of n.outputs) fromWrt.add(o.id);
  }
  // Backward reachability from loss, restricted to tensors reachable from wrt.
  const toLoss = new Set<number>([loss.id]);
  const active: Node[] = [];
  for (let i = upto; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => toLoss.has(o.id))) continue;
    if (nonDifferentiable.has(n.op)) continue;
    if (!n.inputs.some((t) => t && fromWrt.has(t.id))) continue;
    active.push(n);
    for (const t of n.inputs) if (t && fromWrt.has(t.id)) toLoss.add(t.id);
  }

  const contrib = new Map<number, Tensor[]>();
  const push = (t: Tensor, d: Tensor) => {
    const list = contrib.get(t.id);
    if (list) list.push(d);
    else contrib.set(t.id, [d]);
  };
  const total = (t: Tensor): Tensor | null => {
    const list = contrib.get(t.id);
    if (!list || list.length === 0) return null;
    const s = list.length === 1 ? list[0]! : addN(list);
    contrib.set(t.id, [s]);
    return s;
  };
  push(loss, seed ?? expandLike(g.scalar(1, loss.dtype), loss));

  for (const n of active) {
    const dy = n.outputs.map(total);
    if (dy.every((d) => d === null)) continue;
    const rule = rules.get(n.op);
    if (!rule) throw new Error(`no gradient rule for op ${n.op}`);
    const needs = n.inputs.map((t) => !!t && t.isFloat && fromWrt.has(t.id) && toLoss.has(t.id));
    const dx = rule({ node: n, x: n.inputs, y: n.outputs, dy, needs });
    const used = n.inputs.map((t, i) => (t && needs[i] && dx[i] ? dx[i]! : null));
    (records.get(n) ?? records.set(n, []).get(n)!).push({ dy, dx: used });
    n.inputs.forEach((t, i) => {
      const d = dx[i];
      if (t && needs[i] && d) {
        if (d.dtype !== t.dtype) throw new Error(`gradient of ${n.op} input ${i}: dtype ${d.dtype} ≠ ${t.dtype}`);
        push(t, d);
      }
    });
  }
  return wrt.map((w) => total(w));
}
