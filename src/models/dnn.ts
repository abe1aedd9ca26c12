// Single-task DNN (or one independent DNN per task): y_k = t_k(x). The single-task baseline.
import { z } from 'zod';
import { tower, type ModelDef } from './base.js';
import { dims, mlpFields } from './common.js';

const schema = z.object({
  hidden: dims.default([256, 128, 64]),
  ...mlpFields,
}).strict();

export const dnn: ModelDef<typeof schema> = {
  name: 'dnn',
  description: 'A separate MLP per task over all features (no sharing): the single-task baseline.',
  schema,
  build(cfg, x, tasks) {
    const input = x.all();
    const logits: Record<string, ReturnType<typeof tower>> = {};
    for (const t of tasks) logits[t.name] = tower(input, `dnn.${t.name}`, cfg.hidden, cfg);
    return { logits };
  },
};
