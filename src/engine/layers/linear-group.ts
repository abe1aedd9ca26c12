// Several linear layers reading the same input, computed as ONE Gemm over their concatenated
// weights and split afterwards. Parameters keep the names and shapes `linear` would give them
// (`<name>.weight` [D, out], `<name>.bias` [out]), so models read the same either way. On ORT this
// replaces k Gemms (and, in the backward pass, k input-gradient Gemms plus a k-way Sum) by one each:
// mixture-of-experts models read one input with many experts and gates.
// One exception: when a member holds ≥ 3/4 of the columns (an expert bank beside its small gates),
// it gets a Gemm of its own and the rest share another. Splitting its output off would copy it
// (ORT's Split always copies) and, in the backward pass, its gradient would be copied again by the
// Concat; on the reference MMoE at batch 4096 ([4096, 432] → 1024 + 8 columns) the separate Gemms
// saved ~6–7 ms of kernel time (Split 2.1 + Concat 2.1 + Relu 1.3, now fused into the Gemm)
// against ~2 ms for the small Gemms and the Add of the two input gradients.
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';

export interface GroupMember {
  name: string;
  out: number;
  bias?: boolean;
  init?: Init;
}

/** Pre-activations x·W_i + b_i, one [B, out_i] per member, in order. */
export function linearGroup(x: Tensor, members: GroupMember[]): Tensor[] {
  if (members.length === 0) return [];
  const g = x.graph;
  const D = x.shape[x.rank - 1];
  if (typeof D !== 'number' || x.rank !== 2) throw new Error(`linearGroup: expected [B, D] with static D, got ${x}`);
  const Ws = members.map((m) => g.param({ name: `${m.name}.weight`, shape: [D, m.out], init: m.init ?? inits.xavier, trainable: true }));
  const bs = members.map((m) => (m.bias === false
    ? g.constant(new (g.float === 'float64' ? Float64Array : Float32Array)(m.out), [m.out], g.float)
    : g.param({ name: `${m.name}.bias`, shape: [m.out], init: inits.zeros, trainable: true, decay: false })));
  const total = members.reduce((s, m) => s + m.out, 0);
  const big = members.findIndex((m) => m.out * 4 >= total * 3);
  if (big < 0 || members.length === 1) return fused(x, Ws, bs, members);
  const rest = members.map((_, i) => i).filter((i) => i !== big);
  const out: Tensor[] = [];
  out[big] = fused(x, [Ws[big]!], [bs[big]!], [members[big]!])[0]!;
  const ys = fused(x, rest.map((i) => Ws[i]!), rest.map((i) => bs[i]!), rest.map((i) => members[i]!));
  rest.forEach((i, j) => { out[i] = ys[j]!; });
  return out;
}

/** One Gemm over the members' concatenated weights, split per member. */
function fused(x: Tensor, Ws: Tensor[], bs: Tensor[], members: GroupMember[]): Tensor[] {
  if (members.length === 1) return [op.gemm(x, Ws[0]!, bs[0]!)];
  const y = op.gemm(x, op.concat(Ws, 1), op.concat(bs, 0));
  return op.split(y, members.map((m) => m.out), 1);
}
