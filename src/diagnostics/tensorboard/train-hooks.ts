// The training run's TensorBoard log (RUN/tb) and feature statistics (RUN/diagnostics/feature_stats.jsonl),
// written from the trainer's hooks (train/hooks.ts). Tags:
//   loss/total, loss/<task>, task_weight/<task>, lr, grad_norm                       every step
//   val/<task>/<metric>                                                              each validation
//   test/<task>/<metric>, test/<task>/scenario=<s>/<metric>, …/country=<c>/<metric>    after training
//   tower/<task>/logit, tower/<task>/prob (regression: tower/<task>/pred), and the same
//     /scenario=<s> and /country=<c> (at most MAX_SLICES values each)                  every N steps
//   gate/<gate>/expert_<i> (gate.<task> extras), expert/<bank>/expert_<i> (experts.<bank>, over at
//     most EXPERT_ROWS evenly spaced batch rows), expert_dead_relu/<bank>/expert_<i> (share of exact
//     zeros in those rows), extra/<name> (deltas, …)                                 every N steps
//   emb_grad_norm/<feature> (histogram over touched rows), feature/<feature>/grad_norm,
//     feature/<feature>/update_ratio, feature/<feature>/touched_rows                   every N steps
//   config (text)                                                                    at the start
import { stringify } from 'yaml';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixJSON, TaskJSON } from '../../metrics/matrix-types.js';
import type { TrainConfig } from '../../train/config.js';
import type { StepTensors, StepValues, TensorValue, TrainHooks } from '../../train/hooks.js';
import { FEATURE_STATS_FILE, FeatureStatsWriter } from '../feature-stats.js';
import { EventWriter, SummaryBatch, TB_DIR } from './writer.js';

export const MAX_SLICES = 12;
/** Expert outputs ([B, n, d], d often 128+) are histogrammed over every k-th batch row, at most this many rows. */
export const EXPERT_ROWS = 512;
const CELL_METRICS = ['auc', 'gauc', 'logloss', 'pcoc', 'mean_pred', 'pos_rate', 'rmse', 'mae', 'xauc', 'mean_label'] as const;

export class TensorBoardHooks implements TrainHooks {
  readonly tensorsEvery: number;
  readonly writer: EventWriter;
  readonly stats: FeatureStatsWriter;

  constructor(cfg: TrainConfig, runDir: string, resumeStep: number | null, o: { every: number; buckets?: number }) {
    this.tensorsEvery = o.every;
    this.buckets = o.buckets;
    if (resumeStep === null) { // a fresh run: an earlier run's event files and statistics would mix with this one's
      rmSync(join(runDir, TB_DIR), { recursive: true, force: true });
      rmSync(join(runDir, FEATURE_STATS_FILE), { force: true });
    }
    this.writer = new EventWriter(join(runDir, TB_DIR));
    this.stats = new FeatureStatsWriter(runDir, resumeStep);
    const { baseDir: _, ...shown } = cfg;
    const text = stringify(shown).split('\n').map((l) => `    ${l}`).join('\n'); // indented: a markdown code block
    if (resumeStep !== null) this.writer.restart(resumeStep, `resumed at step ${resumeStep}`);
    this.writer.add(resumeStep ?? 0, new SummaryBatch().text('config', text));
    this.writer.flush();
  }

  private readonly buckets?: number;

  onStep(step: number, v: StepValues): void {
    const b = new SummaryBatch(this.buckets);
    b.scalar('loss/total', v.loss).scalar('lr', v.lr).scalar('grad_norm', v.gradNorm);
    for (const [t, l] of Object.entries(v.taskLoss)) b.scalar(`loss/${t}`, l);
    for (const [t, w] of Object.entries(v.taskWeight)) b.scalar(`task_weight/${t}`, w);
    if (v.tensors) {
      tensorSummaries(b, v.tensors);
      this.stats.append(step, v.tensors.features);
    }
    this.writer.add(step, b);
    if (v.tensors) this.writer.flush();
  }

