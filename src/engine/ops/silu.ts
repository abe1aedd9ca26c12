// SiLU (swish): y = x·σ(x) (HSTU's pointwise activations). ONNX opset 18 has no SiLU node, so it is
// composed; its gradient comes from the Mul / Sigmoid (or Div / Exp) rules. In float32 the form
// x·σ(x) is what ORT fuses into one QuickGelu kernel (α = 1); that kernel has no float64 version,
// so float64 graphs (gradient checks) use the unfused, equal form x / (1 + e^(−x)).
import type { Tensor } from '../graph.js';
import { add, div, exp, mul, neg, sigmoid } from './elementwise.js';
import { requireFloat } from './shape-util.js';

export function silu(x: Tensor): Tensor {
  requireFloat('SiLU', x);
  return x.dtype === 'float64' ? div(x, add(exp(neg(x)), 1)) : mul(x, sigmoid(x));
}
