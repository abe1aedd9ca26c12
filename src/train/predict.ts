// `liverank predict`: per-row predictions of a finished run, written as a table (CSV / JSONL /
// Parquet) next to ids, labels and truth — for a split of the run's data, or for request snapshots of
// its world (every live room of sampled requests, src/data/world/requests.ts), which is what
// `liverank fusion search` replays and what coarse/fine consistency is measured on.
import { Evaluator } from '../engine/step.js';
import { sliceTable, type Column, type Table } from '../data/table.js';
import { writeTable } from '../data/io/index.js';
import { generateWorld } from '../data/world/generate.js';
import type { RequestOptions } from '../data/world/requests.js';
import { transform } from '../features/index.js';
import { loadFeatures } from './features-config.js';
import type { TrainConfig } from './config.js';
import { materializeCountersAt } from './counters.js';
import { predOutput } from './heads.js';
import { openRun, type RunOptions } from './eval-run.js';
import { Progress } from './progress.js';
import { worldOptionsOf } from './world-options.js';
import type { Session } from './session.js';
import type { ParameterStore } from '../engine/store.js';

/** Columns copied next to the predictions when the data has them. */
const KEEP = ['request_id', 'impression_id', 'logged', 'ts', 'user_id', 'room_id', 'streamer_id', 'category_id', 'scenario', 'country', 'position'];

export interface PredictOptions extends RunOptions {
  /** Score this split of the run's data … */
  split?: 'train' | 'val' | 'test';
  /** … or request snapshots of the run's world (data.source: world only). */
  requests?: RequestOptions;
}

/** Scores a table with the run's model: one Float32Array per task (served values, as the metrics use). */
export async function scoreTable(s: Session, store: ParameterStore, table: Table, o: RunOptions = {}): Promise<Record<string, Float32Array>> {
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const tasks = s.cfg.tasks;
  const N = table.numRows, B = s.cfg.eval.batch_size;
  const preds = Object.fromEntries(tasks.map((t) => [t.name, new Float32Array(N)]));
  const progress = new Progress({ label: 'predict', total: N, enabled: o.verbose ?? true, unit: 'rows' });
  for (let start = 0; start < N; start += B) {
    const part = sliceTable(table, start, Math.min(N, start + B));
    const out = await ev.run(s.asm.feeds(transform(s.asm.fitted, part)), tasks.map((t) => predOutput(t.name)));
    for (const t of tasks) {
      const q = out[predOutput(t.name)]!.data as Float32Array;
      preds[t.name]!.set(s.debias ? s.debias.served(t.name, q, part, start) : q, start);
    }
    progress.update(Math.min(N, start + B));
  }
  progress.stop();
  return preds;
}

/** The rows to score: a split, or the request snapshots of the run's world with their counter columns. */
export function rowsToPredict(cfg: TrainConfig, s: Session, o: PredictOptions): Table {
  if (o.requests) {
    const d = cfg.data;
    if (d.source !== 'world' || d.path) throw new Error('--requests: needs a config whose data is a generated world (data.source: world without data.path)');
    const w = generateWorld({ ...worldOptionsOf(d), requests: o.requests });
    return materializeCountersAt(loadFeatures(cfg), w.impressions, w.requests!);
  }
  return s.splits[o.split ?? 'test'];
}

/** Predicts and writes `out`: kept ids, pred_<task>, each task's label and true_prob column when present. */
export async function predictRun(cfg: TrainConfig, dir: string, out: string, o: PredictOptions = {}): Promise<{ rows: number; columns: string[] }> {
  const { s, store } = await openRun(cfg, dir, o);
  const table = rowsToPredict(cfg, s, o);
  const preds = await scoreTable(s, store, table, o);
  const cols: Record<string, Column> = {};
  for (const k of KEEP) if (table.columns[k]) cols[k] = table.columns[k]!;
  for (const t of cfg.tasks) cols[`pred_${t.name}`] = preds[t.name]!;
  for (const t of cfg.tasks) {
    for (const c of [t.label, t.true_prob]) if (c && table.columns[c] && !cols[c]) cols[c] = table.columns[c]!;
  }
  await writeTable(out, { numRows: table.numRows, columns: cols });
  return { rows: table.numRows, columns: Object.keys(cols) };
}
