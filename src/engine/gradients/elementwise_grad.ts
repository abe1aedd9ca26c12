// Gradients of the arithmetic and elementwise math ops.
import { registerGradient } from '../autodiff.js';
import type { Tensor } from '../graph.js';
import {
  cast, div, greater, less, log, mul, neg, not, and, pow, sign, sub, where,
} from '../ops/elementwise.js';
import { sumToShape } from '../ops/shape-ops.js';

const x0 = (c: { x: readonly (Tensor | null)[] }) => c.x[0]!;
const x1 = (c: { x: readonly (Tensor | null)[] }) => c.x[1]!;

registerGradient('Add', ({ x, dy, needs }) => [
  needs[0] ? sumToShape(dy[0]!, x[0]!) : null,
  needs[1] ? sumToShape(dy[0]!, x[1]!) : null,
]);

registerGradient('Sum', ({ x, dy, needs }) => x.map((t, i) => (needs[i] ? sumToShape(dy[0]!, t!) : null)));

registerGradient('Sub', ({ x, dy, needs }) => [
  needs[0] ? sumToShape(dy[0]!, x[0]!) : null,
  needs[1] ? sumToShape(neg(dy[0]!), x[1]!) : null,
]);

registerGradient('Mul', (c) => [
  c.needs[0] ? sumToShape(mul(c.dy[0]!, x1(c)), x0(c)) : null,
  c.needs[1] ? sumToShape(mul(c.dy[0]!, x0(c)), x1(c)) : null,
]);

// y = a / b: da = dy / b, db = −dy·y / b
registerGradient('Div', (c) => [
  c.needs[0] ? sumToShape(div(c.dy[0]!, x1(c)), x0(c)) : null,
  c.needs[1] ? sumToShape(neg(div(mul(c.dy[0]!, c.y[0]!), x1(c))), x1(c)) : null,
]);

registerGradient('Neg', ({ dy }) => [neg(dy[0]!)]);

registerGradient('Exp', ({ dy, y }) => [mul(dy[0]!, y[0]!)]);

registerGradient('Log', (c) => [div(c.dy[0]!, x0(c))]);

// y = √x: dx = dy / (2y)
registerGradient('Sqrt', ({ dy, y }) => [div(dy[0]!, mul(y[0]!, 2))]);

// y = 1/x: dx = −dy·y²
registerGradient('Reciprocal', ({ dy, y }) => [neg(mul(dy[0]!, mul(y[0]!, y[0]!)))]);

// y = x^p: dx = dy·p·x^(p−1), dp = dy·y·ln x
registerGradient('Pow', (c) => {
  const [x, p] = [x0(c), x1(c)];
  const d = c.dy[0]!;
  let dx: Tensor | null = null;
  if (c.needs[0]) {
    const data = p.source.kind === 'const' && p.shape.length === 0 ? Number(p.source.data[0]) : null;
    const slope = data !== null
      ? (data === 2 ? mul(x, 2) : mul(pow(x, data - 1), data))
      : mul(p, pow(x, sub(p, 1)));
    dx = sumToShape(mul(d, slope), x);
  }
  const dp = c.needs[1] ? sumToShape(mul(mul(d, c.y[0]!), log(x)), p) : null;
  return [dx, dp];
});

registerGradient('Abs', (c) => [mul(c.dy[0]!, sign(x0(c)))]);

// Max / Min: the gradient goes to the winning operand (ties go to the first).
registerGradient('Max', (c) => {
  const aWins = not(less(x0(c), x1(c)));
  return [
    c.needs[0] ? sumToShape(where(aWins, c.dy[0]!, 0), x0(c)) : null,
    c.needs[1] ? sumToShape(where(aWins, 0, c.dy[0]!), x1(c)) : null,
  ];
});
registerGradient('Min', (c) => {
  const aWins = not(greater(x0(c), x1(c)));
  return [
    c.needs[0] ? sumToShape(where(aWins, c.dy[0]!, 0), x0(c)) : null,
    c.needs[1] ? sumToShape(where(aWins, 0, c.dy[0]!), x1(c)) : null,
  ];
});

// Clip passes the gradient where lo ≤ x ≤ hi.
registerGradient('Clip', (c) => {
  const x = x0(c);
  const lo = c.x[1], hi = c.x[2];
  let inside: Tensor | null = null;
  if (lo) inside = not(less(x, lo));
  if (hi) {
    const h = not(greater(x, hi));
    inside = inside ? and(inside, h) : h;
  }
  return [inside ? where(inside, c.dy[0]!, 0) : c.dy[0]!];
});

registerGradient('Cast', (c) => {
  const x = x0(c);
  return [x.isFloat ? cast(c.dy[0]!, x.dtype) : null];
});

registerGradient('Where', (c) => {
  const cond = c.x[0]!;
  return [
    null,
    c.needs[1] ? sumToShape(where(cond, c.dy[0]!, 0), c.x[1]!) : null,
    c.needs[2] ? sumToShape(where(cond, 0, c.dy[0]!), c.x[2]!) : null,
  ];
});

// Used internally (e.g. identity outputs); kept for completeness.
registerGradient('Identity', ({ dy }) => [dy[0]!]);
