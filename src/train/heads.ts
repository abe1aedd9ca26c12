// Task heads: per-task labels, sample-space masks and row weights (host side, from a data batch)
// and the matching graph inputs, losses, prediction transforms and loss weighting (graph side).
import type { Column, Table } from '../data/table.js';
import { isStringColumn } from '../data/table.js';
import type { Graph, Tensor } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import * as op from '../engine/ops/index.js';
import type { Forward } from '../models/assemble.js';
import type { TaskInfo } from '../models/base.js';
import type { TaskConfig } from './config.js';
import { isLogLink, reduceTaskLoss, taskLoss, type LossName } from './losses.js';
import type { TaskWeighting } from './weighting.js';
import type { Debias } from './debias.js';
import { distilledTaskLoss, hostTeacher, teacherFeeds } from './distill.js';

export const labelInput = (t: string) => `label.${t}`;
export const maskInput = (t: string) => `mask.${t}`;
export const weightInput = (t: string) => `weight.${t}`;
/** Plain selection IPS: 1 on the batch rows of the task's full space (the loss's denominator). */
export const denominatorInput = (t: string) => `ips_den.${t}`;
export const lossOutput = (t: string) => `loss.${t}`;
export const predOutput = (t: string) => `pred.${t}`;
export const TASK_WEIGHT_OUTPUT = 'task_weight_values';

export function taskInfos(tasks: TaskConfig[]): TaskInfo[] {
  return tasks.map((t) => ({ name: t.name, kind: t.kind }));
}

/** Whether the head needs a per-row weight input. */
function weighted(t: TaskConfig): boolean {
  return t.loss === 'weighted_lr' || t.weight_column !== undefined;
}

/**
 * Prediction in the label's own units: σ(z) for binary tasks (or the model's probability), exp(z)
 * for weighted-LR watch time (Covington et al.) and for the log-link losses (poisson / tweedie:
 * exp(z) estimates E[y | x]), expm1(z) for log1p-transformed regression labels.
 */
export function predictionOf(t: TaskConfig, f: Forward): Tensor {
  const z = f.out.logits[t.name];
  if (t.kind === 'binary' || !z) return f.preds[t.name]!;
  if (t.loss === 'weighted_lr' || isLogLink(t.loss) || t.loss === 'lognormal') return op.exp(z); // lognormal: exp(μ); hurdle.ts adds σ²/2 and p_enter
  if (t.label_transform === 'log1p') return op.sub(op.exp(z), 1);
  return z;
}

export interface HeadGraph {
  loss: Tensor;
  outputs: Record<string, Tensor>;
}

/**
 * Losses of every task (over its sample space) combined by the weighting. `scales`: per log-link
 * task, the label scale its loss is normalized by (`labelScales`; 1 when absent).
 */
export function buildHeads(g: Graph, tasks: TaskConfig[], f: Forward, weighting: TaskWeighting, scales: Record<string, number> = {}, debias: Debias | null = null, groupSize?: number): HeadGraph {
  const outputs: Record<string, Tensor> = {};
  const losses = tasks.map((t) => {
    const y = g.input(labelInput(t.name), g.float, ['B', 1]);
    const m = g.input(maskInput(t.name), g.float, ['B', 1]);
    const w = weighted(t) ? g.input(weightInput(t.name), g.float, ['B', 1]) : null;
    const prob = f.out.probs?.[t.name];
    let perRow: Tensor;
    const own = f.out.losses?.[t.name];
    if (own) perRow = own(y, m); // a loss the model defines (two_tower: in-batch softmax over the batch)
    else if (prob) {
      // A probability from the model (ESMM's pCTCVR): BCE on p, clipped away from 0 and 1.
      const p = op.clip(prob, 1e-7, 1 - 1e-7);
      perRow = op.neg(op.add(op.mul(y, op.log(p)), op.mul(op.sub(1, y), op.log(op.sub(1, p)))));
    } else {
      const o = t.loss_options;
      perRow = taskLoss(t.loss as LossName, f.out.logits[t.name]!, y, {
        posWeight: o.pos_weight, negWeight: o.neg_weight, alpha: o.alpha, gamma: o.gamma, delta: o.delta,
        power: o.power, scale: scales[t.name],
      });
    }
    const den = debias?.needsDenominator(t.name) ? g.input(denominatorInput(t.name), g.float, ['B', 1]) : null;
    const l0 = reduceTaskLoss(perRow, m, w, den);
    const l = t.distill ? distilledTaskLoss(g, t, f.out.logits[t.name]!, l0, groupSize) : l0; // distillation terms (distill.ts)
    outputs[lossOutput(t.name)] = l;
    return l;
  });
  const c = weighting.combine(g, losses, f.out.shared);
  outputs[TASK_WEIGHT_OUTPUT] = c.weights;
  return { loss: c.total, outputs };
}

