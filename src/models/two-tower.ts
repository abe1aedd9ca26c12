// Two-tower retrieval model (Covington et al. 2016; Yi et al. 2019): a user tower over the user-side
// features and an item tower over static item-side features, each an MLP ending in `dim` units and
// L2-normalised; the score of a row's user for an item is their inner product over τ:
//
//   u = f(x_user) / ‖f(x_user)‖,   v = g(x_item) / ‖g(x_item)‖,   s(u, v) = ⟨u, v⟩ / τ
//
// The task's logit is s(u_i, v_i), the score of the row's own item (the trainer's metrics judge it
// against the row's label); its loss is the in-batch sampled softmax with the logQ correction
// (two-tower-loss.ts), which the model hands to the trainer's heads as the task's per-row loss.
// `log_q` (ln q per item id, [ids]) is filled in by the trainer from the training data
// (train/retrieval-logq.ts); it is not a config key.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { mlp } from '../engine/layers/index.js';
import type { ModelDef, ModelInputs } from './base.js';
import { dims, mlpFields, singleTask } from './common.js';
import { inBatchSoftmaxLoss } from './two-tower-loss.js';

export const twoTowerSchema = z.object({
  /** Embedded features the user tower reads (user profile, context, behaviour sequences). */
  user_features: z.array(z.string()).min(1),
  /** Embedded features the item tower reads: static item-side features only (precomputed per item). */
  item_features: z.array(z.string()).min(1),
  /** The single-id item feature that identifies an item (in-batch duplicates, logQ). Must be in item_features. */
  item_id: z.string(),
  user_tower: dims.default([128, 64]),
  item_tower: dims.default([128, 64]),
  /** Output dimension d of both towers. */
  dim: z.number().int().positive().default(32),
  /** τ in s = ⟨u, v⟩ / τ. */
  temperature: z.number().positive().default(0.05),
  /** Subtract log q_j from every logit (Yi et al. 2019); false = the plain in-batch softmax. */
  logq: z.boolean().default(true),
  /**
   * Extra negatives per batch: rows of `count` items drawn from the training catalog appended to
   * every batch (label masked out), `uniform` over items or ∝ `popularity` (training frequency).
   */
  hard_negatives: z.object({
    count: z.number().int().positive(),
    sampling: z.enum(['uniform', 'popularity']).default('uniform'),
  }).strict().optional(),
  ...mlpFields,
}).strict();

export type TwoTowerConfig = z.infer<typeof twoTowerSchema> & {
  /** ln q per id of the item_id feature (filled in by the trainer; absent in serving forms). */
  log_q?: Float32Array;
};

export const USER_EMB = 'user_emb';
export const ITEM_EMB = 'item_emb';

/** Checks that every embedded feature belongs to exactly one tower and that there is no dense input. */
export function checkTowerFields(cfg: TwoTowerConfig, x: ModelInputs): void {
  const have = x.layout.fields.map((f) => f.name);
  const known = new Set(have);
  for (const [key, list] of [['user_features', cfg.user_features], ['item_features', cfg.item_features]] as const) {
    const bad = list.filter((n) => !known.has(n));
    if (bad.length) throw new Error(`model.${key}: ${bad.join(', ')} ${bad.length > 1 ? 'are not embedded features' : 'is not an embedded feature'}; have ${have.join(', ')}`);
  }
  const both = cfg.user_features.filter((n) => cfg.item_features.includes(n));
  if (both.length) throw new Error(`model.item_features: ${both.join(', ')} also in user_features; each feature belongs to one tower`);
  const none = have.filter((n) => !cfg.user_features.includes(n) && !cfg.item_features.includes(n));
  if (none.length) throw new Error(`model: feature(s) ${none.join(', ')} are in no tower; list each embedded feature in model.user_features or model.item_features (or drop it from the feature config)`);
  if (x.layout.denseWidth > 0) throw new Error('model: two_tower reads embedded features only; the feature config has dense features (use bucketized features instead, or drop them)');
  if (!cfg.item_features.includes(cfg.item_id)) throw new Error(`model.item_id: "${cfg.item_id}" must be one of model.item_features (${cfg.item_features.join(', ')})`);
  const id = x.layout.fields.find((f) => f.name === cfg.item_id)!;
  if (id.ids === undefined) throw new Error(`model.item_id: "${cfg.item_id}" is a multi-value feature; it must be a single-id feature`);
}

/** x / ‖x‖ per row (ε inside the root keeps the zero vector finite). */
export function l2Normalize(x: Tensor): Tensor {
  return op.div(x, op.sqrt(op.add(op.reduceSum(op.mul(x, x), [1], true), 1e-12)));
}

/** A tower: MLP over the tower's fields, a linear output of `dim` units, L2-normalised. */
export function towerVector(cfg: TwoTowerConfig, x: ModelInputs, side: 'user' | 'item'): Tensor {
  const names = side === 'user' ? cfg.user_features : cfg.item_features;
  const hidden = side === 'user' ? cfg.user_tower : cfg.item_tower;
  const h = x.fields(names);
  const out = mlp(h, `two_tower.${side}`, [...hidden, cfg.dim], { activation: cfg.activation, dropout: cfg.dropout, norm: cfg.norm, lastActivation: false });
  return l2Normalize(out);
}

export const twoTower: ModelDef<typeof twoTowerSchema> = {
  name: 'two_tower',
  description: 'Two-tower retrieval: user and item MLPs → unit vectors, s = ⟨u, v⟩/τ; in-batch sampled softmax with logQ correction.',
  schema: twoTowerSchema,
  checkTasks: (cfg, tasks) => {
    singleTask('two_tower')(cfg, tasks);
    if (tasks[0]!.kind !== 'binary') throw new Error(`model two_tower: task "${tasks[0]!.name}" must be binary (its label marks the positive rows)`);
  },
  build(cfgIn, x, tasks) {
    const cfg = cfgIn as TwoTowerConfig;
    checkTowerFields(cfg, x);
    const user = towerVector(cfg, x, 'user');
    const item = towerVector(cfg, x, 'item');
    const task = tasks[0]!.name;
    const own = op.div(op.reduceSum(op.mul(user, item), [1], true), cfg.temperature); // s(u_i, v_i) [B, 1]
    const loss = (label: Tensor, mask: Tensor): Tensor => {
      const { ids, count } = x.ids(cfg.item_id);
      let logQ: Tensor | null = null;
      if (cfg.logq) {
        if (!cfg.log_q) throw new Error('model two_tower: logq is on, but no item frequencies were given (the trainer computes them from the training split)');
        if (cfg.log_q.length !== count) throw new Error(`model two_tower: log_q has ${cfg.log_q.length} entries; item_id "${cfg.item_id}" has ${count} ids`);
        const g = x.g;
        const table = g.constant(g.float === 'float32' ? cfg.log_q : Float64Array.from(cfg.log_q), [count, 1], g.float);
        logQ = op.gather(table, ids, 0); // [B, 1]
      }
      return inBatchSoftmaxLoss({ user, item, itemIds: ids, temperature: cfg.temperature, logQ }, label, mask);
    };
    return { logits: { [task]: own }, extras: { [USER_EMB]: user, [ITEM_EMB]: item }, losses: { [task]: loss } };
  },
};
