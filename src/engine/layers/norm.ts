// LayerNorm and BatchNorm (batch statistics in training, running statistics in eval).
import type { Tensor } from '../graph.js';
import { init } from '../params.js';
import * as op from '../ops/index.js';

export function layerNorm(x: Tensor, name: string, eps = 1e-5): Tensor {
  const g = x.graph;
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number') throw new Error(`layerNorm ${name}: last dim must be static`);
  const gamma = g.param({ name: `${name}.gamma`, shape: [d], init: init.ones, trainable: true, decay: false });
  const beta = g.param({ name: `${name}.beta`, shape: [d], init: init.zeros, trainable: true, decay: false });
  const mu = op.reduceMean(x, [-1], true);
  const xc = op.sub(x, mu);
  const v = op.reduceMean(op.mul(xc, xc), [-1], true);
  return op.add(op.mul(op.div(xc, op.sqrt(op.add(v, eps))), gamma), beta);
}

export interface BatchNormOptions {
  /** running ← momentum·running + (1 − momentum)·batch (TF convention). Default 0.99. */
  momentum?: number;
  eps?: number;
  /** Learn γ and β (default true). */
  affine?: boolean;
}

/**
 * Normalizes over every axis but the last. Training uses the batch mean and (biased) variance and
 * records updated running statistics as graph state; eval uses the running statistics.
 */
export function batchNorm(x: Tensor, name: string, o: BatchNormOptions = {}): Tensor {
  const g = x.graph;
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number') throw new Error(`batchNorm ${name}: last dim must be static`);
  const eps = o.eps ?? 1e-5;
  const m = o.momentum ?? 0.99;
  const rm = g.param({ name: `${name}.running_mean`, shape: [d], init: init.zeros, trainable: false });
  const rv = g.param({ name: `${name}.running_var`, shape: [d], init: init.ones, trainable: false });
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  let xn: Tensor;
  if (g.training) {
    const mu = op.reduceMean(x, axes, true);
    const xc = op.sub(x, mu);
    const v = op.reduceMean(op.mul(xc, xc), axes, true);
    xn = op.div(xc, op.sqrt(op.add(v, eps)));
    const flat = (t: Tensor) => op.reshape(op.stopGradient(t), [d]);
    g.updateState(`${name}.running_mean`, op.add(op.mul(rm, m), op.mul(flat(mu), 1 - m)));
    g.updateState(`${name}.running_var`, op.add(op.mul(rv, m), op.mul(flat(v), 1 - m)));
  } else {
    xn = op.div(op.sub(x, rm), op.sqrt(op.add(rv, eps)));
  }
  if (o.affine === false) return xn;
  const gamma = g.param({ name: `${name}.gamma`, shape: [d], init: init.ones, trainable: true, decay: false });
  const beta = g.param({ name: `${name}.beta`, shape: [d], init: init.zeros, trainable: true, decay: false });
  return op.add(op.mul(xn, gamma), beta);
}
