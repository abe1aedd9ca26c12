// Gradients of MatMul and Gemm, written with Gemm's transpose flags where possible so no separate
// Transpose node (a full pass over memory) is needed.
import { registerGradient } from '../autodiff.js';
import type { Tensor } from '../graph.js';
import { mul } from '../ops/elementwise.js';
import { gemm, matmul } from '../ops/linalg.js';
import { reshape, sumToShape, transpose } from '../ops/shape-ops.js';
import { dimsMul } from '../ops/shape-util.js';

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = t.rank;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return transpose(t, perm);
}

registerGradient('MatMul', ({ x, dy, needs }) => {
  const a = x[0]!, b = x[1]!, d = dy[0]!;
  if (a.rank < 2 || b.rank < 2) throw new Error('MatMul gradient: use 2-D or batched operands, not vectors');
  if (a.rank === 2 && b.rank === 2) {
    return [
      needs[0] ? gemm(d, b, null, { transB: true }) : null,
      needs[1] ? gemm(a, d, null, { transA: true }) : null,
    ];
  }
  if (b.rank === 2) {
    // [..., n, k] · [k, m]: fold the batch dims into rows for the weight gradient.
    const k = a.shape[a.rank - 1]!, m = b.shape[1]!;
    const rows = (t: Tensor, cols: number | string) => reshape(t, [t.shape.slice(0, -1).reduce(dimsMul, 1), cols]);
    return [
      needs[0] ? matmul(d, swapLast(b)) : null,
      needs[1] ? gemm(rows(a, k), rows(d, m), null, { transA: true }) : null,
    ];
  }
  return [
    needs[0] ? sumToShape(matmul(d, swapLast(b)), a) : null,
    needs[1] ? sumToShape(matmul(swapLast(a), d), b) : null,
  ];
});

// Y = α·op(A)·op(B) + β·C
registerGradient('Gemm', ({ node, x, dy, needs }) => {
  const at = node.attrs;
  const tA = at.transA?.kind === 'int' && at.transA.v === 1;
  const tB = at.transB?.kind === 'int' && at.transB.v === 1;
  const alpha = at.alpha?.kind === 'float' ? at.alpha.v : 1;
  const beta = at.beta?.kind === 'float' ? at.beta.v : 1;
  const A = x[0]!, B = x[1]!, C = x[2], d = dy[0]!;
  let dA: Tensor | null = null, dB: Tensor | null = null, dC: Tensor | null = null;
  if (needs[0]) {
    dA = tA
      ? gemm(B, d, null, { transA: tB, transB: true, alpha })
      : gemm(d, B, null, { transB: !tB, alpha });
  }
  if (needs[1]) {
    dB = tB
      ? gemm(d, A, null, { transA: true, transB: tA, alpha })
      : gemm(A, d, null, { transA: !tA, alpha });
  }
  if (C && needs[2]) {
    dC = sumToShape(d, C);
    if (beta !== 1) dC = mul(dC, beta);
  }
  return [dA, dB, dC];
});
