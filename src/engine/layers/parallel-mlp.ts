// A bank of n parallel MLPs over the same input (mixture-of-experts experts): the first layers of
// all members run as ONE Gemm; later layers as one batched MatMul over [n, B, ·]. Faster on ORT
// than n separate Gemm chains (engine.md). A one-layer bank keeps the Gemm's [B, n, d] layout (no
// transpose at all); deeper banks end in [n, B, d]. `mixExperts` handles both. Other layers reading
// the same input (gates, other banks) join that Gemm at serialization (sibling-gemms.ts).
import type { Tensor } from '../graph.js';
import { init } from '../params.js';
import * as op from '../ops/index.js';
import { activate, linear, type Activation } from './linear.js';

export interface ParallelMLPOptions {
  activation?: Activation;
  /** Apply the activation after the last layer too (default true). */
  lastActivation?: boolean;
}

export interface ExpertBank {
  /** Member outputs: [B, n, d] ('bnd') or [n, B, d] ('nbd'). */
  out: Tensor;
  layout: 'bnd' | 'nbd';
  n: number;
}

export function parallelMlp(x: Tensor, name: string, n: number, dims: number[], o: ParallelMLPOptions = {}): ExpertBank {
  if (x.rank !== 2) throw new Error(`parallelMlp ${name}: expected [B, D], got ${x}`);
  const g = x.graph;
  const D = x.shape[1];
  if (typeof D !== 'number') throw new Error(`parallelMlp ${name}: input width must be static`);
  const B = x.shape[0]!;
  const act = (h: Tensor, last: boolean) => (last && o.lastActivation === false ? h : activate(h, o.activation ?? 'relu'));
  const h1 = dims[0]!;
  // Layer 0: member i's weight is columns [i·h1, (i+1)·h1) of one [D, n·h1] matrix.
  const pre = linear(x, `${name}.0`, n * h1, { init: init.he });
  const first = op.reshape(act(pre, dims.length === 1), [B, n, h1]);
  if (dims.length === 1) return { out: first, layout: 'bnd', n };
  let h = op.transpose(first, [1, 0, 2]); // [n, B, h1]
  for (let i = 1; i < dims.length; i++) {
    const prev = dims[i - 1]!, d = dims[i]!;
    const W = g.param({ name: `${name}.${i}.weight`, shape: [n, prev, d], init: init.he, trainable: true });
    const b = g.param({ name: `${name}.${i}.bias`, shape: [n, 1, d], init: init.zeros, trainable: true, decay: false });
    h = act(op.add(op.matmul(h, W), b), i === dims.length - 1);
  }
  return { out: h, layout: 'nbd', n };
}

/** Σ_i w[b, i] · e_i[b, :] for a bank's members and weights w [B, n] → [B, d]. */
function mixBank(bank: ExpertBank, w: Tensor): Tensor {
  if (bank.n === 1) {
    const e = bank.layout === 'bnd' ? op.reshape(bank.out, [bank.out.shape[0]!, bank.out.shape[2]!]) : op.squeeze(bank.out, [0]);
    return op.mul(e, w);
  }
  if (bank.layout === 'bnd') return op.reduceSum(op.mul(bank.out, op.unsqueeze(w, [2])), [1]);
  return op.reduceSum(op.mul(bank.out, op.unsqueeze(op.transpose(w, [1, 0]), [2])), [0]);
}

/**
 * Mixture over the members of several banks (in order) with weights w [B, Σn]: each bank is mixed
 * with its slice of w and the partial mixtures are added — no copy of expert outputs.
 */
export function mixExperts(banks: ExpertBank | ExpertBank[], w: Tensor): Tensor {
  const list = Array.isArray(banks) ? banks : [banks];
  const total = list.reduce((s, b) => s + b.n, 0);
  if (w.shape[1] !== total) throw new Error(`mixExperts: ${total} experts but gate weights ${w}`);
  if (list.length === 1) return mixBank(list[0]!, w);
  let off = 0;
  const parts = list.map((b) => {
    const part = mixBank(b, op.slice(w, [off], [off + b.n], [1]));
    off += b.n;
    return part;
  });
  return op.addN(parts);
}
