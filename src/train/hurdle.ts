// The log-normal hurdle head (`loss: lognormal`, optionally with `hurdle`): a non-negative label
// that is 0 unless an event happened ("entered") and log-normal otherwise. Its served value is
//
//   E[y | x] = p_enter(x) · exp(μ(x) + σ_s²/2)
//
// μ(x): the task's one logit, a Gaussian regression on ln y over the rows with y > 0 (losses.ts
// `gaussian`); σ_s²/2 (and a per-slice level b_s of the residual) fitted after training on
// training rows and written into the head bias and the wide table (lognormal-fit.ts), so the
// exported model carries it; p_enter(x): the served probability of another, binary task of the
// config (`hurdle.task`) — except on rows where every impression is entered
// (`hurdle.entered_when`: a column and values, read through a single-id vocabulary feature of the
// model, so the rule lives in the graph and therefore in the exported model too), where p_enter ≡ 1.
// Without `hurdle` the served value is exp(μ + σ²/2), E[y | y > 0, x].
import { z } from 'zod';
import type { Table } from '../data/table.js';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { canonicalText, parseFeatureConfig, type FittedFeatures } from '../features/index.js';
import type { Forward } from '../models/assemble.js';
import type { ModelInputs } from '../models/base.js';
import type { TaskConfig } from './config.js';
import { predOutput } from './heads.js';

export const LOGNORMAL = 'lognormal';
/** The graph output holding a lognormal task's μ̂ (its logit: ln of the conditional median; not exported). */
export const logMeanOutput = (t: string) => `logmean.${t}`;

export const hurdleSchema = z.object({
  /** The binary task whose served probability is p_enter. */
  task: z.string(),
  /** Rows where the entering event is certain (p_enter ≡ 1): the column's value is one of `values`. */
  entered_when: z.object({
    column: z.string(),
    values: z.array(z.union([z.string(), z.number()])).min(1),
  }).strict().optional(),
}).strict();

export const varianceSchema = z.object({
  /** A wide feature (model.wide): σ² and the level of ln y − μ̂ are fitted per row of its table. */
  by: z.string().optional(),
  /** Training rows scored for the fit (a seeded random sample); default all of them. */
  rows: z.number().int().positive().optional(),
  /** A slice with fewer positive rows than this keeps the global σ² and level. */
  min_rows: z.number().int().positive().default(100),
}).strict();

export type HurdleConfig = z.infer<typeof hurdleSchema>;
export type VarianceConfig = z.infer<typeof varianceSchema>;

type TaskWithHurdle = TaskConfig & { hurdle?: HurdleConfig; variance?: VarianceConfig };

export const isLogNormal = (t: { loss?: string }): boolean => t.loss === LOGNORMAL;

/** Config checks that need the whole task list (parseTrainConfig calls it after the losses are set). */
export function checkLogNormalTasks(tasks: TaskConfig[], where: string): void {
  const names = tasks.map((t) => t.name);
  for (const t of tasks as TaskWithHurdle[]) {
    const at = `${where}: tasks "${t.name}"`;
    if (!isLogNormal(t)) {
      if (t.hurdle) throw new Error(`${at}.hurdle: only loss "${LOGNORMAL}" has a hurdle (loss is "${t.loss}")`);
      if (t.variance) throw new Error(`${at}.variance: only loss "${LOGNORMAL}" fits a variance term (loss is "${t.loss}")`);
      continue;
    }
    if (t.label_transform !== 'none') throw new Error(`${at}.label_transform: "${t.label_transform}" cannot be combined with loss "${LOGNORMAL}" (it regresses ln label itself; use label_transform: none)`);
    const h = t.hurdle;
    if (!h) continue;
    const p = tasks.find((x) => x.name === h.task);
    if (!p) throw new Error(`${at}.hurdle.task: "${h.task}" is not a task; tasks are ${names.join(', ')}`);
    if (p.name === t.name) throw new Error(`${at}.hurdle.task: a task cannot be its own hurdle`);
    if (p.kind !== 'binary') throw new Error(`${at}.hurdle.task: task "${p.name}" is a ${p.kind} task; p_enter must be a binary task's probability`);
  }
}

/** The `entered_when` rule resolved against the fitted features: a feature and the ids that mean "entered". */
export interface EnteredRule {
  feature: string;
  ids: number[];
}

export interface ResolvedHurdle {
  /** The binary task giving p_enter. */
  task: string;
  entered: EnteredRule | null;
}

