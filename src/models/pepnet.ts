// PEPNet (Chang et al., KDD 2023): EPNet below personalizes the embeddings by domain, PPNet above
// personalizes every tower layer by task, with stop-gradients between them:
//   O_ep = U_ep(E(F_d) ⊕ ⊘(E)) ⊗ E                                    (epnet.ts)
//   δ⁽ˡ⁾ = U_pp⁽ˡ⁾(O_prior ⊕ ⊘(O_ep)),  split per task;  H⁽⁰⁾ = O_ep     (ppnet.ts)
// With both gates neutral (their last layers at zero, the initial value) PEPNet is `dnn` exactly.
import { z } from 'zod';
import type { ModelDef } from './base.js';
import { mlpFields } from './common.js';
import { epnetFields, epnetLayer } from './epnet.js';
import { featureInput, gateInput } from './gate-nu.js';
import { ppnetFields, ppnetTowers } from './ppnet.js';

const schema = z.object({ ...epnetFields, ...ppnetFields, ...mlpFields }).strict();

export const pepnet: ModelDef<typeof schema> = {
  name: 'pepnet',
  description: 'PEPNet: EPNet (domain gate on the embeddings) below PPNet (per-task gates on every tower layer).',
  schema,
  build(cfg, x, tasks) {
    const ep = epnetLayer(x, cfg.domain_features, cfg.granularity, cfg.gate_hidden);
    const prior = featureInput(x, 'prior_features', cfg.prior_features);
    const out = ppnetTowers(tasks.map(() => ep.out), gateInput(prior, ep.out), tasks, cfg.tower, {
      position: cfg.gate_position, gateHidden: cfg.gate_hidden, activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm,
    });
    out.extras!['delta.epnet'] = ep.delta;
    out.extras!['epnet.out'] = ep.out;
    return out;
  },
};
