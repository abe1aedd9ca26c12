// Reductions and softmax.
import { attr, type Dim, type Tensor } from '../graph.js';
import { normAxis, requireFloat } from './shape-util.js';

function reduce(op: string, x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
  const all = axes === undefined;
  const ax = all ? x.shape.map((_, i) => i) : [...new Set(axes.map((a) => normAxis(op, a, x.rank)))].sort();
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const g = x.graph;
  const ins = ax.length === 0 ? [x] : [x, g.ints(ax)];
  const attrs: Record<string, ReturnType<typeof attr.int>> = { keepdims: attr.int(keepdims ? 1 : 0) };
  if (ax.length === 0) attrs.noop_with_empty_axes = attr.int(1);
  return g.addNode(op, ins, attrs, [{ dtype: x.dtype, shape }])[0]!;
}

/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceSum', x, axes, keepdims);
export const reduceMean = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMax', x, axes, keepdims);

export function softmax(x: Tensor, axis = -1): Tensor {
  requireFloat('Softmax', x);
  const a = normAxis('Softmax', axis, x.rank);
  return x.graph.addNode('Softmax', [x], { axis: attr.int(a) }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  requireFloat('LogSoftmax', x);
  const a = normAxis('LogSoftmax', axis, x.rank);
  return x.graph.addNode('LogSoftmax', [x], { axis: attr.int(a) }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}
