// DCN-v2 (Wang et al., WWW 2021), parallel form: cross layers x_{l+1} = x_0 ⊙ (x_l·W_l + b_l) + x_l
// next to a deep MLP; the logit reads both.
import { z } from 'zod';
import * as op from '../engine/ops/index.js';
import { linear, mlp } from '../engine/layers/index.js';
import type { ModelDef } from './base.js';
import { crossNetwork, dims, mlpFields, singleTask } from './common.js';

const schema = z.object({
  cross_layers: z.number().int().positive().default(3),
  hidden: dims.default([256, 128]),
  ...mlpFields,
}).strict();

export const dcnv2: ModelDef<typeof schema> = {
  name: 'dcn_v2',
  description: 'DCN-v2 single-task baseline: full-rank cross network in parallel with a DNN.',
  schema,
  checkTasks: singleTask('dcn_v2'),
  build(cfg, x, tasks) {
    const x0 = x.all();
    const xl = crossNetwork(x0, 'dcn.cross', cfg.cross_layers);
    const deep = mlp(x0, 'dcn.deep', cfg.hidden, cfg);
    const logit = linear(op.concat([xl, deep], 1), 'dcn.out', 1);
    return { logits: { [tasks[0]!.name]: logit } };
  },
};
