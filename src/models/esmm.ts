// ESMM (Ma et al., SIGIR 2018): over the whole exposure space, pCTCVR = pCTR × pCVR. The CTR and
// CVR towers share the embeddings; only CTR and CTCVR carry labels, so CVR is learned without
// sample-selection bias.
import { z } from 'zod';
import * as op from '../engine/ops/index.js';
import { tower, type ModelDef } from './base.js';
import { dims, mlpFields } from './common.js';

const schema = z.object({
  ctr_task: z.string(),
  ctcvr_task: z.string(),
  tower: dims.default([256, 128, 64]),
  ...mlpFields,
}).strict();

export const esmm: ModelDef<typeof schema> = {
  name: 'esmm',
  description: 'Entire-space multi-task model: pCTCVR = pCTR × pCVR trained on all exposures.',
  schema,
  checkTasks(cfg, tasks) {
    const names = tasks.map((t) => t.name);
    for (const [key, name] of [['ctr_task', cfg.ctr_task], ['ctcvr_task', cfg.ctcvr_task]] as const) {
      if (!names.includes(name)) throw new Error(`model.${key}: "${name}" is not a task; tasks are ${names.join(', ')}`);
    }
    if (tasks.length !== 2) throw new Error(`model esmm: needs exactly the two tasks ${cfg.ctr_task} and ${cfg.ctcvr_task}, got ${names.join(', ')}`);
    if (tasks.some((t) => t.kind !== 'binary')) throw new Error('model esmm: both tasks must be binary');
  },
  build(cfg, x) {
    const input = x.all();
    const zCtr = tower(input, 'esmm.ctr', cfg.tower, cfg);
    const zCvr = tower(input, 'esmm.cvr', cfg.tower, cfg);
    const pCvr = op.sigmoid(zCvr);
    return {
      logits: { [cfg.ctr_task]: zCtr },
      probs: { [cfg.ctcvr_task]: op.mul(op.sigmoid(zCtr), pCvr) },
      extras: { p_cvr: pCvr },
    };
  },
};
