// Scoring a table with the current model and accumulating the metric matrix (task × scenario ×
// country, with the oracle when the data carries true probabilities).
import { sliceTable, type Table } from '../data/table.js';
import type { Evaluator } from '../engine/step.js';
import { transform } from '../features/index.js';
import { MetricMatrix, type MatrixJSON } from '../metrics/index.js';
import type { Assembler } from './assembler.js';
import type { TaskConfig } from './config.js';
import { hostLabels, predOutput } from './heads.js';
import { Progress } from './progress.js';
import type { Debias } from './debias.js';

export interface SliceColumns {
  scenario?: string;
  country?: string;
  group?: string;
}

export interface EvalResult {
  matrix: MatrixJSON;
  /** Predictions per task for every row of the table, in table order. */
  preds: Record<string, Float32Array>;
  seconds: number;
}

export interface EvalOptions {
  batchSize: number;
  slices: SliceColumns;
  calibrationBins?: number;
  progress?: boolean;
  label?: string;
  /** Only the "all" cells (faster, e.g. for validation during training). */
  allOnly?: boolean;
  /** With allOnly: the per-scenario cells too (validation during training, for the TensorBoard scalars). */
  byScenario?: boolean;
  /** The session's debiasing: a D2Q task's scored quantile q̂ becomes Φ_k⁻¹(q̂) seconds (required for D2Q tasks). */
  debias?: Debias | null;
}

/** Score `table` and compute the metric matrix. */
export async function evaluateTable(
  table: Table, ev: Evaluator, asm: Assembler, tasks: TaskConfig[], o: EvalOptions,
): Promise<EvalResult> {
  const t0 = performance.now();
  const N = table.numRows;
  const preds: Record<string, Float32Array> = Object.fromEntries(tasks.map((t) => [t.name, new Float32Array(N)]));
  const mm = new MetricMatrix({
    tasks: tasks.map((t) => ({ name: t.name, kind: t.kind })),
    scenarioCountry: !o.allOnly,
    calibrationBins: o.calibrationBins ?? 10,
  });
  const progress = new Progress({ label: o.label ?? 'eval', total: N, enabled: o.progress ?? false, unit: 'rows' });
  const slice = (col: string | undefined, part: Table, always = false) => {
    if (!col || (o.allOnly && !always)) return undefined;
    const c = part.columns[col];
    if (!c) throw new Error(`eval: slice column "${col}" is not in the data`);
    return c as ArrayLike<string | number | null>;
  };
  for (let start = 0; start < N; start += o.batchSize) {
    const part = sliceTable(table, start, Math.min(N, start + o.batchSize));
    const fb = transform(asm.fitted, part);
    const out = await ev.run(asm.feeds(fb), tasks.map((t) => predOutput(t.name)));
    const labels = hostLabels(part, tasks, start);
    const batchPreds: Record<string, Float32Array> = {};
    const trueProbs: Record<string, ArrayLike<number>> = {};
    for (const t of tasks) {
      const q = out[predOutput(t.name)]!.data as Float32Array;
      const p = o.debias ? o.debias.served(t.name, q, part, start) : q;
      preds[t.name]!.set(p, start);
      batchPreds[t.name] = p;
      if (t.true_prob) {
        const c = part.columns[t.true_prob];
        if (!c) throw new Error(`task "${t.name}".true_prob: column "${t.true_prob}" is not in the data`);
        trueProbs[t.name] = c as ArrayLike<number>;
      }
    }
    mm.add({
      n: part.numRows,
      preds: batchPreds,
      labels: labels.metricLabel,
      trueProbs: Object.keys(trueProbs).length ? trueProbs : undefined,
      scenario: slice(o.slices.scenario, part, o.byScenario),
      country: slice(o.slices.country, part),
      user: slice(o.slices.group, part, true),
    });
    progress.update(Math.min(N, start + o.batchSize));
  }
  progress.stop();
  return { matrix: mm.toJSON(), preds, seconds: (performance.now() - t0) / 1000 };
}

/** Read `<task>.<metric>` (e.g. "click.auc") from the "all" cell of a matrix. */
export function metricValue(m: MatrixJSON, key: string): number | null {
  const [task, metric] = key.split('.');
  const cell = m.tasks[task!]?.all as unknown as Record<string, unknown> | undefined;
  if (!cell) throw new Error(`metric "${key}": no task "${task}" in the metric matrix`);
  if (!(metric! in cell)) throw new Error(`metric "${key}": no metric "${metric}"; have ${Object.keys(cell).join(', ')}`);
  const v = cell[metric!];
  return typeof v === 'number' ? v : null;
}
