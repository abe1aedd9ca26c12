// Serialization lowering: sibling Gemms — plain linear layers x·W_i (+ b_i) reading the same 2-D
// tensor x, e.g. a mixture-of-experts model's expert banks and gates — run as ONE Gemm over the
// concatenated weights [W_1 | … | W_k] and a Split of its result, and so do the products of their
// backward pass: Σ_i dY_i·W_iᵀ becomes [dY_1 | … | dY_k]·[W_1 | … | W_k]ᵀ (one Gemm instead of k Gemms
// and a k-way Sum), the weight gradients xᵀ·dY_i one Gemm split per member, the bias gradients one
// ones-row product. On ORT this saves k − 1 passes over x and its transpose per step (docs/engine.md).
// The nodes emitted are those `linearGroup` used to build by hand (stop 9), so the values are the
// same. A member holding ≥ 3/4 of the columns (an expert bank beside its small gates) keeps its own
// Gemm: splitting its output off would copy it and its gradient would be copied again by the Concat
// (measured ~6–7 ms of kernels at batch 4096 on the reference MMoE, docs/engine.md); and wide
// members that save less than those copies cost stay apart (`mergedMembers`).
// Members may read x through StopGradient (a rename once serialized). The graph autodiff sees is
// untouched; the backward products are found through autodiff's records (gradRecords) and checked
// against the forms the Gemm rule makes. Float32 graphs only, unless asked (gradient checks).
import { Tensor, type Attr, type DType, type Graph, type Node } from './graph.js';
import { gradRecords } from './autodiff.js';
import { consumersOf } from './graph-walk.js';

export interface SiblingOptions {
  /** Keep sibling Gemms apart (also `LIVERANK_PLAIN_GEMMS=1`). */
  plainGemms?: boolean;
  /** Merge float64 siblings too (for gradient checks of this lowering; float64 graphs are otherwise left alone). */
  mergeFloat64?: boolean;
}

export interface Lowered {
  /** The nodes to emit, in a topological order. */
  nodes: Node[];
  /** Constants the new nodes read (split sizes, zero biases). */
  consts: Tensor[];
}

interface Member {
  node: Node;
  w: Tensor;
  b: Tensor | null;
  /** Output columns. */
  n: number;
}

const int = (v: number): Attr => ({ kind: 'int', v });
const intAttr = (n: Node, k: string, dflt: number) => (n.attrs[k]?.kind === 'int' ? (n.attrs[k] as { v: number }).v : dflt);
const floatAttr = (n: Node, k: string) => (n.attrs[k]?.kind === 'float' ? (n.attrs[k] as { v: number }).v : 1);
const isStatic = (t: Tensor) => t.shape.every((d) => typeof d === 'number');
const producer = (t: Tensor | null | undefined) => (t && t.source.kind === 'node' ? t.source.node : null);
/** The tensor whose data `t` is: StopGradient and Identity are renames when serialized. */
function dataOf(t: Tensor): Tensor {
  for (let p = producer(t); p && (p.op === 'StopGradient' || p.op === 'Identity'); p = producer(t)) t = p.inputs[0]!;
  return t;
}

/** A plain product x·W (+ b) with 2-D x, static 2-D W and, if any, a static bias [N]. */
function memberOf(n: Node, dtypes: ReadonlySet<DType>): Member | null {
  if (n.op !== 'Gemm' && n.op !== 'MatMul') return null;
  const [a, w, b] = n.inputs;
  if (!a || !w || a.rank !== 2 || w.rank !== 2 || !dtypes.has(a.dtype) || !isStatic(w)) return null;
  if (n.op === 'Gemm') {
    if (intAttr(n, 'transA', 0) || intAttr(n, 'transB', 0) || floatAttr(n, 'alpha') !== 1 || floatAttr(n, 'beta') !== 1) return null;
    if (b && (b.rank !== 1 || !isStatic(b))) return null;
  }
  return { node: n, w, b: b ?? null, n: w.shape[1] as number };
}

/**
 * The siblings (on an input of width K) merged into one Gemm: all of them, or all but one holding
 * ≥ 3/4 of the columns (linearGroup's rule) — and only if the merged columns N ≤ (k − 1)·K for k
 * members: the Split of the output, the Concat of its gradient and the activations ORT can no longer
 * fuse into the Gemm are ~3 passes over [B, N]; each member merged away saves a Transpose of x and a
 * term of x's gradient sum, ~3 passes over [B, K] (docs/engine.md).
 */
