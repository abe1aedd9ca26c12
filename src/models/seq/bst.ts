// BST-style self-attention block (Chen et al., Behavior Sequence Transformer, 2019), post-LN as in
// the original transformer:
//   X₀ = E + P (+ T)                     item embeddings + learned positions (+ time-since embeddings)
//   X' = LN(X + MHSA(X; padding mask))   softmax(QKᵀ/√d_k + M)·V per head, concatenated, W_O
//   X″ = LN(X' + FFN(X'))                FFN = W₂·ReLU(W₁·x)
//   (repeated `layers` times), padded rows zeroed; then target attention or masked mean pooling.
import type { Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { init } from '../../engine/params.js';
import { layerNorm, linear, multiHeadSelfAttention } from '../../engine/layers/index.js';

export interface BstOptions {
  heads: number;
  layers: number;
  ffn: number;
  position: boolean;
  /** Aligned per-position embeddings to add (time since the behaviour), [B, L, D]. */
  time?: Tensor;
}

/** keys [B, L, D], mask [B, L] → contextualised sequence [B, L, D] (padded rows 0). */
export function bstEncoder(keys: Tensor, mask: Tensor, name: string, o: BstOptions): Tensor {
  const g = keys.graph;
  const [, L, D] = keys.shape as [string | number, number, number];
  let x = keys;
  if (o.position) x = op.add(x, g.param({ name: `${name}.position`, shape: [L, D], init: init.normal(0.05), trainable: true }));
  if (o.time) x = op.add(x, o.time);
  const m3 = op.unsqueeze(mask, [2]);
  for (let l = 0; l < o.layers; l++) {
    const p = `${name}.${l}`;
    x = layerNorm(op.add(x, multiHeadSelfAttention(x, `${p}.mhsa`, { heads: o.heads, mask })), `${p}.ln1`);
    const ff = linear(op.relu(linear(x, `${p}.ffn.0`, o.ffn)), `${p}.ffn.1`, D);
    x = layerNorm(op.add(x, ff), `${p}.ln2`);
  }
  return op.mul(x, m3);
}