function numericColumn(table: Table, name: string, what: string): Column {
  const c = table.columns[name];
  if (!c) throw new Error(`${what}: column "${name}" is not in the data (columns: ${Object.keys(table.columns).join(', ')})`);
  return c;
}

function matches(v: unknown, sel: NonNullable<TaskConfig['sample_space']>): boolean {
  if (sel.equals !== undefined && v !== sel.equals && String(v) !== String(sel.equals)) return false;
  if (sel.in && !sel.in.some((x) => x === v || String(x) === String(v))) return false;
  return true;
}

export interface HostLabels {
  /** Per task: label (after transforms), mask, weight — each Float32Array [B]. */
  label: Record<string, Float32Array>;
  mask: Record<string, Float32Array>;
  weight: Record<string, Float32Array>;
  /** Raw labels for metrics (NaN outside the task's space). */
  metricLabel: Record<string, Float32Array>;
  /** Plain selection IPS (debias.ts): per task, 1 on the rows of the full space. */
  denominator?: Record<string, Float32Array>;
  /** Distilled tasks: the teacher's logit of every row (distill.ts). */
  teacher?: Record<string, Float32Array>;
}

/** The columns a task reads from a table (label, sample space, weight). */
export function taskColumns(table: Table, t: TaskConfig): { label: Column; space: Column | null; weight: Column | null } {
  const where = `task "${t.name}"`;
  const label = numericColumn(table, t.label, `${where}.label`);
  if (isStringColumn(label)) throw new Error(`${where}.label: column "${t.label}" holds text; a numeric label is required`);
  const space = t.sample_space ? numericColumn(table, t.sample_space.column, `${where}.sample_space`) : null;
  const weight = t.weight_column ? numericColumn(table, t.weight_column, `${where}.weight_column`) : null;
  if (weight && isStringColumn(weight)) throw new Error(`${where}.weight_column: column "${t.weight_column}" holds text`);
  return { label, space, weight };
}

/** Is row i in task t's sample space (label present and the sample-space column matching)? */
export function inSampleSpace(t: TaskConfig, c: ReturnType<typeof taskColumns>, i: number): boolean {
  return !Number.isNaN(c.label[i] as number) && (!c.space || matches(c.space[i], t.sample_space!));
}

/** What is wrong with row i's label or weight for task t (null = fine). Rows outside the task's space are always fine. */
export function labelProblem(t: TaskConfig, c: ReturnType<typeof taskColumns>, i: number): string | null {
  if (!inSampleSpace(t, c, i)) return null;
  const v = c.label[i] as number;
  if (t.kind === 'binary' && v !== 0 && v !== 1) return `task "${t.name}": label column "${t.label}" is ${v}; binary labels must be 0 or 1 (or missing)`;
  const weight = c.weight ? (c.weight[i] as number) : 1;
  if (!(weight >= 0 && Number.isFinite(weight))) return `task "${t.name}": weight column "${t.weight_column}" is ${weight}; weights must be finite and ≥ 0`;
  if (t.loss === 'weighted_lr' && v < 0) return `task "${t.name}": weighted_lr label "${t.label}" is negative (${v})`;
  if (isLogLink(t.loss) && v < 0) return `task "${t.name}": ${t.loss} label "${t.label}" is negative (${v}); a log-link loss needs labels ≥ 0`;
  if (t.loss === 'lognormal' && v < 0) return `task "${t.name}": lognormal label "${t.label}" is negative (${v}); it needs labels ≥ 0 (0 = not entered)`;
  if (t.loss !== 'weighted_lr' && t.label_transform === 'log1p' && v <= -1) return `task "${t.name}": log1p label "${t.label}" is ${v} (must be > -1)`;
  if (!Number.isFinite(v)) return `task "${t.name}": label column "${t.label}" is ${v}`;
  return null;
}

