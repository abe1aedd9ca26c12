// BST-style self-attention block (Chen et al., Behavior Sequence Transformer, 2019), post-LN as in
// the original transformer (`pre_ln`: x + Sublayer(LN(x)) and a final LN):
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
  /** Pre-LN (x + Sublayer(LN(x)), Xiong et al. 2020) instead of the original post-LN. */
  preLn?: boolean;
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
    const ffn = (h: Tensor) => linear(op.relu(linear(h, `${p}.ffn.0`, o.ffn)), `${p}.ffn.1`, D);
    const mhsa = (h: Tensor) => multiHeadSelfAttention(h, `${p}.mhsa`, { heads: o.heads, mask });
    if (o.preLn) {
      x = op.add(x, mhsa(layerNorm(x, `${p}.ln1`)));
      x = op.add(x, ffn(layerNorm(x, `${p}.ln2`)));
    } else {
      x = layerNorm(op.add(x, mhsa(x)), `${p}.ln1`);
      x = layerNorm(op.add(x, ffn(x)), `${p}.ln2`);
    }
  }
  return op.mul(o.preLn ? layerNorm(x, `${name}.ln_final`) : x, m3);
}
