// Softmax gates of mixture-of-experts models: w = softmax(W_g·x / τ), optional gate dropout with
// renormalization (YouTube's fix for gate polarization), in train mode only.
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { linear, type GroupMember } from '../engine/layers/index.js';

export interface GateOptions {
  temperature?: number;
  dropout?: number;
  /** Gate logits W_g·x computed elsewhere (a linearGroup member `gateMember(name, n)`). */
  logits?: Tensor;
}

/** The linearGroup member computing a gate's logits (the same parameter softmaxGate creates). */
export function gateMember(name: string, n: number): GroupMember {
  return { name, out: n, bias: false };
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
