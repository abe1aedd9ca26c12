// DeepFM (Guo et al., IJCAI 2017): logit = linear(x) + FM(v) + DNN(x), with the FM's second-order
// term ½ Σ_d [(Σ_f v_{f,d})² − Σ_f v_{f,d}²] over field embeddings of one common dimension.
import { z } from 'zod';
import * as op from '../engine/ops/index.js';
import { linear, mlp } from '../engine/layers/index.js';
import type { ModelDef } from './base.js';
import { dims, mlpFields, singleTask } from './common.js';

const schema = z.object({
  hidden: dims.default([256, 128, 64]),
  /** Common FM dimension when fields have different embedding dims (each is projected to it). */
  fm_dim: z.number().int().positive().optional(),
  ...mlpFields,
}).strict();

export const deepfm: ModelDef<typeof schema> = {
  name: 'deepfm',
  description: 'DeepFM single-task baseline: first-order + factorization machine + DNN.',
  schema,
  checkTasks: singleTask('deepfm'),
  build(cfg, x, tasks) {
    const input = x.all();
    const v = x.stacked(cfg.fm_dim); // [B, F, d]
    const s = op.reduceSum(v, [1]); // [B, d]
    const fm = op.mul(op.reduceSum(op.sub(op.mul(s, s), op.reduceSum(op.mul(v, v), [1])), [1], true), 0.5);
    const deep = mlp(mlp(input, 'deepfm.dnn', cfg.hidden, cfg), 'deepfm.out', [1], { lastActivation: false });
    const logit = op.add(op.add(linear(input, 'deepfm.linear', 1), fm), deep);
    return { logits: { [tasks[0]!.name]: logit } };
  },
};
