// Several linear layers reading the same input, computed as ONE Gemm over their concatenated
// weights and split afterwards. Parameters keep the names and shapes `linear` would give them
// (`<name>.weight` [D, out], `<name>.bias` [out]), so models read the same either way. On ORT this
// replaces k Gemms (and, in the backward pass, k input-gradient Gemms plus a k-way Sum) by one each:
// mixture-of-experts models read one input with many experts and gates.
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
  if (members.length === 1 && members[0]!.bias !== false) return [op.gemm(x, Ws[0]!, bs[0]!)];
  const y = op.gemm(x, op.concat(Ws, 1), op.concat(bs, 0));
  return op.split(y, members.map((m) => m.out), 1);
}