/**
 * Per lognormal task with a hurdle: the p_enter task and the entered rule as ids of a single-id
 * vocabulary feature reading `entered_when.column` (a hashed feature could put other values in the
 * same bucket, so it is not accepted). Errors name the config field.
 */
export function resolveHurdles(tasks: TaskConfig[], fitted: FittedFeatures, train: Table, wide: string[], where = 'config'): Record<string, ResolvedHurdle> {
  const out: Record<string, ResolvedHurdle> = {};
  const defs = parseFeatureConfig(fitted.config, 'fitted features').features;
  for (const t of tasks as TaskWithHurdle[]) {
    const by = isLogNormal(t) ? t.variance?.by : undefined;
    if (by !== undefined && !wide.includes(by)) throw new Error(`${where}: tasks "${t.name}".variance.by: "${by}" is not a wide feature of the model; model.wide is [${wide.join(', ')}]`);
    if (!isLogNormal(t) || !t.hurdle) continue;
    const h = t.hurdle, at = `${where}: tasks "${t.name}".hurdle.entered_when`;
    if (!h.entered_when) { out[t.name] = { task: h.task, entered: null }; continue; }
    const col = h.entered_when.column;
    if (!train.columns[col]) throw new Error(`${at}.column: column "${col}" is not in the data (columns: ${Object.keys(train.columns).join(', ')})`);
    const single = new Set(fitted.specs.filter((s) => s.output === 'ids').map((s) => s.name));
    const def = defs.find((d) => d.kind === 'id' && single.has(d.name) && d.column === col && d.hash_buckets === undefined);
    if (!def || def.kind !== 'id') {
      throw new Error(`${at}.column: no single-id vocabulary feature reads column "${col}"; the rule must come from an input the model sees — add one, e.g. { name: ${col}, kind: id, column: ${col}, vocab: { min_count: 1 } }`);
    }
    const vocab = fitted.vocabs[def.table] ?? [];
    const ids = h.entered_when.values.map((v) => {
      const i = vocab.indexOf(canonicalText(v) ?? '');
      if (i < 0) throw new Error(`${at}.values: ${JSON.stringify(v)} is not in the vocabulary of feature "${def.name}" (column "${col}": ${vocab.join(', ')})`);
      return i + 2; // vocab entry i has id i + 2 (0 missing, 1 out of vocabulary)
    });
    out[t.name] = { task: h.task, entered: { feature: def.name, ids } };
  }
  return out;
}

/**
 * Graph: value · p, with p = p_enter, or 1 on the rows whose `entered` feature id is one of the
 * rule's ids (p + ind·(1 − p), ind a 0/1 lookup of the ids in a constant vector).
 */
export function hurdleProduct(value: Tensor, pEnter: Tensor, inputs: ModelInputs, entered: EnteredRule | null): Tensor {
  if (!entered) return op.mul(value, pEnter);
  const g = inputs.g;
  const { ids, count } = inputs.ids(entered.feature);
  const flags = new Float64Array(count);
  for (const id of entered.ids) flags[id] = 1;
  const table = g.constant(g.float === 'float32' ? Float32Array.from(flags) : flags, [count], g.float);
  const ind = op.unsqueeze(op.gather(table, ids, 0), [1]); // [B, 1]
  return op.mul(value, op.add(pEnter, op.mul(ind, op.sub(1, pEnter))));
}

/**
 * The served outputs `pred.<task>` (predOf: a task's own prediction, e.g. σ(z) or exp(z), with
 * the balance correction), a hurdle task's as the product with its p_enter task's served
 * probability, plus `logmean.<task>` = μ̂ for every lognormal task (the post-training fit reads it).
 */
export function servedOutputs(tasks: TaskConfig[], f: Forward, predOf: (t: TaskConfig) => Tensor, hurdles: Record<string, ResolvedHurdle>): Record<string, Tensor> {
  const preds = new Map(tasks.map((t) => [t.name, predOf(t)]));
  const out: Record<string, Tensor> = {};
  for (const t of tasks) {
    const h = hurdles[t.name];
    out[predOutput(t.name)] = h ? hurdleProduct(preds.get(t.name)!, preds.get(h.task)!, f.inputs, h.entered) : preds.get(t.name)!;
    if (!isLogNormal(t)) continue;
    const z = f.out.logits[t.name];
    if (!z) throw new Error(`task "${t.name}": loss ${LOGNORMAL} needs the model to output a logit for it`);
    out[logMeanOutput(t.name)] = z;
  }
  return out;
}
