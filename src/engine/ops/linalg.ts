// Matrix products.
import { attr, type Dim, type Tensor } from '../graph.js';
import { broadcastShapes, requireFloat, sameGraph } from './shape-util.js';

/** numpy matmul: [..., n, k] · [..., k, m] → [..., n, m]; a 1-D operand is a vector. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  sameGraph('MatMul', a, b);
  requireFloat('MatMul', a, b);
  if (a.dtype !== b.dtype) throw new Error(`MatMul: dtype mismatch ${a} vs ${b}`);
  if (a.rank === 0 || b.rank === 0) throw new Error(`MatMul: scalar operand (${a}, ${b})`);
  const as = a.rank === 1 ? [1, a.shape[0]!] : [...a.shape];
  const bs = b.rank === 1 ? [b.shape[0]!, 1] : [...b.shape];
  const k1 = as[as.length - 1]!, k2 = bs[bs.length - 2]!;
  if (k1 !== k2) throw new Error(`MatMul: inner dims differ: ${a} · ${b}`);
  const batch = broadcastShapes('MatMul', as.slice(0, -2), bs.slice(0, -2));
  const out: Dim[] = [...batch];
  if (a.rank !== 1) out.push(as[as.length - 2]!);
  if (b.rank !== 1) out.push(bs[bs.length - 1]!);
  return a.graph.addNode('MatMul', [a, b], {}, [{ dtype: a.dtype, shape: out }])[0]!;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/** alpha·op(A)·op(B) + beta·C with 2-D A, B and C broadcastable to the result. */
export function gemm(a: Tensor, b: Tensor, c: Tensor | null, o: GemmOptions = {}): Tensor {
  sameGraph('Gemm', a, b);
  requireFloat('Gemm', a, b);
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`Gemm: operands must be 2-D (${a}, ${b})`);
  const [n, k1] = o.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, m] = o.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k1 !== k2) throw new Error(`Gemm: inner dims differ: ${a}${o.transA ? 'ᵀ' : ''} · ${b}${o.transB ? 'ᵀ' : ''}`);
  if (c) broadcastShapes('Gemm', [n, m], c.shape);
  const attrs: Record<string, ReturnType<typeof attr.int>> = {};
  if (o.transA) attrs.transA = attr.int(1);
  if (o.transB) attrs.transB = attr.int(1);
  if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = attr.float(o.alpha);
  if (o.beta !== undefined && o.beta !== 1) attrs.beta = attr.float(o.beta);
  return a.graph.addNode('Gemm', c ? [a, b, c] : [a, b], attrs, [{ dtype: a.dtype, shape: [n, m] }])[0]!;
}
