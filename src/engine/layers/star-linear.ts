// STAR's star-topology fully connected layers (Sheng et al., CIKM 2021): a shared weight W, b and
// one per domain W_p, b_p; the row's domain p uses W* = W ⊙ W_p, b* = b + b_p (domains: see
// partitioned-norm.ts).
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';
import { dropout } from './dropout.js';
import { activate, type Activation } from './linear.js';
import { batchNorm } from './norm.js';
import { partitionedNorm, type Domains, type PartitionedNormOptions } from './partitioned-norm.js';

/**
 * y = x·(W ⊙ W_p) + (b + b_p) for each row's domain p. Parameters `<name>.weight` [in, out] (shared,
 * `init`, default He), `<name>.bias` [out] (0), `<name>.domain_weight` [S, in, out] (1) and
 * `<name>.domain_bias` [S, out] (0); the domain ones are excluded from weight decay (W_p decays
 * toward its neutral value 1, not 0). A domain without training rows gets no gradient, so it keeps
 * W_p = 1, b_p = 0: the shared layer.
 *
 * The rows are grouped by domain (one sort per graph, `Domains.sorted`) and each group is one Gemm
 * with its domain's W ⊙ W_p: the arithmetic of one plain layer whatever S is, where multiplying
 * every row by all S matrices and keeping its own (one batched MatMul) cost S times as much
 * (4× Shared-Bottom's step with 5 domains, measured).
 */
export function starLinear(x: Tensor, d: Domains, name: string, out: number, o: { init?: Init } = {}): Tensor {
  const g = x.graph;
  const inDim = x.shape[1], S = d.count;
  if (x.rank !== 2 || typeof inDim !== 'number') throw new Error(`starLinear ${name}: expected [B, in] with static in, got ${x}`);
  const W = g.param({ name: `${name}.weight`, shape: [inDim, out], init: o.init ?? inits.he, trainable: true });
  const b = g.param({ name: `${name}.bias`, shape: [out], init: inits.zeros, trainable: true, decay: false });
  const Wp = g.param({ name: `${name}.domain_weight`, shape: [S, inDim, out], init: inits.ones, trainable: true, decay: false });
  const bp = g.param({ name: `${name}.domain_bias`, shape: [S, out], init: inits.zeros, trainable: true, decay: false });
  const ones = new Array<number>(S).fill(1);
  const Wstar = op.split(op.mul(W, Wp), ones, 0).map((t) => op.reshape(t, [inDim, out])); // W ⊙ W_s
  const bstar = op.split(op.add(b, bp), ones, 0).map((t) => op.reshape(t, [out])); // b + b_s
  const { perm, inverse, counts } = d.sorted;
  const groups = op.splitBySizes(op.gather(x, perm, 0), counts, S, 0); // group s: the rows of domain s
  const y = op.concat(groups.map((rows, s) => op.gemm(rows, Wstar[s]!, bstar[s]!)), 0);
  return op.gather(y, inverse, 0); // back to the batch's row order
}

export interface StarMLPOptions {
  activation?: Activation;
  /** Activation (and norm, dropout) after the last layer too (default true; false for an output head). */
  lastActivation?: boolean;
  dropout?: number;
  /** After each star layer, before the activation: partitioned (default), plain batch norm, or none. */
  norm?: 'pn' | 'batch' | 'none';
  pn?: PartitionedNormOptions;
  init?: Init;
}

/**
 * Star-topology FCN: [starLinear → norm → activation → (dropout)] × len(dims), mirroring `mlp`
 * (layer i is `<name>.i`, its norm `<name>.i.pn` or `<name>.i.bn`).
 */
export function starMlp(x: Tensor, domain: Domains, name: string, dims: number[], o: StarMLPOptions = {}): Tensor {
  let h = x;
  dims.forEach((d, i) => {
    h = starLinear(h, domain, `${name}.${i}`, d, { init: o.init });
    if (i === dims.length - 1 && o.lastActivation === false) return;
    const norm = o.norm ?? 'pn';
    if (norm === 'pn') h = partitionedNorm(h, domain, `${name}.${i}.pn`, o.pn);
    else if (norm === 'batch') h = batchNorm(h, `${name}.${i}.bn`);
    h = activate(h, o.activation ?? 'relu');
    if (o.dropout) h = dropout(h, o.dropout);
  });
  return h;
}
