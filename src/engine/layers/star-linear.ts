// STAR's star-topology fully connected layers (Sheng et al., CIKM 2021): a shared weight W, b and
// one per domain W_p, b_p; the row's domain p uses W* = W ⊙ W_p, b* = b + b_p. Domains are given
// as one-hot rows P [B, S] (see partitioned-norm.ts).
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';
import { dropout } from './dropout.js';
import { activate, type Activation } from './linear.js';
import { batchNorm } from './norm.js';
import { partitionedNorm, perDomain, type PartitionedNormOptions } from './partitioned-norm.js';

/**
 * y = x·(W ⊙ W_p) + (b + b_p) for each row's domain p. Parameters `<name>.weight` [in, out] (shared,
 * `init`, default He), `<name>.bias` [out] (0), `<name>.domain_weight` [S, in, out] (1) and
 * `<name>.domain_bias` [S, out] (0); the domain ones are excluded from weight decay (W_p decays
 * toward its neutral value 1, not 0). A domain without training rows gets no gradient, so it keeps
 * W_p = 1, b_p = 0: the shared layer.
 *
 * Every domain's product x·(W ⊙ W_s) is computed for every row ([S, B, out], one batched MatMul)
 * and each row keeps its own domain's: S times the arithmetic of a plain layer.
 */
export function starLinear(x: Tensor, domain: Tensor, name: string, out: number, o: { init?: Init } = {}): Tensor {
  const g = x.graph;
  const inDim = x.shape[1], S = domain.shape[1];
  if (x.rank !== 2 || typeof inDim !== 'number') throw new Error(`starLinear ${name}: expected [B, in] with static in, got ${x}`);
  if (domain.rank !== 2 || typeof S !== 'number') throw new Error(`starLinear ${name}: domains must be one-hot rows [B, S], got ${domain}`);
  const W = g.param({ name: `${name}.weight`, shape: [inDim, out], init: o.init ?? inits.he, trainable: true });
  const b = g.param({ name: `${name}.bias`, shape: [out], init: inits.zeros, trainable: true, decay: false });
  const Wp = g.param({ name: `${name}.domain_weight`, shape: [S, inDim, out], init: inits.ones, trainable: true, decay: false });
  const bp = g.param({ name: `${name}.domain_bias`, shape: [S, out], init: inits.zeros, trainable: true, decay: false });
  const all = op.matmul(x, op.mul(W, Wp)); // [S, B, out]: x·(W ⊙ W_s) for every domain s
  const own = op.reduceSum(op.mul(all, op.unsqueeze(op.transpose(domain, [1, 0]), [2])), [0]); // [B, out]: the row's own
  return op.add(own, op.add(b, perDomain(domain, bp)));
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
export function starMlp(x: Tensor, domain: Tensor, name: string, dims: number[], o: StarMLPOptions = {}): Tensor {
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