export function mergedMembers<T extends { n: number }>(siblings: T[], K: number): T[] {
  if (siblings.length < 2) return [];
  const total = siblings.reduce((s, m) => s + m.n, 0);
  const big = siblings.findIndex((m) => m.n * 4 >= total * 3);
  const rest = big < 0 ? siblings : siblings.filter((_, i) => i !== big);
  const N = rest.reduce((s, m) => s + m.n, 0);
  return rest.length >= 2 && N <= (rest.length - 1) * K ? rest : [];
}

/** Whether `t` is computed from an output of `targets` (node ids); nodes before `floor` cannot be. */
function dependsOn(ts: (Tensor | null)[], targets: ReadonlySet<number>, floor: number, pos: ReadonlyMap<number, number>): boolean {
  const stack = ts.filter((t): t is Tensor => t !== null);
  const seen = new Set<number>();
  while (stack.length) {
    const p = producer(stack.pop());
    if (!p || seen.has(p.id)) continue;
    seen.add(p.id);
    if (targets.has(p.id)) return true;
    if ((pos.get(p.id) ?? -1) >= floor) for (const t of p.inputs) if (t) stack.push(t);
  }
  return false;
}

type Out = Tensor | { dtype: DType; shape: (number | string)[] };

/** Builds the replacement nodes; `rank` orders them among the originals (position in the node list). */
class Rewriter {
  readonly added: { node: Node; rank: number }[] = [];
  readonly removed = new Set<number>();
  readonly consts: Tensor[] = [];
  private next = -1;
  constructor(private readonly graph: Graph) {}

  constant(dtype: DType, shape: number[], data: Float32Array | Float64Array | BigInt64Array): Tensor {
    const id = this.next--;
    const t = new Tensor(this.graph, id, dtype, shape, { kind: 'const', data }, `__sg${-id}`);
    this.consts.push(t);
    return t;
  }

  /** A node writing `outs`: existing tensors keep their identity (their consumers now read this node), specs get new tensors. */
  node(op: string, inputs: Tensor[], outs: Out[], attrs: Record<string, Attr>, rank: number): Tensor[] {
    const node: Node = { id: this.next--, op, inputs, outputs: [], attrs };
    outs.forEach((o, index) => {
      const id = this.next--;
      node.outputs.push(o instanceof Tensor ? o : new Tensor(this.graph, id, o.dtype, o.shape, { kind: 'node', node, index }, `__sg${-id}`));
    });
    this.added.push({ node, rank: rank + this.added.length * 1e-6 });
    return node.outputs;
  }

  out(op: string, inputs: Tensor[], dtype: DType, shape: (number | string)[], attrs: Record<string, Attr>, rank: number): Tensor {
    return this.node(op, inputs, [{ dtype, shape }], attrs, rank)[0]!;
  }

  split(x: Tensor, outs: Out[], axis: number, rank: number): void {
    const sizes = this.constant('int64', [outs.length], BigInt64Array.from(outs, (t) => BigInt(t.shape[axis] as number)));
    this.node('Split', [x, sizes], outs, { axis: int(axis) }, rank);
  }
}

const isOnes = (t: Tensor) => {
  const p = producer(t), src = p?.op === 'Expand' ? p.inputs[0]! : t;
  return src.source.kind === 'const' && Array.prototype.every.call(src.source.data, (v: number) => Number(v) === 1);
};

/**
 * The nodes with sibling Gemms merged (see the header); `nodes` are the nodes to emit in graph order,
 * `kept` the tensors that must keep their own name (graph outputs). Returns a copy of `nodes` when
 * nothing merges.
 */
export function mergeSiblingGemms(nodes: readonly Node[], kept: ReadonlySet<number>, o: SiblingOptions = {}): Lowered {
  const unchanged = { nodes: [...nodes], consts: [] };
  if (o.plainGemms || process.env.LIVERANK_PLAIN_GEMMS === '1') return unchanged;
  const dtypes = new Set<DType>(o.mergeFloat64 ? ['float32', 'float64'] : ['float32']);
  const pos = new Map(nodes.map((n, i) => [n.id, i]));
  const groups = new Map<number, Member[]>();
  for (const n of nodes) {
    const m = memberOf(n, dtypes);
    const x = m && dataOf(n.inputs[0]!);
    if (x) (groups.get(x.id) ?? groups.set(x.id, []).get(x.id)!).push(m!);
  }
  const plans = [...groups.values()].map((s) => mergedMembers(s, s[0]!.w.shape[0] as number)).filter((ms) => ms.length >= 2);
  if (plans.length === 0) return unchanged;
  const consumers = consumersOf(nodes);
  const rw = new Rewriter(plans[0]![0]!.node.inputs[0]!.graph);
  for (const ms of plans) {
    const ids = new Set(ms.map((m) => m.node.id));
    const first = Math.min(...ms.map((m) => pos.get(m.node.id)!));
    // A weight computed from a member's output would make the merged Gemm its own input.
    if (dependsOn(ms.flatMap((m) => [m.w, m.b]), ids, first, pos)) continue;
    const wc = mergeForward(rw, ms, first);
    mergeBackward(rw, ms, wc, pos, consumers, kept);
  }
  if (rw.added.length === 0) return unchanged;
  const sorted = schedule(nodes, rw, kept);
  if (!sorted) {
    process.emitWarning('sibling-gemms: merging would make a cycle; Gemms left apart');
    return unchanged;
  }
  return { nodes: sorted, consts: rw.consts };
}

