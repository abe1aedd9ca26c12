// Linear layers and MLPs. Weights are [in, out] (y = x·W + b).
import type { Tensor } from '../graph.js';
import { type Init, init as inits } from '../params.js';
import * as op from '../ops/index.js';
import { dropout } from './dropout.js';
import { batchNorm, layerNorm } from './norm.js';

export interface LinearOptions {
  bias?: boolean;
  init?: Init;
  biasInit?: Init;
}

export function linear(x: Tensor, name: string, out: number, o: LinearOptions = {}): Tensor {
  const g = x.graph;
  const inDim = x.shape[x.rank - 1];
  if (typeof inDim !== 'number') throw new Error(`linear ${name}: last dim of ${x} must be static`);
  const W = g.param({ name: `${name}.weight`, shape: [inDim, out], init: o.init ?? inits.xavier, trainable: true });
  const useBias = o.bias ?? true;
  const b = useBias
    ? g.param({ name: `${name}.bias`, shape: [out], init: o.biasInit ?? inits.zeros, trainable: true, decay: false })
    : null;
  if (x.rank === 2) return op.gemm(x, W, b);
  const y = op.matmul(x, W);
  return b ? op.add(y, b) : y;
}

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'leaky_relu' | 'none';

export function activate(x: Tensor, a: Activation): Tensor {
  switch (a) {
    case 'relu': return op.relu(x);
    case 'sigmoid': return op.sigmoid(x);
    case 'tanh': return op.tanh(x);
    case 'leaky_relu': return op.leakyRelu(x, 0.01);
    case 'none': return x;
  }
}

export interface MLPOptions {
  activation?: Activation;
  /** Activation after the last layer too (default true: an MLP block; false for an output head). */
  lastActivation?: boolean;
  dropout?: number;
  norm?: 'batch' | 'layer' | 'none';
  init?: Init;
  /** Called with each hidden layer's output (after activation), e.g. to scale it by a gate. */
  onLayer?: (h: Tensor, layer: number) => Tensor;
}

/** Stacked linear layers: [Linear → (norm) → activation → (dropout)] × len(dims). */
export function mlp(x: Tensor, name: string, dims: number[], o: MLPOptions = {}): Tensor {
  let h = x;
  dims.forEach((d, i) => {
    const last = i === dims.length - 1;
    h = linear(h, `${name}.${i}`, d, { init: o.init ?? inits.he });
    if (!last || o.lastActivation !== false) {
      if (o.norm === 'batch') h = batchNorm(h, `${name}.${i}.bn`);
      else if (o.norm === 'layer') h = layerNorm(h, `${name}.${i}.ln`);
      h = activate(h, o.activation ?? 'relu');
      if (o.dropout) h = dropout(h, o.dropout);
      if (o.onLayer) h = o.onLayer(h, i);
    }
  });
  return h;
}
