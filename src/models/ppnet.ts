// PPNet (Kuaishou 2019; the upper half of PEPNet, Chang et al., KDD 2023): one tower per task, every
// tower layer scaled per task by a Gate NU fed with personalized priors (user, streamer, activity…)
// and the stop-gradient of the shared input H⁽⁰⁾:
//   δ⁽ˡ⁾ = U_pp⁽ˡ⁾(O_prior ⊕ ⊘(H⁽⁰⁾)) ∈ R^{T·d_l},  split into δ⁽ˡ'ᵗ⁾ ∈ R^{d_l}
//   O_pp⁽ˡ'ᵗ⁾ = δ⁽ˡ'ᵗ⁾ ⊗ H⁽ˡ'ᵗ⁾,   H⁽ˡ⁺¹'ᵗ⁾ = f(O_pp⁽ˡ'ᵗ⁾ W⁽ˡ'ᵗ⁾ + b⁽ˡ'ᵗ⁾),   y_t = last layer (no f)
// gate_position `input` (the paper) gates every layer's input H⁽⁰⁾ … H⁽ᴸ⁾; `output` (EasyRec's lazy
// mode, TorchEasyRec) gates the hidden layers' outputs H⁽¹⁾ … H⁽ᴸ⁾ only — the same but for H⁽⁰⁾.
// With every gate's last layer at zero (its initial value) δ ≡ 1 and PPNet is `dnn` (one MLP per task).
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import type { MLPOptions } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelOutputs } from './base.js';
import { dims, mlpFields } from './common.js';
import { chunks, featureInput, featureList, gateFields, gateInput, gateNU } from './gate-nu.js';

export const ppnetFields = {
  prior_features: featureList,
  tower: dims.min(1).default([256, 128, 64]),
  gate_position: z.enum(['input', 'output']).default('input'),
  ...gateFields,
};

export interface PPNetOptions extends MLPOptions {
  position: 'input' | 'output';
  gateHidden?: number;
}

/**
 * Per-task towers over `h0[t]` (one input per task, all of one width) gated by PPNet's Gate NUs on
 * `gateIn`: one Gate NU per gated layer l (`<name>.h<l>`), its T·d_l outputs split by task.
 * Towers are `tower.<task>` (the same parameters an ungated tower has).
 */
export function ppnetTowers(h0: Tensor[], gateIn: Tensor, tasks: { name: string }[], towerDims: number[], o: PPNetOptions, name = 'ppnet'): ModelOutputs {
  const T = tasks.length;
  const d0 = h0[0]!.shape[1] as number;
  const first = o.position === 'input' ? 0 : 1; // the first gated H⁽ˡ⁾
  const widths = [d0, ...towerDims].slice(first, towerDims.length + 1);
  const out: ModelOutputs = { logits: {}, extras: {} };
  const delta = widths.map((d, i) => {
    const l = i + first;
    const full = gateNU(gateIn, `${name}.h${l}`, T * d, { hidden: o.gateHidden });
    out.extras![`delta.${name}.h${l}`] = full;
    return chunks(full, T);
  });
  const gate = (l: number, t: number) => delta[l - first]![t]!;
  const { position: _p, gateHidden: _h, ...mlpOpts } = o;
  tasks.forEach((t, k) => {
    const input = first === 0 ? op.mul(h0[k]!, gate(0, k)) : h0[k]!;
    out.logits[t.name] = tower(input, `tower.${t.name}`, towerDims, { ...mlpOpts, onLayer: (h, i) => op.mul(h, gate(i + 1, k)) });
  });
  return out;
}

const schema = z.object({ ...ppnetFields, ...mlpFields }).strict();

export const ppnet: ModelDef<typeof schema> = {
  name: 'ppnet',
  description: 'PPNet: per-task towers, every layer scaled by a Gate NU over prior features and the stop-gradient input.',
  schema,
  build(cfg, x, tasks) {
    const h0 = x.all();
    const prior = featureInput(x, 'prior_features', cfg.prior_features);
    return ppnetTowers(tasks.map(() => h0), gateInput(prior, h0), tasks, cfg.tower, {
      position: cfg.gate_position, gateHidden: cfg.gate_hidden, activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm,
    });
  },
};