/** Y = x·[W_1 | … | W_k] (+ [b_1 | … | b_k], zeros for members without bias), split into the members' outputs. */
function mergeForward(rw: Rewriter, ms: Member[], rank: number): Tensor {
  const x = dataOf(ms[0]!.node.inputs[0]!), dt = x.dtype;
  const K = ms[0]!.w.shape[0] as number, N = ms.reduce((s, m) => s + m.n, 0);
  const wc = rw.out('Concat', ms.map((m) => m.w), dt, [K, N], { axis: int(1) }, rank);
  const zeros = (n: number) => rw.constant(dt, [n], dt === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const bc = ms.some((m) => m.b) ? rw.out('Concat', ms.map((m) => m.b ?? zeros(m.n)), dt, [N], { axis: int(0) }, rank) : null;
  const y = rw.out('Gemm', bc ? [x, wc, bc] : [x, wc], dt, [x.shape[0]!, N], {}, rank);
  rw.split(y, ms.map((m) => m.node.outputs[0]!), 1, rank);
  for (const m of ms) rw.removed.add(m.node.id);
  return wc;
}

/**
 * The members' backward products as linearGroup's backward computed them, from D = [dY_1 | … | dY_k]:
 * the input gradient D·Wcᵀ (replacing the k terms of x's gradient sum), the weight gradients
 * xᵀ·D split per member, the bias gradients ones·D split per member. Each kind merges only when
 * every member has it in the form the Gemm rule makes; otherwise the members keep theirs.
 */
function mergeBackward(
  rw: Rewriter, ms: Member[], wc: Tensor, pos: ReadonlyMap<number, number>,
  consumers: ReadonlyMap<number, Node[]>, kept: ReadonlySet<number>,
): void {
  const recs = ms.map((m) => gradRecords(m.node));
  if (recs.some((r) => r.length !== 1 || !r[0]!.dy[0])) return;
  const d = recs.map((r) => r[0]!.dy[0]!);
  const x = dataOf(ms[0]!.node.inputs[0]!), dt = x.dtype;
  const emitted = (t: Tensor | null | undefined): Node | null => {
    const p = producer(t);
    return p && pos.has(p.id) ? p : null;
  };
  const gemmOf = (t: Tensor | null | undefined, a: Tensor | null, b: Tensor, transB: number): Node | null => {
    const p = emitted(t);
    if (!p || p.op !== 'Gemm' || p.inputs.length !== 2 || p.inputs[1] !== b || (a && p.inputs[0] !== a)) return null;
    return intAttr(p, 'transA', 0) === 0 && intAttr(p, 'transB', 0) === transB && floatAttr(p, 'alpha') === 1 ? p : null;
  };
  // Input gradients dY_i·W_iᵀ, every one a term of the same sum (x's gradient).
  const dA = ms.map((m, i) => gemmOf(recs[i]![0]!.dx[0], d[i]!, m.w, 1));
  const users = dA.map((p) => (p ? consumers.get(p.outputs[0]!.id) ?? [] : []));
  const sum = users[0]?.[0];
  const sumOk = !!sum && (sum.op === 'Add' || sum.op === 'Sum') && dA.every((p, i) => p && !kept.has(p.outputs[0]!.id)
    && users[i]!.length === 1 && users[i]![0] === sum
    && sum.inputs.filter((t) => t === p.outputs[0]).length === 1);
  // Weight gradients Transpose(x)·dY_i.
  const dB = ms.map((_, i) => {
    const p = emitted(recs[i]![0]!.dx[1]);
    const t = producer(p?.inputs[0]);
    const transposed = t?.op === 'Transpose' && dataOf(t.inputs[0]!) === x && t.attrs.perm?.kind === 'ints' && t.attrs.perm.v.join() === '1,0';
    return p && transposed && gemmOf(p.outputs[0], null, d[i]!, 0) ? p : null;
  });
  // Bias gradients Reshape(ones[1, B]·dY_i) (sumToShape); the product is replaced, the Reshape kept.
  const biased = ms.map((m, i) => (m.b ? i : -1)).filter((i) => i >= 0);
  const dC = ms.map((m, i) => {
    if (!m.b) return null;
    const r = emitted(recs[i]![0]!.dx[2]);
    const p = r?.op === 'Reshape' ? emitted(r.inputs[0]) : null;
    return p && p.op === 'MatMul' && p.inputs[1] === d[i] && p.inputs[0]!.shape[0] === 1 && isOnes(p.inputs[0]!)
      && (consumers.get(p.outputs[0]!.id) ?? []).length === 1 ? p : null;
  });
  const doA = sumOk, doB = dB.every((p) => p), doC = biased.length > 0 && biased.every((i) => dC[i]);
  if (!doA && !doB && !doC) return;
  const replaced = [...(doA ? [...dA, sum] : []), ...(doB ? dB : []), ...(doC ? dC : [])].filter((p): p is Node => !!p);
  const ids = new Set(replaced.map((p) => p.id));
  const rank = Math.max(...replaced.map((p) => pos.get(p.id)!));
  if (dependsOn(d, ids, Math.min(...replaced.map((p) => pos.get(p.id)!)), pos)) return;
  const rows = d[0]!.shape[0]!, N = wc.shape[1] as number, K = wc.shape[0] as number;
  const D = rw.out('Concat', d, dt, [rows, N], { axis: int(1) }, rank);
  if (doA) {
    const dx = rw.out('Gemm', [D, wc], dt, [rows, K], { transB: int(1) }, rank);
    const terms = dA.map((p) => p!.outputs[0]!);
    const rest = sum!.inputs.flatMap((t) => (!t || terms.includes(t) ? (t === terms[0] ? [dx] : []) : [t]));
    rw.node(rest.length === 1 ? 'Identity' : rest.length === 2 ? 'Add' : 'Sum', rest, sum!.outputs, {}, pos.get(sum!.id)!);
  }
  if (doB) {
    const dw = rw.out('Gemm', [dB[0]!.inputs[0]!, D], dt, [K, N], {}, rank);
    rw.split(dw, dB.map((p) => p!.outputs[0]!), 1, rank);
  }
  if (doC) {
    const ones = dC[biased[0]!]!.inputs[0]!;
    const db = rw.out('MatMul', [ones, D], dt, [1, N], {}, rank);
    rw.split(db, ms.map((m, i): Out => dC[i]?.outputs[0] ?? { dtype: dt, shape: [1, m.n] }), 1, rank);
  }
  for (const p of replaced) rw.removed.add(p.id);
}

/**
 * The surviving original nodes and the new ones, pruned to what `kept` needs and ordered
 * topologically, ties broken by position (so an unchanged region keeps its order). Null on a cycle.
 */
function schedule(nodes: readonly Node[], rw: Rewriter, kept: ReadonlySet<number>): Node[] | null {
  const all = [
    ...nodes.map((node, i) => ({ node, rank: i })).filter((e) => !rw.removed.has(e.node.id)),
    ...rw.added,
  ];
  const byOut = new Map<number, { node: Node; rank: number }>();
  for (const e of all) for (const t of e.node.outputs) byOut.set(t.id, e);
  // Needed nodes, from the kept tensors back.
  const need = new Set<{ node: Node; rank: number }>();
  const stack = [...kept].map((id) => byOut.get(id)).filter((e) => e !== undefined);
  while (stack.length) {
    const e = stack.pop()!;
    if (need.has(e)) continue;
    need.add(e);
    for (const t of e.node.inputs) { const p = t && byOut.get(t.id); if (p) stack.push(p); }
  }
  const waiting = new Map<{ node: Node; rank: number }, number>();
  const users = new Map<{ node: Node; rank: number }, { node: Node; rank: number }[]>();
  for (const e of need) {
    let k = 0;
    for (const t of e.node.inputs) {
      const p = t && byOut.get(t.id);
      if (p && need.has(p)) { k++; (users.get(p) ?? users.set(p, []).get(p)!).push(e); }
    }
    waiting.set(e, k);
  }
  const heap = new MinHeap<{ node: Node; rank: number }>((a, b) => a.rank - b.rank);
  for (const [e, k] of waiting) if (k === 0) heap.push(e);
  const out: Node[] = [];
  while (heap.size) {
    const e = heap.pop();
    out.push(e.node);
    for (const u of users.get(e) ?? []) {
      const k = waiting.get(u)! - 1;
      waiting.set(u, k);
      if (k === 0) heap.push(u);
    }
  }
  return out.length === need.size ? out : null;
}

class MinHeap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => number) {}
  get size(): number { return this.a.length; }
  push(v: T): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T {
    const a = this.a, top = a[0]!, last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