/** Labels, masks and weights of a data batch; bad labels raise an error naming task and row. */
export function hostLabels(table: Table, tasks: TaskConfig[], rowOffset = 0): HostLabels {
  const B = table.numRows;
  const out: HostLabels = { label: {}, mask: {}, weight: {}, metricLabel: {} };
  for (const t of tasks) {
    const cols = taskColumns(table, t);
    const y = new Float32Array(B), m = new Float32Array(B), w = new Float32Array(B), raw = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      const problem = labelProblem(t, cols, i);
      if (problem) throw new Error(`${problem} (row ${rowOffset + i})`);
      const v = cols.label[i] as number;
      const inSpace = inSampleSpace(t, cols, i);
      let weight = cols.weight ? (cols.weight[i] as number) : 1;
      let target = v;
      if (t.loss === 'weighted_lr') {
        target = v > 0 ? 1 : 0;
        weight *= v > 0 ? v : 1;
      } else if (t.label_transform === 'log1p') {
        target = Math.log1p(v);
      }
      // lognormal: a Gaussian on ln y over the rows with y > 0 (the zeros are the hurdle's; metricLabel keeps them)
      const fits = inSpace && (t.loss !== 'lognormal' || v > 0);
      if (t.loss === 'lognormal' && fits) target = Math.log(v);
      if (!fits) { target = 0; weight = 0; }
      y[i] = target; m[i] = fits ? 1 : 0; w[i] = weight; raw[i] = inSpace ? v : NaN;
    }
    out.label[t.name] = y; out.mask[t.name] = m; out.weight[t.name] = w; out.metricLabel[t.name] = raw;
  }
  if (tasks.some((t) => t.distill)) out.teacher = hostTeacher(table, tasks, rowOffset);
  return out;
}

/** Graph feeds for the labels of a batch. */
export function labelFeeds(h: HostLabels, tasks: TaskConfig[]): Record<string, Feed> {
  const f: Record<string, Feed> = {};
  for (const t of tasks) {
    const B = h.label[t.name]!.length;
    f[labelInput(t.name)] = { data: h.label[t.name]!, dims: [B, 1] };
    f[maskInput(t.name)] = { data: h.mask[t.name]!, dims: [B, 1] };
    if (weighted(t)) f[weightInput(t.name)] = { data: h.weight[t.name]!, dims: [B, 1] };
    const den = h.denominator?.[t.name];
    if (den) f[denominatorInput(t.name)] = { data: den, dims: [B, 1] };
  }
  Object.assign(f, teacherFeeds(h.teacher, tasks));
  return f;
}

/**
 * Starting value of each task's logit bias from the training labels: the log-odds of the base rate
 * (shifted by log(w₊/w₋) for weighted BCE), log of the weighted odds for weighted-LR watch time,
 * the log of the mean label for the log-link losses (poisson / tweedie), the mean (transformed)
 * label for other regression losses.
 */
export function initialLogitBias(train: Table, tasks: TaskConfig[]): Record<string, number> {
  const h = hostLabels(train, tasks);
  const out: Record<string, number> = {};
  for (const t of tasks) {
    const y = h.label[t.name]!, m = h.mask[t.name]!, w = h.weight[t.name]!;
    let sw = 0, swy = 0, n = 0;
    const useW = t.loss === 'weighted_lr' || t.weight_column !== undefined;
    for (let i = 0; i < y.length; i++) {
      if (!m[i]) continue;
      const wi = useW ? w[i]! : 1;
      sw += wi; swy += wi * y[i]!; n++;
    }
    if (n === 0 || sw <= 0) continue;
    if (t.kind === 'binary' || t.loss === 'weighted_lr') {
      const q = Math.min(1 - 1e-6, Math.max(1e-6, swy / sw));
      let b = Math.log(q / (1 - q));
      if (t.loss === 'weighted_bce') b += Math.log((t.loss_options.pos_weight ?? 1) / (t.loss_options.neg_weight ?? 1));
      out[t.name] = b;
    } else if (isLogLink(t.loss)) {
      out[t.name] = Math.log(Math.max(swy / sw, 1e-6));
    } else {
      out[t.name] = swy / sw;
    }
  }
  return out;
}

/**
 * The label scale of each log-link task (poisson / tweedie): its (weighted) training mean, exp of
 * the starting bias from `initialLogitBias`. Only the training loss uses it (as a normalizer), so
 * predictions and the exported model do not depend on it.
 */
export function labelScales(bias: Record<string, number>, tasks: TaskConfig[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks) if (isLogLink(t.loss) && bias[t.name] !== undefined) out[t.name] = Math.exp(bias[t.name]!);
  return out;
}
