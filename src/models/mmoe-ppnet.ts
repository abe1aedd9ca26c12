// MMoE × PPNet: MMoE (Ma et al., KDD 2018) — experts f_i, per-task gates g^k = softmax(W_{g,k}·x),
// f^k = Σ_i g^k_i f_i, y_k = h^k(f^k) — personalized by PPNet's priors in one of three patterns:
//  pepnet_towers  EPNet on the embeddings → MMoE experts → PPNet-gated towers: tower layer l of
//                 task k reads δ⁽ˡ'ᵏ⁾ ⊗ H⁽ˡ'ᵏ⁾, δ⁽ˡ⁾ = U_pp⁽ˡ⁾(O_prior ⊕ ⊘(O_ep)), H⁽⁰'ᵏ⁾ = f^k.
//  prior_gates    expert routing from the priors: g^k = softmax(W_{g,k}·[⊘(x) ⊕ O_prior]), written
//                 W_{g,k}·⊘(x) + W^p_{g,k}·O_prior with W^p zero-initialised (starts as MMoE's routing).
//  gated_experts  a Gate NU scales each expert's output before mixing:
//                 f̃_i = δ_i ⊗ f_i, δ = U(O_prior ⊕ ⊘(x)) ∈ R^{n·d} split per expert.
// `domain_features` (required by pepnet_towers, optional otherwise) put EPNet below the experts
// (x = O_ep). With all Gate NUs neutral (pepnet_towers, gated_experts) or W^p = 0 (prior_gates),
// the forward pass is plain `mmoe` (same parameter names).
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { linear, mixExperts, parallelMlp, type ExpertBank } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelOutputs } from './base.js';
import { bankOutputs, crossNetwork, dims, moeFields } from './common.js';
import { epnetFields, epnetLayer } from './epnet.js';
import { featureInput, featureList, gateFields, gateInput, gateNU } from './gate-nu.js';
import { softmaxGate } from './gates.js';
import { ppnetTowers } from './ppnet.js';

const schema = z.object({
  pattern: z.enum(['pepnet_towers', 'prior_gates', 'gated_experts']),
  experts: z.number().int().positive().default(4),
  expert: dims.min(1).default([256, 128]),
  ...moeFields,
  prior_features: featureList,
  domain_features: epnetFields.domain_features.optional(),
  granularity: epnetFields.granularity,
  gate_position: z.enum(['input', 'output']).default('input'),
  ...gateFields,
}).strict().superRefine((c, ctx) => {
  if (c.pattern === 'pepnet_towers' && !c.domain_features) {
    ctx.addIssue({ code: 'custom', path: ['domain_features'], message: 'pattern pepnet_towers needs domain features (EPNet below the experts), e.g. [scenario, country]' });
  }
});

/** f̃_i = δ_i ⊗ f_i for δ [B, n·d] (expert i's chunk is columns [i·d, (i+1)·d)). */
function gateExperts(bank: ExpertBank, delta: Tensor): ExpertBank {
  const d = bank.out.shape[2] as number;
  const perExpert = op.reshape(delta, [delta.shape[0]!, bank.n, d]); // [B, n, d]
  const aligned = bank.layout === 'bnd' ? perExpert : op.transpose(perExpert, [1, 0, 2]);
  return { ...bank, out: op.mul(bank.out, aligned) };
}

export const mmoePpnet: ModelDef<typeof schema> = {
  name: 'mmoe_ppnet',
  description: 'MMoE personalized by PPNet priors: PEPNet-style towers, prior-aware gates, or gated experts.',
  schema,
  build(cfg, x, tasks) {
    const out: ModelOutputs = { logits: {}, extras: {} };
    let E = x.all();
    if (cfg.domain_features) {
      const ep = epnetLayer(x, cfg.domain_features, cfg.granularity, cfg.gate_hidden);
      E = ep.out;
      out.extras!['delta.epnet'] = ep.delta;
    }
    const prior = featureInput(x, 'prior_features', cfg.prior_features);
    const input = crossNetwork(E, 'mmoe.cross', cfg.input_cross_layers);
    const n = cfg.experts;
    let experts = parallelMlp(input, 'mmoe.experts', n, cfg.expert);
    out.extras!['experts.mmoe.experts'] = bankOutputs(experts);
    if (cfg.pattern === 'gated_experts') {
      const delta = gateNU(gateInput(prior, E), 'ppnet.experts', n * cfg.expert[cfg.expert.length - 1]!, { hidden: cfg.gate_hidden });
      out.extras!['delta.ppnet.experts'] = delta;
      experts = gateExperts(experts, delta);
    }
    const gate = { temperature: cfg.gate_temperature, dropout: cfg.gate_dropout };
    const mixtures = tasks.map((t) => {
      const name = `mmoe.gate.${t.name}`;
      const logits = cfg.pattern === 'prior_gates'
        ? op.add(linear(op.stopGradient(input), name, n, { bias: false }), linear(prior, `${name}.prior`, n, { bias: false, init: init.zeros }))
        : undefined;
      const w = softmaxGate(input, name, n, { ...gate, logits });
      out.extras![`gate.${t.name}`] = w;
      const mix = mixExperts(experts, w);
      out.extras![`g.${t.name}`] = mix; // the tower's input (diagnostics)
      return mix;
    });
    if (cfg.pattern === 'pepnet_towers') {
      const towers = ppnetTowers(mixtures, gateInput(prior, E), tasks, cfg.tower, {
        position: cfg.gate_position, gateHidden: cfg.gate_hidden, activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm,
      });
      out.logits = towers.logits;
      Object.assign(out.extras!, towers.extras);
    } else {
      for (const [k, t] of tasks.entries()) out.logits[t.name] = tower(mixtures[k]!, `tower.${t.name}`, cfg.tower, cfg);
    }
    out.shared = x.g.params.get(`mmoe.experts.${cfg.expert.length - 1}.weight`)!.tensor;
    return out;
  },
};
