// Gradients of shape manipulation ops.
import { registerGradient, registerNonDifferentiable } from '../autodiff.js';
import type { Tensor } from '../graph.js';
import {
  concat, pad, reshapeLike, scatterNDAdd, shapeOf, slice, split, splitBySizes, sumToShape, transpose, unsqueeze, zerosLike,
} from '../ops/shape-ops.js';
import { cast } from '../ops/elementwise.js';

registerNonDifferentiable(
  'Shape', 'Greater', 'Less', 'Equal', 'And', 'Not', 'Sign', 'StopGradient', 'RandomUniformLike',
  'ReduceProd', 'ConstantOfShape',
);

registerGradient('Reshape', ({ x, dy }) => [reshapeLike(dy[0]!, x[0]!), null]);
registerGradient('Squeeze', ({ x, dy }) => [reshapeLike(dy[0]!, x[0]!), null]);
registerGradient('Unsqueeze', ({ x, dy }) => [reshapeLike(dy[0]!, x[0]!), null]);
registerGradient('Expand', ({ x, dy }) => [sumToShape(dy[0]!, x[0]!), null]);

registerGradient('Transpose', ({ node, dy }) => {
  const p = node.attrs.perm;
  if (!p || p.kind !== 'ints') throw new Error('Transpose gradient: missing perm');
  const inv = new Array<number>(p.v.length);
  p.v.forEach((v, i) => (inv[v] = i));
  return [transpose(dy[0]!, inv)];
});

registerGradient('Concat', ({ node, x, dy }) => {
  const axis = node.attrs.axis!.kind === 'int' ? (node.attrs.axis as { v: number }).v : 0;
  const sizes = x.map((t) => t!.shape[axis]!);
  if (sizes.every((s) => typeof s === 'number')) return split(dy[0]!, sizes as number[], axis);
  // Pieces of run-time size (e.g. rows grouped by domain): split dy by the inputs' runtime sizes.
  const runtime = concat(x.map((t) => slice(shapeOf(t!), [axis], [axis + 1], [0])), 0);
  return splitBySizes(dy[0]!, runtime, x.length, axis, sizes);
});

registerGradient('Split', ({ node, y, dy }) => {
  const axis = node.attrs.axis!.kind === 'int' ? (node.attrs.axis as { v: number }).v : 0;
  const parts = y.map((t, i) => dy[i] ?? zerosLike(t));
  return [concat(parts, axis), null];
});

function constInts(t: Tensor | null | undefined, what: string): number[] {
  if (!t || t.source.kind !== 'const') throw new Error(`gradient: ${what} must be a constant`);
  return Array.from(t.source.data as BigInt64Array, Number);
}

registerGradient('Slice', ({ x, dy }) => {
  const data = x[0]!;
  const starts = constInts(x[1], 'Slice starts');
  const ends = constInts(x[2], 'Slice ends');
  const axes = x[3] ? constInts(x[3], 'Slice axes') : starts.map((_, i) => i);
  const pads = new Array<number>(2 * data.rank).fill(0);
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + data.rank : a0;
    const d = data.shape[a]!;
    if (typeof d !== 'number') throw new Error(`Slice gradient: sliced dim ${a} of ${data} must be static`);
    const cl = (v: number) => Math.max(0, Math.min(d, v < 0 ? v + d : v));
    const s = cl(starts[i]!), e = cl(ends[i]!);
    pads[a] = s;
    pads[a + data.rank] = d - e;
  });
  return [pad(dy[0]!, pads), null, null, null, null];
});

registerGradient('Pad', ({ x, dy }) => {
  const pads = constInts(x[1], 'Pad pads');
  const r = x[0]!.rank;
  const starts: number[] = [], ends: number[] = [], axes: number[] = [];
  for (let a = 0; a < r; a++) {
    if (pads[a] === 0 && pads[a + r] === 0) continue;
    starts.push(pads[a]!);
    ends.push(-pads[a + r]! || Number.MAX_SAFE_INTEGER);
    axes.push(a);
  }
  return [axes.length ? slice(dy[0]!, starts, ends, axes) : dy[0]!, null, null];
});

// Gather's transpose is a scatter-add into zeros (duplicates accumulate).
registerGradient('Gather', ({ node, x, dy }) => {
  const data = x[0]!;
  const axis = node.attrs.axis?.kind === 'int' ? node.attrs.axis.v : 0;
  const idx = cast(x[1]!, 'int64');
  if (axis === 0) return [scatterNDAdd(zerosLike(data), unsqueeze(idx, [-1]), dy[0]!), null];
  // Move the gathered axis first, scatter, move it back.
  const permData = [axis, ...data.shape.map((_, i) => i).filter((i) => i !== axis)];
  const dataT = transpose(data, permData);
  const ir = idx.rank;
  const d = dy[0]!;
  const permDy = [
    ...Array.from({ length: ir }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: d.rank - axis - ir }, (_, i) => axis + ir + i),
  ];
  const scattered = scatterNDAdd(zerosLike(dataT), unsqueeze(idx, [-1]), transpose(d, permDy));
  const inv = new Array<number>(permData.length);
  permData.forEach((v, i) => (inv[v] = i));
  return [transpose(scattered, inv), null];
});
