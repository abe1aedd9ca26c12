// Gradients of MatMul and Gemm, written with Gemm's transpose flags where possible so no separate
// Transpose node (a full pass over memory) is needed — except for weight gradients Aᵀ·dY over a
// batch-sized A: there MLAS's transA path is slower than an explicit Transpose and a plain Gemm
// (layer-1 dW of the reference MMoE, [4096, 432]ᵀ·[4096, 1032]: 49–55 ms against 1.2 + 31–45 ms),
// so `gemmAT` transposes first. The runtime turns off ORT's GemmTransposeFusion, which would fold
// that Transpose back into transA.
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

/** α·Aᵀ·D (optionally ·op(D)) with A transposed by its own node (see the header). */
function gemmAT(a: Tensor, d: Tensor, o: { transB?: boolean; alpha?: number } = {}): Tensor {
  return gemm(transpose(a, [1, 0]), d, null, o);
}

registerGradient('MatMul', ({ x, dy, needs }) => {
  const a = x[0]!, b = x[1]!, d = dy[0]!;
  if (a.rank < 2 || b.rank < 2) throw new Error('MatMul gradient: use 2-D or batched operands, not vectors');
  if (a.rank === 2 && b.rank === 2) {
    return [
      needs[0] ? gemm(d, b, null, { transB: true }) : null,
      needs[1] ? gemmAT(a, d) : null,
    ];
  }
  if (b.rank === 2) {
    // [..., n, k] · [k, m]: fold the batch dims into rows for the weight gradient.
    const k = a.shape[a.rank - 1]!, m = b.shape[1]!;
    const rows = (t: Tensor, cols: number | string) => reshape(t, [t.shape.slice(0, -1).reduce(dimsMul, 1), cols]);
    return [
      needs[0] ? matmul(d, swapLast(b)) : null,
      needs[1] ? gemmAT(rows(a, k), rows(d, m)) : null,
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
      ? gemmAT(d, A, { transB: tA, alpha })
      : tA ? gemm(A, d, null, { alpha }) : gemmAT(A, d, { alpha });
  }
  if (C && needs[2]) {
    dC = sumToShape(d, C);
    if (beta !== 1) dC = mul(dC, beta);
  }
  return [dA, dB, dC];
});
