// Softmax gates of mixture-of-experts models: w = softmax(W_g·x / τ), optional gate dropout with
// renormalization (YouTube's fix for gate polarization), in train mode only.
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { linear } from '../engine/layers/index.js';

export interface GateOptions {
  temperature?: number;
  dropout?: number;
  /** Gate logits computed by the caller instead of W_g·x (e.g. a gate that also reads prior features). */
  logits?: Tensor;
}

export function softmaxGate(input: Tensor, name: string, n: number, o: GateOptions = {}): Tensor {
  let z = o.logits ?? linear(input, name, n, { bias: false });
  if (o.temperature && o.temperature !== 1) z = op.mul(z, 1 / o.temperature);
  let w = op.softmax(z, -1);
  const g = input.graph;
  if (g.training && o.dropout && n > 1) {
    const noise = op.randomUniformLike(op.stopGradient(w), g.nextRandomSeed());
    const masked = op.mul(w, op.cast(op.less(noise, 1 - o.dropout), w.dtype));
    w = op.div(masked, op.add(op.reduceSum(masked, [-1], true), 1e-9));
  }
  return w;
}
