// Shallow bias tower (Zhao et al., "Recommending what video to watch next", RecSys 2019): the
// logging bias gets its own small network whose logit is added to the main model's,
//   logit_t = main_t(x) + shallow_t(E(bias features) ⊕ E(context features))
// with the bias features dropped (zeroed, i.e. "missing") for a fraction `bias_dropout` of the
// training rows (default 0.1) so the main model does not lean on them being present. The main model
// (`base`, any registered model) never sees the bias features; serving drops the shallow logit
// (`ModelOutputs.bias.logits`, dropped by the serving form, assemble.ts). The shallow tower's last
// layer starts at zero: the model starts as its base.
import { z } from 'zod';
import { init } from '../engine/params.js';
import { linear, mlp } from '../engine/layers/index.js';
import * as op from '../engine/ops/index.js';
import type { Tensor } from '../engine/graph.js';
import type { ModelDef } from './base.js';
import { dims } from './common.js';
import { biasFields, biasInput } from './dwg.js';
import { baseSection, resolveBase, type ResolveBase } from './pal.js';
import { featureInput } from './gate-nu.js';

/** Rows of `b` [B, n] zeroed with probability p in train mode (one draw per row, no rescaling). */
export function dropRows(b: Tensor, p: number): Tensor {
  const g = b.graph;
  if (!g.training || p === 0) return b;
  const noise = op.randomUniformLike(op.stopGradient(op.slice(b, [0], [1], [1])), g.nextRandomSeed()); // [B, 1]
  return op.mul(b, op.cast(op.less(noise, 1 - p), b.dtype));
}

export function makeShallowTower(resolve: ResolveBase) {
  const schema = z.object({
    base: baseSection,
    ...biasFields,
    /** Hidden widths of the shallow tower ([] = linear in the embeddings). */
    shallow_hidden: dims.default([]),
    bias_dropout: z.number().min(0).lt(1).default(0.1),
  }).strict();
  const def: ModelDef<typeof schema> = {
    name: 'shallow_tower',
    description: 'Shallow bias tower: logit = main(x) + shallow(bias features), bias-feature dropout in training, shallow logit dropped at serving.',
    schema,
    checkTasks(cfg, tasks) { resolveBase(resolve, cfg.base, tasks); },
    build(cfg, x, tasks) {
      const base = resolveBase(resolve, cfg.base, tasks);
      biasInput(x, cfg.bias_features, cfg.context_features); // names checked under their keys
      const out = base.def.build(base.cfg as never, x.without(cfg.bias_features), tasks);
      const dropped = dropRows(featureInput(x, 'bias_features', cfg.bias_features), cfg.bias_dropout);
      const u = cfg.context_features.length ? op.concat([dropped, featureInput(x, 'context_features', cfg.context_features)], 1) : dropped;
      const h = cfg.shallow_hidden.length ? mlp(u, 'shallow', cfg.shallow_hidden) : u;
      const s = linear(h, 'shallow.out', tasks.length, { init: init.zeros });
      const logits = Object.fromEntries(tasks.map((t, k) => [t.name, tasks.length === 1 ? s : op.slice(s, [k], [k + 1], [1])]));
      out.bias = { ...out.bias, logits: { ...out.bias?.logits, ...logits } };
      out.extras = { ...out.extras, 'shallow.logit': s };
      return out;
    },
  };
  return def;
}
