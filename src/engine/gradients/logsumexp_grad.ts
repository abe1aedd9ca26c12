// Gradient of ReduceLogSumExp: y = log Σ exp(x) ⇒ ∂y/∂x = exp(x − y) = softmax(x) over the reduced
// axes, so dx = dy ⊙ exp(x − y), with dy and y broadcast back over the reduced axes.
import { registerGradient } from '../autodiff.js';
import { exp, mul, sub } from '../ops/elementwise.js';
import { expandLike, unsqueeze } from '../ops/shape-ops.js';

registerGradient('ReduceLogSumExp', (c) => {
  const x = c.x[0]!;
  const axesIn = c.x[1];
  if (!axesIn || axesIn.source.kind !== 'const') throw new Error('ReduceLogSumExp gradient: axes must be a constant');
  const axes = Array.from(axesIn.source.data as BigInt64Array, (v) => (Number(v) < 0 ? Number(v) + x.rank : Number(v)));
  const k = c.node.attrs.keepdims;
  const kept = !(k && k.kind === 'int' && k.v === 0);
  const asKept = (t: typeof x) => (kept ? t : unsqueeze(t, axes));
  return [mul(expandLike(asKept(c.dy[0]!), x), exp(sub(x, asKept(c.y[0]!))))];
});
