// Tracking-drift experiment, batch proxy (docs/world.md "Drift"): on the drifting world, a model
// trained ONCE on the first training day vs a model RETRAINED DAILY on every day before the one it
// is scored on. Per later day: the AUC gap to the oracle (AUC of the true probability on the same
// rows) and Σ pred / Σ p_true for click and effective view.
//   npx tsx src/data/world/drift-experiment.ts [--config examples/world-drift.yaml] [--out runs/drift-exp] [--json]
// (A proxy for the streaming trainer of issue 19 until `liverank train --stream` exists: "daily"
// retrains from scratch on days 2 … d−1; a streaming model sees the same data, updated continuously.)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { concatTables, sliceTable, type Table } from '../table.js';
import { Evaluator } from '../../engine/step.js';
import { transform } from '../../features/index.js';
import { auc } from '../../metrics/auc.js';
import { loadTrainConfig, type TrainConfig } from '../../train/config.js';
import { openRun } from '../../train/eval-run.js';
import { predOutput } from '../../train/heads.js';
import { train } from '../../train/trainer.js';
import { writeFileAtomic } from '../../util/atomic.js';

const TASKS = [{ name: 'click', label: 'click', p: 'p_click' }, { name: 'effective_view', label: 'effective_view', p: 'p_effective_view' }];

interface DayResult { model: string; day: number; rows: number; task: string; auc: number; oracle: number; gap: number; pcoc: number }

async function scoreAll(cfg: TrainConfig, dir: string): Promise<{ table: Table; preds: Record<string, Float32Array> }> {
  const { s, store } = await openRun(cfg, dir, { verbose: false });
  const table = concatTables([s.splits.train, s.splits.val, s.splits.test]);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const preds = Object.fromEntries(cfg.tasks.map((t) => [t.name, new Float32Array(table.numRows)]));
  const B = 8192;
  for (let a = 0; a < table.numRows; a += B) {
    const part = sliceTable(table, a, Math.min(table.numRows, a + B));
    const out = await ev.run(s.asm.feeds(transform(s.asm.fitted, part)), cfg.tasks.map((t) => predOutput(t.name)));
    for (const t of cfg.tasks) preds[t.name]!.set(out[predOutput(t.name)]!.data as Float32Array, a);
  }
  return { table, preds };
}

function perDay(name: string, table: Table, preds: Record<string, Float32Array>, start: number, days: number[]): DayResult[] {
  const ts = table.columns.ts as ArrayLike<number>;
  const out: DayResult[] = [];
  for (const d of days) {
    const idx: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (Math.floor((ts[i]! - start) / 86400) === d) idx.push(i);
    for (const t of TASKS) {
      const y = table.columns[t.label] as ArrayLike<number>, p = table.columns[t.p] as ArrayLike<number>, q = preds[t.name]!;
      const yy: number[] = [], pp: number[] = [], qq: number[] = [];
      for (const i of idx) if (Number.isFinite(y[i]!)) { yy.push(y[i]!); pp.push(p[i]!); qq.push(q[i]!); }
      const a = auc(Float64Array.from(qq), Float64Array.from(yy)), o = auc(Float64Array.from(pp), Float64Array.from(yy));
      const sq = qq.reduce((s, x) => s + x, 0), sp = pp.reduce((s, x) => s + x, 0);
      out.push({ model: name, day: d + 1, rows: yy.length, task: t.name, auc: a, oracle: o, gap: o - a, pcoc: sq / sp });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'examples/world-drift.yaml' }, out: { type: 'string', default: 'runs/drift-exp' }, json: { type: 'boolean', default: false } } });
  const base = loadTrainConfig(values.config!);
  const d = base.data;
  if (d.source !== 'world') throw new Error(`${values.config}: data.source must be world`);
  const days = d.days, warmDays = Math.round(d.warmup_hours / 24);
  if (d.warmup_hours % 24 !== 0 || days - warmDays < 3) throw new Error(`${values.config}: needs whole warm-up days and >= 3 days after them`);
  const span = days - warmDays; // days in the splits (impressions are spread evenly over the days)
  const startTs = 1704067200;
  mkdirSync(values.out!, { recursive: true });
  const rows: DayResult[] = [];
  // Train on the first k days after the warm-up (the last 1/20 of a day held out as validation).
  const fit = async (k: number, name: string) => {
    const f = k / span, v = 0.05 / span;
    const cfg: TrainConfig = { ...base, name, data: { ...d, split_by: 'time', split: [f - v, v, 1 - f] } };
    const dir = join(values.out!, name);
    const t0 = Date.now();
    await train(cfg, { out: dir, overwrite: true, verbose: false, hooks: null });
    process.stderr.write(`${name}: trained on days ${warmDays + 1}..${warmDays + k} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    return { cfg, dir };
  };
  const later = Array.from({ length: span - 1 }, (_, i) => warmDays + 1 + i); // 0-based day indices scored
  const once = await fit(1, 'once');
  const so = await scoreAll(once.cfg, once.dir);
  rows.push(...perDay('once', so.table, so.preds, startTs, later));
  for (const day of later) {
    const k = day - warmDays; // days before `day` after the warm-up
    if (k === 1) { rows.push(...perDay('daily', so.table, so.preds, startTs, [day])); continue; } // same model as once
    const m = await fit(k, `daily-${day + 1}`);
    const sc = await scoreAll(m.cfg, m.dir);
    rows.push(...perDay('daily', sc.table, sc.preds, startTs, [day]));
  }
  writeFileAtomic(join(values.out!, 'drift-tracking.json'), `${JSON.stringify(rows, null, 1)}\n`);
  if (values.json) { for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`); return; }
  process.stdout.write('model  day  task            rows     AUC     oracle  gap     Σpred/Σp\n');
  for (const r of rows) process.stdout.write(`${r.model.padEnd(6)} ${String(r.day).padEnd(4)} ${r.task.padEnd(15)} ${String(r.rows).padEnd(8)} ${r.auc.toFixed(4)}  ${r.oracle.toFixed(4)}  ${r.gap.toFixed(4)}  ${r.pcoc.toFixed(3)}\n`);
}

await main();