  onEval(step: number, split: 'val' | 'test', m: MatrixJSON): void {
    const b = new SummaryBatch(this.buckets);
    for (const [task, tj] of Object.entries(m.tasks)) cellScalars(b, `${split}/${task}`, tj);
    this.writer.add(step, b);
    this.writer.flush();
  }

  onEnd(): void {
    this.writer.close();
  }
}

function cellScalars(b: SummaryBatch, prefix: string, tj: TaskJSON): void {
  const put = (p: string, cell: object) => {
    for (const k of CELL_METRICS) {
      const x = (cell as Record<string, unknown>)[k];
      if (typeof x === 'number' && Number.isFinite(x)) b.scalar(`${p}/${k}`, x);
    }
  };
  put(prefix, tj.all);
  for (const [s, c] of Object.entries(tj.by_scenario ?? {})) put(`${prefix}/scenario=${s}`, c);
  for (const [s, c] of Object.entries(tj.by_country ?? {})) put(`${prefix}/country=${s}`, c);
}

/** Rows of each slice value (the first MAX_SLICES values by row count). */
function sliceRows(values: (string | null)[]): [string, Int32Array][] {
  const by = new Map<string, number[]>();
  values.forEach((v, i) => { const k = v ?? '(missing)'; let a = by.get(k); if (!a) by.set(k, (a = [])); a.push(i); });
  return [...by].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).slice(0, MAX_SLICES)
    .sort((a, b) => a[0].localeCompare(b[0])).map(([k, a]) => [k, Int32Array.from(a)]);
}

const pick = (x: Float32Array, rows: Int32Array) => Float32Array.from(rows, (r) => x[r]!);

/** Column j of a [rows, n, …] tensor, flattened over the trailing dims; every `stride`-th row. */
function member(t: TensorValue, j: number, stride = 1): Float32Array {
  const [B, n] = [t.dims[0]!, t.dims[1]!];
  const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
  const rows = Math.ceil(B / stride);
  const out = new Float32Array(rows * inner);
  for (let r = 0; r < rows; r++) {
    const b = r * stride;
    out.set(t.data.subarray((b * n + j) * inner, (b * n + j + 1) * inner), r * inner);
  }
  return out;
}

export function tensorSummaries(b: SummaryBatch, t: StepTensors): void {
  const slices = Object.entries(t.slices).map(([name, v]) => [name, sliceRows(v)] as const);
  for (const [task, v] of Object.entries(t.tasks)) {
    const series: [string, Float32Array][] = v.kind === 'binary'
      ? [...(v.logit ? [['logit', v.logit] as [string, Float32Array]] : []), ['prob', v.pred]]
      : [['pred', v.pred]];
    for (const [what, x] of series) {
      b.histogram(`tower/${task}/${what}`, x);
      for (const [name, groups] of slices) for (const [val, rows] of groups) b.histogram(`tower/${task}/${name}=${val}/${what}`, pick(x, rows));
    }
  }
  for (const [k, x] of Object.entries(t.extras)) {
    if (k.startsWith('gate.') && x.dims.length === 2) {
      for (let j = 0; j < x.dims[1]!; j++) b.histogram(`gate/${k.slice(5)}/expert_${j}`, member(x, j));
    } else if (k.startsWith('experts.') && x.dims.length >= 2) {
      const bank = k.slice(8);
      const stride = Math.max(1, Math.ceil(x.dims[0]! / EXPERT_ROWS));
      for (let j = 0; j < x.dims[1]!; j++) {
        const m = member(x, j, stride);
        b.histogram(`expert/${bank}/expert_${j}`, m);
        let zeros = 0;
        for (let i = 0; i < m.length; i++) if (m[i] === 0) zeros++;
        b.scalar(`expert_dead_relu/${bank}/expert_${j}`, m.length ? zeros / m.length : 0);
      }
    } else b.histogram(`extra/${k}`, x.data);
  }
  for (const [f, s] of Object.entries(t.features)) {
    b.histogram(`emb_grad_norm/${f}`, s.rowGradNorms);
    b.scalar(`feature/${f}/grad_norm`, s.grad_norm).scalar(`feature/${f}/update_ratio`, s.update_ratio).scalar(`feature/${f}/touched_rows`, s.touched_rows);
  }
}
