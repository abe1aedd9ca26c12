// Section "Training curves" from train_log.jsonl: total and per-task loss, learning rate, gradient
// norm, task weights (when they move), and the validation ranking metric and PCOC per task.
import { existsSync } from 'node:fs';
import { lines } from './charts.js';
import { chart, esc, html, para, type Part, type Section } from './html.js';
import { isObject, readJsonl } from './read.js';

type Point = Record<string, string | number | null>;

const numOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface TrainingSeries {
  train: { step: number; loss: number | null; lr: number | null; grad_norm: number | null }[];
  taskLoss: Point[];
  taskWeight: Point[];
  val: Point[];
  truncatedLast: boolean;
}

/** The log's records as chart rows; a record without a numeric step is an error naming the line. */
export function trainingSeries(path: string): TrainingSeries {
  const { rows, truncatedLast } = readJsonl(path);
  const s: TrainingSeries = { train: [], taskLoss: [], taskWeight: [], val: [], truncatedLast };
  rows.forEach((r, i) => {
    const step = numOr(r.step);
    if (step === null) throw new Error(`${path}: record ${i + 1} (kind ${JSON.stringify(r.kind)}) has no numeric "step"; expected {"kind": "train" | "val", "step": n, …}`);
    if (r.kind === 'train') {
      s.train.push({ step, loss: numOr(r.loss), lr: numOr(r.lr), grad_norm: numOr(r.grad_norm) });
      if (isObject(r.task_loss)) for (const [task, v] of Object.entries(r.task_loss)) s.taskLoss.push({ step, task, value: numOr(v) });
      if (isObject(r.task_weight)) for (const [task, v] of Object.entries(r.task_weight)) s.taskWeight.push({ step, task, value: numOr(v) });
    } else if (r.kind === 'val' && isObject(r.metrics)) {
      for (const [task, c] of Object.entries(r.metrics)) {
        if (!isObject(c)) continue;
        const binary = 'auc' in c;
        s.val.push({ step, task, metric: binary ? 'AUC' : 'XAUC', value: numOr(binary ? c.auc : c.xauc), pcoc: numOr(c.pcoc_true ?? c.pcoc) });
      }
    }
  });
  return s;
}

export function trainingSection(path: string): Section {
  const sec: Section = { id: 'training', title: 'Training curves', parts: [] };
  if (!existsSync(path)) {
    sec.parts.push(html(`<p class="missing">${esc(path)} not found: no training log to plot</p>`));
    return sec;
  }
  const s = trainingSeries(path);
  const parts: Part[] = [];
  if (!s.train.length && !s.val.length) {
    sec.parts.push(para(`${path} holds no training records yet.`, 'missing'));
    return sec;
  }
  const steps = s.train.length ? `${s.train.length} logged steps up to step ${s.train[s.train.length - 1]!.step}` : 'no training steps logged';
  parts.push(para(`From ${path}: ${steps}, ${new Set(s.val.map((v) => v.step)).size} validation evaluations.${s.truncatedLast ? ' The last line was cut off (the run was interrupted while writing) and is skipped.' : ''}`));
  if (s.train.length) {
    parts.push(chart(lines('Training loss (total)', s.train, { x: 'step', y: 'loss', yTitle: 'weighted loss' })));
    parts.push(chart(lines('Training loss per task', s.taskLoss, { x: 'step', y: 'value', series: 'task', yTitle: 'loss', logY: true })));
    parts.push(chart(lines('Learning rate', s.train, { x: 'step', y: 'lr', yTitle: 'learning rate', zero: true })));
    parts.push(chart(lines('Gradient norm', s.train, { x: 'step', y: 'grad_norm', yTitle: 'global gradient norm' })));
    const moving = new Set(s.taskWeight.map((p) => p.value)).size > 1;
    if (moving) parts.push(chart(lines('Task weights', s.taskWeight, { x: 'step', y: 'value', series: 'task', yTitle: 'weight' })));
  }
  if (s.val.length) {
    parts.push(chart(lines('Validation AUC / XAUC per task', s.val, { x: 'step', y: 'value', series: 'task', yTitle: 'AUC (binary) / XAUC (regression)' })));
    const bin = s.val.filter((v) => v.metric === 'AUC');
    if (bin.length) parts.push(chart(lines('Validation PCOC per binary task', bin, { x: 'step', y: 'pcoc', series: 'task', yTitle: 'Σ pred / Σ truth (1 = calibrated)' })));
  }
  sec.parts = parts;
  return sec;
}
