// Gate NU, the building block of PPNet / EPNet / PEPNet (Chang et al., KDD 2023; after LHUC):
//   x' = ReLU(x·W + b)
//   δ  = γ · sigmoid(x'·W' + b'),   γ = 2,  δ ∈ (0, γ)
// W', b' start at zero, so δ ≡ γ/2 = 1 and a gated network starts as its ungated base network.
// Also: the gate inputs built from named features, checked against the embedded features.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { linear } from '../engine/layers/index.js';
import type { ModelInputs } from './base.js';

export interface GateNUOptions {
  /** Width of the ReLU layer (default: the output width, as EasyRec / QunBB). */
  hidden?: number;
  /** Output scale γ (default 2: the neutral value γ/2 is 1). */
  gamma?: number;
}

/** δ = γ·sigmoid(W'·ReLU(W·x + b) + b') [B, out]; parameters `<name>.0.*` (W, b) and `<name>.1.*` (W', b', zero-initialised). */
export function gateNU(x: Tensor, name: string, out: number, o: GateNUOptions = {}): Tensor {
  const h = op.relu(linear(x, `${name}.0`, o.hidden ?? out, { init: init.he }));
  const z = linear(h, `${name}.1`, out, { init: init.zeros, biasInit: init.zeros });
  return op.mul(op.sigmoid(z), o.gamma ?? 2);
}

/** Config options of the gated models. */
export const gateFields = {
  /** ReLU width of every Gate NU (default: each gate's output width). */
  gate_hidden: z.number().int().positive().optional(),
};

/** A list of embedded feature names (at least one, no repeats). */
export const featureList = z.array(z.string().min(1)).min(1)
  .refine((l) => new Set(l).size === l.length, { message: 'lists a feature twice' });

/**
 * The named features' embeddings side by side [B, Σdim] — the gate's side input (domain features for
 * EPNet, prior features for PPNet). Unknown names fail with the config key and the features there are.
 */
export function featureInput(x: ModelInputs, key: string, names: string[]): Tensor {
  const have = x.layout.fields.map((f) => f.name);
  for (const n of names) {
    if (!have.includes(n)) {
      throw new Error(`model.${key}: "${n}" is not an embedded feature; embedded features are ${have.join(', ') || '(none)'}`
        + ' (dense features have no embedding: use a bucketized version of them)');
    }
  }
  return names.length === 1 ? x.field(names[0]!) : x.fields(names);
}

/** The gate input [side ⊕ ⊘(main)]: the gate sees `main` but sends it no gradient. */
export function gateInput(side: Tensor, main: Tensor): Tensor {
  return op.concat([side, op.stopGradient(main)], 1);
}

/** Split a gate's output [B, T·d] into T chunks [B, d] (chunk t scales task t only). */
export function chunks(delta: Tensor, n: number): Tensor[] {
  if (n === 1) return [delta];
  const d = (delta.shape[1] as number) / n;
  return op.split(delta, Array.from({ length: n }, () => d), 1);
}
