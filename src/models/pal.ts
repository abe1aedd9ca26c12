// PAL, position-bias aware learning (Guo et al., RecSys 2019): a click needs the card to be seen,
//   p(click | x, pos) = p(seen | pos, scenario) · p(click | x, seen)
// p(seen) = σ(MLP([E(bias features) ⊕ E(context features)])) (position, and the scenario whose feed
// is scrolled differently; starts at `seen_init`, 0.5), p(click | x, seen) = σ(base model on x
// without the bias features).
// Training fits the product with BCE; serving drops p(seen) and ranks by p(click | x, seen) —
// `ModelOutputs.bias.factors`, dropped by the serving form (assemble.ts). The base is any
// registered model (`base: { type: shared_bottom, … }`); `tasks` names the tasks that need the card
// to be seen (default click). The learned examination curve (p(seen) per scenario and position,
// normalised to e_0 = 1) is written by train/examination.ts.
import { z } from 'zod';
import { init } from '../engine/params.js';
import { linear, mlp } from '../engine/layers/index.js';
import * as op from '../engine/ops/index.js';
import type { ModelDef, TaskInfo } from './base.js';
import { dims } from './common.js';
import { biasFields, biasInput } from './dwg.js';

/** Resolves a nested model section (registry.resolveModel, passed in to avoid an import cycle). */
export type ResolveBase = (section: unknown, tasks: TaskInfo[], where: string) => { def: ModelDef; cfg: unknown; wide: string[]; serveAs: Record<string, unknown> };

/** A nested `base: { type, … }` model section. */
export const baseSection = z.object({ type: z.string() }).passthrough();

/** The base model of a wrapper, resolved and checked (no wide part / serve_as of its own). */
export function resolveBase(resolve: ResolveBase, section: unknown, tasks: TaskInfo[]) {
  const b = resolve(section, tasks, 'model.base');
  if (b.wide.length || Object.keys(b.serveAs).length) throw new Error('model.base: put `wide` and `serve_as` on the outer model section, not on its base');
  return b;
}

/**
 * p(seen) starts at 0.5 by default: far from σ's saturation at 1, where p(seen | top) and
 * p(seen | 1) would both stick near 1 (a start at 0.9 learned e_1/e_0 = 0.98 instead of 0.76 on
 * today's world, validation split) — the main model's logit absorbs the factor 2 (its level is free:
 * PAL identifies p(seen) only up to a factor).
 */
export const SEEN_INIT = 0.5;

export function makePal(resolve: ResolveBase) {
  const schema = z.object({
    base: baseSection,
    ...biasFields,
    tasks: z.array(z.string().min(1)).min(1).default(['click']),
    /** Hidden widths of the examination network ([] = logistic regression on the embeddings). */
    seen_hidden: dims.default([]),
    /** p(seen) at the start, the same for every position. */
    seen_init: z.number().gt(0).lt(1).default(SEEN_INIT),
  }).strict();
  const def: ModelDef<typeof schema> = {
    name: 'pal',
    description: 'PAL: p(click) = p(seen | position, scenario) · p(click | x, seen), trained on the product, served as p(click | x, seen).',
    schema,
    checkTasks(cfg, tasks) {
      for (const t of cfg.tasks) {
        const info = tasks.find((x) => x.name === t);
        if (!info) throw new Error(`model.tasks: "${t}" is not a task; tasks are ${tasks.map((x) => x.name).join(', ')}`);
        if (info.kind !== 'binary') throw new Error(`model.tasks: "${t}" is a ${info.kind} task; p(seen) multiplies a probability (binary tasks only)`);
      }
      resolveBase(resolve, cfg.base, tasks);
    },
    build(cfg, x, tasks) {
      const base = resolveBase(resolve, cfg.base, tasks);
      const u = biasInput(x, cfg.bias_features, cfg.context_features);
      const out = base.def.build(base.cfg as never, x.without(cfg.bias_features), tasks);
      const h = cfg.seen_hidden.length ? mlp(u, 'pal.seen', cfg.seen_hidden) : u;
      const seen = op.sigmoid(linear(h, 'pal.seen.out', 1, { init: init.zeros, biasInit: init.constant(Math.log(cfg.seen_init / (1 - cfg.seen_init))) }));
      out.bias = { ...out.bias, factors: { ...out.bias?.factors, ...Object.fromEntries(cfg.tasks.map((t) => [t, seen])) } };
      out.extras = { ...out.extras, 'pal.seen': seen };
      return out;
    },
  };
  return def;
}
