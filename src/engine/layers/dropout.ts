// Inverted dropout, seeded per layer from the graph seed; the identity in eval mode.
import type { Tensor } from '../graph.js';
import * as op from '../ops/index.js';

export function dropout(x: Tensor, p: number): Tensor {
  if (p < 0 || p >= 1) throw new Error(`dropout: rate ${p} must be in [0, 1)`);
  const g = x.graph;
  if (!g.training || p === 0) return x;
  const keep = 1 - p;
  const noise = op.randomUniformLike(op.stopGradient(x), g.nextRandomSeed());
  const mask = op.cast(op.less(noise, keep), x.dtype);
  return op.mul(x, op.mul(mask, 1 / keep));
}
