// Serialization lowering: a batch-sized float32 Gemm runs over row blocks of ≥ ROW_BLOCK rows.
// ORT's MLAS SGEMM packs a panel of B and then streams every row of A and C past it, with no
// blocking over the rows: at 4096 rows a 128-column slice of C is 2 MB and falls out of the 512 KB
// L2 between the K slices; blocks of 1024 rows keep it there (docs/engine.md, "Stop 10"). With a
// bias or a Relu to fuse: Split → a Gemm per block → Concat. Without: one batched MatMul over A
// viewed as [k, rows / k, K] (no copy) and B expanded to [k, K, N]. Each row of C is computed by the
// same kernel in the same order either way, so the result is bit-identical.
import type { Attr, Graph, Node, Tensor } from './graph.js';
import { consumersOf, neededNodes, type Emit } from './graph-walk.js';
import { mergeSiblingGemms, type SiblingOptions } from './sibling-gemms.js';

/** Rows per block. */
export const ROW_BLOCK = 1024;
/** Most blocks per Gemm (rows are shared out evenly among ⌊rows / ROW_BLOCK⌋ of them, at most this many). */
export const ROW_BLOCKS = 4;
/** Smallest K · N worth blocking: below it the product is cheap and the copies are not. */
export const MIN_WEIGHT = 1 << 16;

export interface RowBlockPlan {
  /** A Relu whose only input is the Gemm's output (its only consumer): applied per block, so ORT fuses it. */
  relu: Node | null;
}

const numeric = (t: Tensor) => t.shape.every((d) => typeof d === 'number');

/** Gemm nodes to emit in row blocks, keyed by node id; `kept` are tensors that must keep their own name. */
export function rowBlockedGemms(nodes: readonly Node[], kept: ReadonlySet<number>): Map<number, RowBlockPlan> {
  const consumers = consumersOf(nodes);
  const plans = new Map<number, RowBlockPlan>();
  for (const n of nodes) {
    if (n.op !== 'Gemm') continue;
    const [a, b, c] = n.inputs as (Tensor | null)[];
    const transA = n.attrs.transA?.kind === 'int' && n.attrs.transA.v === 1;
    if (!a || !b || transA || a.dtype !== 'float32' || typeof a.shape[0] !== 'string' || !numeric(b)) continue;
    if ((b.shape[0] as number) * (b.shape[1] as number) < MIN_WEIGHT) continue;
    // A bias with a row per example would need splitting too; the layers' biases are [N] or [1, N].
    if (c && (!numeric(c) || (c.rank === 2 && c.shape[0] !== 1))) continue;
    const y = n.outputs[0]!;
    const users = consumers.get(y.id) ?? [];
    const relu = !kept.has(y.id) && users.length === 1 && users[0]!.op === 'Relu' ? users[0]! : null;
    plans.set(n.id, { relu });
  }
  return plans;
}

/**
 * The symbolic row dims of the Gemms `g` would emit in blocks (empty: nothing to block), after
 * sibling Gemms are merged as serialization merges them. Below 2 · ROW_BLOCK rows the blocked form
 * is one block plus two copies, so the Runner keeps a session of the whole form for those batches.
 */
export function blockedRowSymbols(g: Graph, o: SiblingOptions = {}): Set<string> {
  const roots = [...g.outputs.values()];
  const kept = new Set(roots.map((t) => t.id));
  const { nodes } = mergeSiblingGemms(neededNodes(g, roots), kept, o);
  const plans = rowBlockedGemms(nodes, kept);
  return new Set(nodes.filter((n) => plans.has(n.id)).map((n) => n.inputs[0]!.shape[0] as string));
}

type Ints = (v: number[]) => string;
const int = (v: number): Attr => ({ kind: 'int', v });

/** Emits `${p}_rows` (A's row count, int64 [1]) and `${p}_q` = clamp(⌊rows / ROW_BLOCK⌋, 1, ROW_BLOCKS). */
function emitBlockCount(emit: Emit, ints: Ints, p: string, a: string): void {
  emit('Shape', [a], [`${p}_rows`], { start: int(0), end: int(1) });
  emit('Div', [`${p}_rows`, ints([ROW_BLOCK])], [`${p}_q0`]);
  emit('Max', [`${p}_q0`, ints([1])], [`${p}_q1`]);
  emit('Min', [`${p}_q1`, ints([ROW_BLOCKS])], [`${p}_q`]);
}

