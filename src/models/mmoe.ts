// MMoE (Ma et al., KDD 2018): experts f_i shared by all tasks; per task k a gate
// g^k(x) = softmax(W_{g,k}·x) mixes them, f^k(x) = Σ_i g^k_i(x)·f_i(x), and y_k = h^k(f^k(x)).
import { z } from 'zod';
import { mixExperts, parallelMlp } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelOutputs } from './base.js';
import { bankOutputs, crossNetwork, dims, moeFields } from './common.js';
import { softmaxGate } from './gates.js';

const schema = z.object({
  experts: z.number().int().positive().default(4),
  expert: dims.default([256, 128]),
  ...moeFields,
}).strict();

export const mmoe: ModelDef<typeof schema> = {
  name: 'mmoe',
  description: 'Multi-gate mixture of experts: shared experts, one softmax gate and tower per task.',
  schema,
  build(cfg, x, tasks) {
    const input = crossNetwork(x.all(), 'mmoe.cross', cfg.input_cross_layers);
    const E = parallelMlp(input, 'mmoe.experts', cfg.experts, cfg.expert);
    const out: ModelOutputs = { logits: {}, extras: { 'experts.mmoe.experts': bankOutputs(E) } };
    for (const t of tasks) {
      const w = softmaxGate(input, `mmoe.gate.${t.name}`, cfg.experts, { temperature: cfg.gate_temperature, dropout: cfg.gate_dropout });
      out.extras![`gate.${t.name}`] = w;
      const mix = mixExperts(E, w);
      out.extras![`g.${t.name}`] = mix; // the tower's input (diagnostics)
      out.logits[t.name] = tower(mix, `tower.${t.name}`, cfg.tower, cfg);
    }
    out.shared = x.g.params.get(`mmoe.experts.${cfg.expert.length - 1}.weight`)!.tensor;
    return out;
  },
};
