// The generative sequential ranker option (HSTU-style): the candidate is the query token of a
// causal pointwise-attention transformer over the user's behaviours (the `block: hstu` entry of
// model.sequence, hstu.ts); its state, beside the other features, feeds a small shared layer and
// one head per task: y_k = t_k(MLP([h_candidate, x_other])).
import { z } from 'zod';
import { mlp } from '../../engine/layers/index.js';
import { tower, type ModelDef } from '../base.js';
import { dims, mlpFields } from '../common.js';

const schema = z.object({
  bottom: dims.default([128]),
  tower: dims.default([64]),
  ...mlpFields,
}).strict();

export const hstu: ModelDef<typeof schema> = {
  name: 'hstu',
  description: 'Generative sequential ranker: HSTU causal transformer over the behaviours with the candidate as the query token, one head per task.',
  schema,
  build(cfg, x, tasks) {
    const g = x.g;
    const h = cfg.bottom.length ? mlp(x.all(), 'bottom', cfg.bottom, cfg) : x.all();
    const logits: Record<string, ReturnType<typeof tower>> = {};
    for (const t of tasks) logits[t.name] = tower(h, `tower.${t.name}`, cfg.tower, cfg);
    const last = cfg.bottom.length ? g.params.get(`bottom.${cfg.bottom.length - 1}.weight`)!.tensor : undefined;
    return { logits, ...(last ? { shared: last } : {}), extras: { 'g.bottom': h } };
  },
};
