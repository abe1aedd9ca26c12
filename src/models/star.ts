// STAR, Star Topology Adaptive Recommender (Sheng et al., CIKM 2021): one model for S domains
// (scenarios, countries or their cross), p = the row's domain.
//   PN:   z' = (γ·γ_p) ⊙ (z − μ)/√(σ² + ε) + (β + β_p)   (μ, σ²: the domain's batch statistics in
//         training, its running statistics E_p, Var_p at inference)
//   FCN:  h_{l+1} = φ(PN(h_l·(W_l ⊙ W_{l,p}) + (b_l + b_{l,p})))
//   aux:  s_a = FCN_aux(e_domain ⊕ other features)      ŷ = σ(s_m + s_a)
// Several tasks: a shared star FCN (the bottom, on x = embeddings ⊕ dense), then one star tower per
// task whose last layer gives s_m,k; the auxiliary network has one output s_a,k per task.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import {
  batchNorm, crossDomains, domains, mlp, partitionedNorm, starMlp, type Domains, type PartitionedNormOptions, type StarMLPOptions,
} from '../engine/layers/index.js';
import * as op from '../engine/ops/index.js';
import type { ModelDef, ModelInputs, ModelOutputs } from './base.js';
import { activation, dims } from './common.js';

const norm = z.enum(['pn', 'batch', 'none']);
const aux = z.object({
  hidden: dims.default([32, 16]),
  /** Embedded features fed to the auxiliary network besides the domain features' embeddings. */
  features: z.array(z.string()).default([]),
}).strict();

const schema = z.object({
  /** The domain feature(s): one single-id embedded feature, or several whose cross is the domain. */
  domain: z.union([z.string(), z.array(z.string()).min(1)]),
  bottom: dims.default([256, 128]),
  tower: dims.default([64]),
  input_norm: norm.default('none'),
  norm: norm.default('pn'),
  activation,
  dropout: z.number().min(0).lt(1).default(0),
  pn_momentum: z.number().gt(0).lt(1).default(0.9),
  pn_eps: z.number().positive().default(1e-5),
  aux: z.union([z.literal(false), aux]).default({ hidden: [32, 16], features: [] }),
  max_domains: z.number().int().positive().default(256),
}).strict();

/**
 * The domain of each row from `model.domain`: a feature's ids are its domains (all of them, the
 * missing and out-of-vocabulary ids included); several features cross (i, j, …) ↦ (i·S_2 + j)·… .
 */
export function domainsOf(x: ModelInputs, domain: string | string[], maxDomains: number): Domains {
  const features = typeof domain === 'string' ? [domain] : domain;
  const single = x.layout.fields.filter((f) => f.ids !== undefined).map((f) => f.name);
  for (const f of features) {
    if (!single.includes(f)) {
      throw new Error(`model.domain: "${f}" is not an embedded feature with one id per row; such features are ${single.join(', ') || '(none)'}`);
    }
  }
  if (new Set(features).size !== features.length) throw new Error(`model.domain: a feature is listed twice in ${JSON.stringify(features)}`);
  const parts = features.map((f) => x.ids(f));
  const count = parts.reduce((n, p) => n * p.count, 1);
  if (count > maxDomains) {
    throw new Error(`model.domain: ${features.map((f, i) => `${f} (${parts[i]!.count} ids)`).join(' × ')} makes ${count} domains, over model.max_domains = ${maxDomains}; every star layer keeps a weight matrix per domain — use a low-cardinality feature (scenario, country) or raise max_domains`);
  }
  return parts.map((p) => domains(p.ids, p.count)).reduce((a, b) => crossDomains(a, b));
}

export const star: ModelDef<typeof schema> = {
  name: 'star',
  description: 'STAR: partitioned normalization, star-topology FCN (shared bottom, per-task towers), auxiliary domain network.',
  schema,
  build(cfg, x, tasks) {
    const g = x.g;
    const P = domainsOf(x, cfg.domain, cfg.max_domains);
    const pn: PartitionedNormOptions = { momentum: cfg.pn_momentum, eps: cfg.pn_eps };
    const o: StarMLPOptions = { activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm, pn };

    let input = x.all();
    if (cfg.input_norm === 'pn') input = partitionedNorm(input, P, 'input.pn', pn);
    else if (cfg.input_norm === 'batch') input = batchNorm(input, 'input.bn');
    const h = starMlp(input, P, 'bottom', cfg.bottom, o);

    const out: ModelOutputs = { logits: {}, extras: {} };
    let sa: Tensor | null = null;
    if (cfg.aux) {
      const have = x.layout.fields.map((f) => f.name);
      for (const f of cfg.aux.features) {
        if (!have.includes(f)) throw new Error(`model.aux.features: "${f}" is not an embedded feature; have ${have.join(', ')}`);
      }
      const domainFeatures = typeof cfg.domain === 'string' ? [cfg.domain] : cfg.domain;
      const auxIn = x.fields([...new Set([...domainFeatures, ...cfg.aux.features])]);
      sa = mlp(auxIn, 'aux', [...cfg.aux.hidden, tasks.length], { activation: cfg.activation, lastActivation: false });
    }
    tasks.forEach((t, k) => {
      const sm = starMlp(h, P, `tower.${t.name}`, [...cfg.tower, 1], { ...o, lastActivation: false });
      if (!sa) { out.logits[t.name] = sm; return; }
      const sak = op.slice(sa, [k], [k + 1], [1]);
      out.extras![`aux.${t.name}`] = sak;
      out.logits[t.name] = op.add(sm, sak);
    });
    if (cfg.bottom.length) out.shared = g.params.get(`bottom.${cfg.bottom.length - 1}.weight`)!.tensor;
    return out;
  },
};
