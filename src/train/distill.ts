// Distillation in the trainer: a distilled task's loss is
//   w_label·(its own loss on its labels) + w_mse·MSE + w_soft·T²·softBCE + w_list·T²·KL_listwise
// against the teacher's logits, fed per batch as `teacher.<task>` [B, 1] from the table's
// teacher__<task> column (distill-data.ts). The terms are distill-losses.ts.
import type { Table } from '../data/table.js';
import { isStringColumn } from '../data/table.js';
import type { Graph, Tensor } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import * as op from '../engine/ops/index.js';
import type { TaskConfig } from './config.js';
import { teacherColumn } from './distill-config.js';
import { distillLoss } from './distill-losses.js';

export const teacherInput = (task: string): string => `teacher.${task}`;

/** The teacher logits of every distilled task for a batch (host side; tasks whose column the table lacks are left out). */
export function hostTeacher(table: Table, tasks: readonly TaskConfig[], rowOffset = 0): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const t of tasks) {
    if (!t.distill) continue;
    const name = teacherColumn(t.name);
    const c = table.columns[name];
    if (!c) continue; // a projection without it (e.g. label statistics); teacherFeeds refuses a training batch without it
    if (isStringColumn(c)) throw new Error(`task "${t.name}".distill: column "${name}" holds text`);
    const v = Float32Array.from(c as ArrayLike<number>);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`task "${t.name}".distill: teacher logit "${name}" is ${v[bad]} at row ${rowOffset + bad}`);
    out[t.name] = v;
  }
  return out;
}

/** Graph feeds of the teacher logits; a distilled task without them is an error naming the column. */
export function teacherFeeds(teacher: Record<string, Float32Array> | undefined, tasks: readonly TaskConfig[]): Record<string, Feed> {
  const f: Record<string, Feed> = {};
  for (const t of tasks) {
    if (!t.distill) continue;
    const v = teacher?.[t.name];
    if (!v) throw new Error(`task "${t.name}".distill: the data has no teacher column "${teacherColumn(t.name)}" (distillation trains on data.requests, which the teacher scores)`);
    f[teacherInput(t.name)] = { data: v, dims: [v.length, 1] };
  }
  return f;
}

/** A distilled task's loss from its label loss `labelLoss` (scalar) and its student logits [B, 1]. */
export function distilledTaskLoss(g: Graph, t: TaskConfig, logits: Tensor, labelLoss: Tensor, groupSize: number | undefined): Tensor {
  const d = t.distill!;
  if (d.weights.listwise > 0 && !groupSize) throw new Error(`task "${t.name}".distill.weights.listwise: needs data.requests (the candidates per request)`);
  const zt = g.input(teacherInput(t.name), g.float, ['B', 1]);
  const dl = distillLoss(logits, zt, { weights: d.weights, temperature: d.temperature, groupSize: groupSize ?? 2 });
  const label = op.mul(labelLoss, d.weights.label);
  return dl ? op.add(label, dl) : label;
}
