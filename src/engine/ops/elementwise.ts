// Elementwise ops (numpy broadcasting). Binary ops accept a plain number for either side; it
// becomes a scalar constant of the other operand's dtype.
import { attr, type DType, type Tensor } from '../graph.js';
import { broadcastShapes, requireFloat, sameGraph } from './shape-util.js';

export type TensorLike = Tensor | number;

function lift(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  sameGraph(op, ta, tb);
  if (ta.dtype !== tb.dtype) throw new Error(`${op}: dtype mismatch ${ta} vs ${tb}`);
  return [ta, tb];
}

function binary(op: string, a: TensorLike, b: TensorLike, outDtype?: DType): Tensor {
  const [ta, tb] = lift(a, b, op);
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  return ta.graph.addNode(op, [ta, tb], {}, [{ dtype: outDtype ?? ta.dtype, shape }])[0]!;
}

function unary(op: string, x: Tensor, attrs: Record<string, ReturnType<typeof attr.float>> = {}): Tensor {
  return x.graph.addNode(op, [x], attrs, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('Add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('Sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('Mul', a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('Div', a, b);
/** x^p, elementwise (p a tensor or a number). */
export const pow = (x: Tensor, p: TensorLike): Tensor => binary('Pow', x, p);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('Max', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('Min', a, b);

export const greater = (a: TensorLike, b: TensorLike): Tensor => binary('Greater', a, b, 'bool');
export const less = (a: TensorLike, b: TensorLike): Tensor => binary('Less', a, b, 'bool');
export const equal = (a: TensorLike, b: TensorLike): Tensor => binary('Equal', a, b, 'bool');
export const and = (a: Tensor, b: Tensor): Tensor => binary('And', a, b, 'bool');
export const not = (x: Tensor): Tensor => unary('Not', x);

export const neg = (x: Tensor): Tensor => unary('Neg', x);
export const exp = (x: Tensor): Tensor => (requireFloat('Exp', x), unary('Exp', x));
export const log = (x: Tensor): Tensor => (requireFloat('Log', x), unary('Log', x));
export const sqrt = (x: Tensor): Tensor => (requireFloat('Sqrt', x), unary('Sqrt', x));
export const reciprocal = (x: Tensor): Tensor => (requireFloat('Reciprocal', x), unary('Reciprocal', x));
export const abs = (x: Tensor): Tensor => unary('Abs', x);
export const sign = (x: Tensor): Tensor => unary('Sign', x);
export const relu = (x: Tensor): Tensor => (requireFloat('Relu', x), unary('Relu', x));
export const sigmoid = (x: Tensor): Tensor => (requireFloat('Sigmoid', x), unary('Sigmoid', x));
export const tanh = (x: Tensor): Tensor => (requireFloat('Tanh', x), unary('Tanh', x));
/** log(1 + e^x); lowered to relu(x) + log(1 + exp(−|x|)) in float64 graphs (ORT has no double kernel). */
export const softplus = (x: Tensor): Tensor => (requireFloat('Softplus', x), unary('Softplus', x));
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => {
  requireFloat('LeakyRelu', x);
  return unary('LeakyRelu', x, { alpha: attr.float(alpha) });
};

/** Clip to [lo, hi]; either bound may be omitted. */
export function clip(x: Tensor, lo?: number, hi?: number): Tensor {
  const g = x.graph;
  const ins = [x, lo === undefined ? null : g.scalar(lo, x.dtype), hi === undefined ? null : g.scalar(hi, x.dtype)];
  return g.addNode('Clip', ins, {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return x.graph.addNode('Cast', [x], { to: attr.int(onnxTypeCode(to)) }, [{ dtype: to, shape: x.shape }])[0]!;
}

/** cond ? a : b (broadcasting). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== 'bool') throw new Error(`Where: condition must be bool, got ${cond}`);
  const [ta, tb] = lift(a, b, 'Where');
  const shape = broadcastShapes('Where', cond.shape, broadcastShapes('Where', ta.shape, tb.shape));
  return cond.graph.addNode('Where', [cond, ta, tb], {}, [{ dtype: ta.dtype, shape }])[0]!;
}

/** Sum of several same-dtype tensors (ONNX Sum, broadcasting). */
export function addN(ts: Tensor[]): Tensor {
  if (ts.length === 0) throw new Error('addN: no tensors');
  if (ts.length === 1) return ts[0]!;
  if (ts.length === 2) return add(ts[0]!, ts[1]!);
  let shape = ts[0]!.shape;
  for (const t of ts.slice(1)) shape = broadcastShapes('Sum', shape, t.shape);
  return ts[0]!.graph.addNode('Sum', ts, {}, [{ dtype: ts[0]!.dtype, shape }])[0]!;
}

export function onnxTypeCode(d: DType): number {
  switch (d) {
    case 'float32': return 1;
    case 'int32': return 6;
    case 'int64': return 7;
    case 'bool': return 9;
    case 'float64': return 11;
  }
}

export function dtypeFromOnnx(code: number): DType {
  switch (code) {
    case 1: return 'float32';
    case 6: return 'int32';
    case 7: return 'int64';
    case 9: return 'bool';
    case 11: return 'float64';
  }
  throw new Error(`unsupported ONNX element type ${code}`);
}
