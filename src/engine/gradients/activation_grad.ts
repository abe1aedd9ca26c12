// Gradients of activations and softmax.
import { registerGradient } from '../autodiff.js';
import { attr } from '../graph.js';
import { cast, exp, greater, mul, sigmoid, sub, where } from '../ops/elementwise.js';
import { reduceSum } from '../ops/reduce.js';

// ReLU' as dy·Cast(y > 0): one compare + one cast, ~2× faster on ORT than Where/Sign forms.
registerGradient('Relu', ({ dy, y }) => [mul(dy[0]!, cast(greater(y[0]!, 0), y[0]!.dtype))]);

registerGradient('LeakyRelu', ({ node, x, dy }) => {
  const a = node.attrs.alpha;
  const alpha = a && a.kind === 'float' ? a.v : 0.01;
  const one = x[0]!.graph.scalar(1, x[0]!.dtype);
  return [mul(dy[0]!, where(greater(x[0]!, 0), one, alpha))];
});

registerGradient('Sigmoid', ({ dy, y }) => [mul(dy[0]!, mul(y[0]!, sub(1, y[0]!)))]);

registerGradient('Tanh', ({ dy, y }) => [mul(dy[0]!, sub(1, mul(y[0]!, y[0]!)))]);

registerGradient('Softplus', ({ x, dy }) => [mul(dy[0]!, sigmoid(x[0]!))]);

function axisOf(attrs: Record<string, ReturnType<typeof attr.int>>): number {
  const a = attrs.axis;
  return a && a.kind === 'int' ? a.v : -1;
}

// y = softmax(x): dx = y ⊙ (dy − Σ(dy ⊙ y))
registerGradient('Softmax', ({ node, dy, y }) => {
  const axis = axisOf(node.attrs as never);
  const s = reduceSum(mul(dy[0]!, y[0]!), [axis], true);
  return [mul(y[0]!, sub(dy[0]!, s))];
});

// y = log softmax(x): dx = dy − softmax(x) ⊙ Σ dy
registerGradient('LogSoftmax', ({ node, dy, y }) => {
  const axis = axisOf(node.attrs as never);
  return [sub(dy[0]!, mul(exp(y[0]!), reduceSum(dy[0]!, [axis], true)))];
});
