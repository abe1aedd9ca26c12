// Serialization lowering: a float32 ReduceSum over the leading axis of [n, ...] with a small static
// n (the MoE mixture Σ_e g_e·E_e over [experts, B, d]) is emitted as ones[1, n] · x[n, rest] and a
// Reshape. ORT's ReduceSum over a non-trailing axis is slow (2.5 ms on [4, 4096, 128]); the product
// takes MLAS's one-row path (0.6 ms), which adds the n rows in the same order, so the sums are
// bit-identical (docs/engine.md, "Stop 10"). The graph keeps its ReduceSum, so autodiff is unchanged.
import type { Node } from './graph.js';
import type { Emit } from './graph-walk.js';

/** Largest leading dim lowered (the one-row product streams x once whatever n is; keep it to mixtures). */
export const MAX_LEADING = 64;

/** n when `node` sums a float32 tensor over axis 0 only and n = dim 0 is static and 2..MAX_LEADING. */
export function leadingSum(node: Node): number | null {
  if (node.op !== 'ReduceSum' || node.inputs.length !== 2) return null;
  const [x, axes] = node.inputs;
  if (!x || !axes || x.dtype !== 'float32' || x.rank < 2 || axes.source.kind !== 'const') return null;
  const ax = Array.from(axes.source.data as BigInt64Array, Number);
  const n = x.shape[0];
  if (ax.length !== 1 || (ax[0] !== 0 && ax[0] !== -x.rank) || typeof n !== 'number' || n < 2 || n > MAX_LEADING) return null;
  return n;
}

/** Emit Σ over axis 0 of `x` (n rows) into `out`; `ints`/`ones` make int64 / float32-ones initializers. */
export function emitLeadingSum(
  emit: Emit, ints: (v: number[]) => string, ones: (n: number) => string, prefix: string,
  x: string, n: number, keepdims: boolean, out: string,
): void {
  const p = prefix;
  emit('Reshape', [x, ints([n, -1])], [`${p}_flat`]);
  emit('MatMul', [ones(n), `${p}_flat`], [`${p}_sum`]);
  emit('Shape', [x], [`${p}_rest`], { start: { kind: 'int', v: 1 } });
  if (!keepdims) {
    emit('Reshape', [`${p}_sum`, `${p}_rest`], [out]);
    return;
  }
  emit('Reshape', [`${p}_sum`, `${p}_rest`], [`${p}_nokeep`]);
  emit('Unsqueeze', [`${p}_nokeep`, ints([0])], [out]);
}
