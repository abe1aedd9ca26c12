// Gradients of reductions: broadcast dy back over the reduced axes.
import { registerGradient, type GradContext } from '../autodiff.js';
import { attr, type Tensor } from '../graph.js';
import { cast, div, equal, mul } from '../ops/elementwise.js';
import { reduceSum } from '../ops/reduce.js';
import { expandLike, gather, shapeOf, unsqueeze } from '../ops/shape-ops.js';

/** Reduced axes of a Reduce* node (all axes when the axes input is absent). */
function reducedAxes(c: GradContext): number[] {
  const x = c.x[0]!;
  const ax = c.x[1];
  if (!ax) return x.shape.map((_, i) => i);
  if (ax.source.kind !== 'const') throw new Error(`${c.node.op} gradient: axes must be a constant`);
  return Array.from(ax.source.data as BigInt64Array, (v) => {
    const a = Number(v);
    return a < 0 ? a + x.rank : a;
  });
}

function keepDims(c: GradContext): boolean {
  const k = c.node.attrs.keepdims;
  return !(k && k.kind === 'int' && k.v === 0);
}

/** dy (or y) reshaped to the keepdims form, ready to broadcast against x. */
function asKept(c: GradContext, t: Tensor): Tensor {
  const axes = reducedAxes(c);
  return keepDims(c) || axes.length === 0 ? t : unsqueeze(t, axes);
}

/** Number of elements reduced, as a float scalar (static when possible). */
function reducedCount(c: GradContext): Tensor {
  const x = c.x[0]!;
  const axes = reducedAxes(c);
  let n = 1;
  let dynamic = false;
  for (const a of axes) {
    const d = x.shape[a]!;
    if (typeof d === 'number') n *= d;
    else dynamic = true;
  }
  if (!dynamic) return x.graph.scalar(n, x.dtype);
  const g = x.graph;
  const dims = cast(gather(shapeOf(x), g.ints(axes)), x.dtype);
  return g.addNode('ReduceProd', [dims], { keepdims: attr.int(0) }, [{ dtype: x.dtype, shape: [] }])[0]!;
}

registerGradient('ReduceSum', (c) => [expandLike(asKept(c, c.dy[0]!), c.x[0]!)]);

registerGradient('ReduceMean', (c) => [div(expandLike(asKept(c, c.dy[0]!), c.x[0]!), reducedCount(c))]);

// The gradient is shared equally among tied maxima.
registerGradient('ReduceMax', (c) => {
  const x = c.x[0]!;
  const mask = cast(equal(x, asKept(c, c.y[0]!)), x.dtype);
  const count = reduceSum(mask, reducedAxes(c), true);
  return [mul(mask, div(asKept(c, c.dy[0]!), count))];
});
