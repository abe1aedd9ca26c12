// Shared-Bottom (Caruana 1997): h = f(x) shared by all tasks; y_k = t_k(h).
import { z } from 'zod';
import { mlp } from '../engine/layers/index.js';
import { tower, type ModelDef } from './base.js';
import { crossNetwork, dims, inputCross, mlpFields } from './common.js';

const schema = z.object({
  bottom: dims.default([256, 128]),
  tower: dims.default([64]),
  ...mlpFields,
  ...inputCross,
}).strict();

export const sharedBottom: ModelDef<typeof schema> = {
  name: 'shared_bottom',
  description: 'One shared MLP bottom, one tower per task.',
  schema,
  build(cfg, x, tasks) {
    const g = x.g;
    const h = mlp(crossNetwork(x.all(), 'bottom.cross', cfg.input_cross_layers), 'bottom', cfg.bottom, cfg);
    const last = g.params.get(`bottom.${cfg.bottom.length - 1}.weight`)!.tensor;
    const logits: Record<string, ReturnType<typeof tower>> = {};
    for (const t of tasks) logits[t.name] = tower(h, `tower.${t.name}`, cfg.tower, cfg);
    return { logits, shared: last, extras: { 'g.bottom': h } }; // g.bottom: every tower's input (diagnostics)
  },
};
