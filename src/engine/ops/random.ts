// In-graph randomness (seeded per op; the sequence advances with every run of a session).
import { attr, type Tensor } from '../graph.js';
import { onnxTypeCode } from './elementwise.js';

/** Uniform [0, 1) noise with the shape and float type of `like`. */
export function randomUniformLike(like: Tensor, seed: number): Tensor {
  return like.graph.addNode('RandomUniformLike', [like], {
    dtype: attr.int(onnxTypeCode(like.dtype)), low: attr.float(0), high: attr.float(1), seed: attr.float(seed),
  }, [{ dtype: like.dtype, shape: like.shape }])[0]!;
}