/**
 * Emit a planned Gemm: `ins` are its input names, `out` the name of its result (the Relu's output
 * when the plan moves the Relu into the blocks). `ints` makes an int64 initializer and returns its name.
 */
export function emitRowBlocked(
  emit: Emit, ints: Ints, p: string, ins: string[], attrs: Record<string, Attr>, relu: boolean, out: string,
): void {
  // k = clamp(⌊rows / ROW_BLOCK⌋, 1, ROW_BLOCKS) blocks of (nearly) equal size: bounds
  // e[i] = min(⌊i · rows / k⌋, rows) for i = 0..ROW_BLOCKS, sizes e[i+1] − e[i] (empty past k). Every
  // non-empty block has ≥ ROW_BLOCK rows unless there is only one, so MLAS never takes its
  // one-row path for a block (it sums in another order) and the result stays bit-identical.
  emitBlockCount(emit, ints, p, ins[0]!);
  emit('Mul', [ints(Array.from({ length: ROW_BLOCKS + 1 }, (_, i) => i)), `${p}_rows`], [`${p}_ir`]);
  emit('Div', [`${p}_ir`, `${p}_q`], [`${p}_e0`]);
  emit('Min', [`${p}_e0`, `${p}_rows`], [`${p}_e`]);
  emit('Slice', [`${p}_e`, ints([1]), ints([ROW_BLOCKS + 1])], [`${p}_hi`]);
  emit('Slice', [`${p}_e`, ints([0]), ints([ROW_BLOCKS])], [`${p}_lo`]);
  emit('Sub', [`${p}_hi`, `${p}_lo`], [`${p}_sizes`]);
  const parts = Array.from({ length: ROW_BLOCKS }, (_, i) => `${p}_a${i}`);
  emit('Split', [ins[0]!, `${p}_sizes`], parts, { axis: int(0) });
  const outs = parts.map((a, i) => {
    const y = `${p}_y${i}`;
    emit('Gemm', [a, ...ins.slice(1)], [y], attrs);
    if (!relu) return y;
    emit('Relu', [y], [`${y}_r`]);
    return `${y}_r`;
  });
  emit('Concat', outs, [out], { axis: int(0) });
}

/**
 * Emit a planned Gemm without bias, Relu or alpha as ONE batched MatMul over row blocks: A viewed
 * as [k, rows / k, K] (no copy) against B expanded to [k, K, N] (k copies of the small weight), the
 * result viewed back as [rows, N]; k = clamp(⌊rows / ROW_BLOCK⌋, 1, ROW_BLOCKS) when it divides
 * rows, else 1. Saves the Split and Concat copies of the blocked form.
 */
export function emitRowBatched(
  emit: Emit, ints: Ints, p: string, ins: string[], transB: boolean, K: number, N: number, out: string,
): void {
  emitBlockCount(emit, ints, p, ins[0]!);
  emit('Mod', [`${p}_rows`, `${p}_q`], [`${p}_rem`]);
  emit('Equal', [`${p}_rem`, ints([0])], [`${p}_ok`]);
  emit('Where', [`${p}_ok`, `${p}_q`, ints([1])], [`${p}_k`]);
  emit('Concat', [`${p}_k`, ints([-1, K])], [`${p}_ashape`], { axis: int(0) });
  emit('Reshape', [ins[0]!, `${p}_ashape`], [`${p}_a3`]);
  emit('Concat', [`${p}_k`, ints([1, 1])], [`${p}_bshape`], { axis: int(0) });
  emit('Expand', [ins[1]!, `${p}_bshape`], [`${p}_b3`]);
  // A transposed B stays a Transpose feeding the MatMul: ORT fuses the pair into FusedMatMul with
  // transB, which packs B the way Gemm's transB does (same kernels, same sums, also at one row).
  let b = `${p}_b3`;
  if (transB) { emit('Transpose', [b], [`${p}_bt`], { perm: { kind: 'ints', v: [0, 2, 1] } }); b = `${p}_bt`; }
  emit('MatMul', [`${p}_a3`, b], [`${p}_y3`]);
  emit('Reshape', [`${p}_y3`, ints([-1, N])], [out]);
}
