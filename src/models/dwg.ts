// DWG, the dynamic weight gate on strong-bias features (spec §5: PEPNet's "features with strong
// biases … dynamically scale … through a gate mechanism", used for debiasing). A Gate NU reads the
// bias features and the stop-gradient of what it scales and rescales it per sample:
//   DWG(x_bias, h) = h ⊙ γ·sigmoid(W₂·ReLU(W₁·[E(x_bias) ⊕ ⊘(h)] + b₁) + b₂),   γ = 2, δ ∈ (0, 2)
// applied at the embeddings (E, element- or field-wise, as EPNet) and/or at every tower layer (per
// task, as PPNet), on a shared-bottom base:
//   O = δ_emb ⊗ E,   h = bottom(O),   tower layer l of task t reads δ⁽ˡ'ᵗ⁾ ⊗ H⁽ˡ'ᵗ⁾
// E is the deep input WITHOUT the bias features: they reach the score only through the gates, so
// serving them at canonical values (`serve_as: { position: 0 }`, train/serve-form.ts) changes the
// score only through δ. `context_features` (scenario, activity…) also feed the gates but stay in E.
// W₂ = 0, b₂ = 0 at start: δ ≡ 1 and DWG is `shared_bottom` on E exactly.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import { mlp } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelInputs, type ModelOutputs } from './base.js';
import { dims, mlpFields } from './common.js';
import { epnetLayer } from './epnet.js';
import { featureInput, featureList, gateFields, gateInput } from './gate-nu.js';
import { ppnetTowers } from './ppnet.js';

/** Feature options of the debiasing models (DWG, PAL, shallow tower). */
export const biasFields = {
  /** Strong-bias features (position, exposure source…): read by the bias part only, left out of the main input. */
  bias_features: featureList,
  /** Context features (scenario, activity…): read by the bias part AND kept in the main input. */
  context_features: z.array(z.string().min(1)).default([]),
};

/** [E(bias features) ⊕ E(context features)], names checked under their config keys; overlaps refused. */
export function biasInput(x: ModelInputs, bias: string[], context: string[]): Tensor {
  const both = bias.filter((f) => context.includes(f));
  if (both.length) throw new Error(`model.context_features: ${both.join(', ')} also in model.bias_features; a feature is either left out of the main input (bias) or kept in it (context)`);
  const b = featureInput(x, 'bias_features', bias);
  return context.length ? featureInput(x, 'context_features', [...bias, ...context]) : b;
}

const schema = z.object({
  ...biasFields,
  /** What the gates scale: the embeddings (EPNet-style), the tower layers (PPNet-style), or both. */
  scale: z.array(z.enum(['embedding', 'tower'])).min(1).default(['embedding', 'tower'])
    .refine((l) => new Set(l).size === l.length, { message: 'lists a target twice' }),
  granularity: z.enum(['element', 'field']).default('element'),
  gate_position: z.enum(['input', 'output']).default('output'),
  ...gateFields,
  bottom: dims.default([256, 128]),
  tower: dims.min(1).default([64]),
  ...mlpFields,
}).strict();

export const dwg: ModelDef<typeof schema> = {
  name: 'dwg',
  description: 'DWG: Gate NUs over strong-bias features and the stop-gradient of what they scale rescale the embeddings and/or tower layers (shared-bottom base).',
  schema,
  build(cfg, x, tasks) {
    const gin = biasInput(x, cfg.bias_features, cfg.context_features);
    const main = x.without(cfg.bias_features);
    const out: ModelOutputs = { logits: {}, extras: {} };
    let E: Tensor;
    if (cfg.scale.includes('embedding')) {
      const ep = epnetLayer(main, [...cfg.bias_features, ...cfg.context_features], cfg.granularity, cfg.gate_hidden, 'dwg.emb');
      E = ep.out;
      out.extras!['delta.dwg.emb'] = ep.delta;
    } else E = main.all();
    const h = cfg.bottom.length ? mlp(E, 'bottom', cfg.bottom, cfg) : E;
    if (cfg.bottom.length) out.shared = x.g.params.get(`bottom.${cfg.bottom.length - 1}.weight`)!.tensor;
    if (!cfg.scale.includes('tower')) {
      for (const t of tasks) out.logits[t.name] = tower(h, `tower.${t.name}`, cfg.tower, cfg);
      return out;
    }
    const towers = ppnetTowers(tasks.map(() => h), gateInput(gin, h), tasks, cfg.tower, {
      position: cfg.gate_position, gateHidden: cfg.gate_hidden, activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm,
    }, 'dwg.tower');
    out.logits = towers.logits;
    Object.assign(out.extras!, towers.extras);
    return out;
  },
};
