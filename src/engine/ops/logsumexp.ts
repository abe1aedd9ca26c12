// log Σ exp over axes (ONNX ReduceLogSumExp; ORT's kernel subtracts the maximum first, so it is
// stable for large inputs, float32 and float64). The building block of softmax cross-entropies over
// a row of logits, e.g. the two-tower model's in-batch sampled softmax.
import { attr, type Dim, type Tensor } from '../graph.js';
import { normAxis, requireFloat } from './shape-util.js';

/** y = log Σ_{axes} exp(x); `keepdims` keeps the reduced axes as size 1. */
export function reduceLogSumExp(x: Tensor, axes: number[], keepdims = false): Tensor {
  requireFloat('ReduceLogSumExp', x);
  if (axes.length === 0) throw new Error('ReduceLogSumExp: give at least one axis');
  const ax = [...new Set(axes.map((a) => normAxis('ReduceLogSumExp', a, x.rank)))].sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const g = x.graph;
  return g.addNode('ReduceLogSumExp', [x, g.ints(ax)], { keepdims: attr.int(keepdims ? 1 : 0) }, [{ dtype: x.dtype, shape }])[0]!;
}
