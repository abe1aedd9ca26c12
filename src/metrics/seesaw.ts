// Seesaw table: each task's metric in a multi-task run against the same task's single-task run.
// MTL gain (PLE, Tang et al. 2020, Eq. 11) = M_MTL − M_single for higher-is-better metrics and
// M_single − M_MTL for lower-is-better ones, so a positive gain always means the MTL model is better.
// Seesaw = some tasks gain while others lose; negative transfer = every task loses.
import { isBinaryCell, type Cell, type MatrixJSON, type TaskJSON } from './matrix-types.js';

export interface SeesawMetric {
  /** A cell key (auc, gauc, logloss, xauc, rmse, …) or "pcoc_err" = |pcoc − 1|. */
  name: string;
  higherIsBetter: boolean;
}

export const DEFAULT_SEESAW_METRICS: { binary: SeesawMetric[]; regression: SeesawMetric[] } = {
  binary: [
    { name: 'auc', higherIsBetter: true }, { name: 'gauc', higherIsBetter: true }, { name: 'logloss', higherIsBetter: false },
  ],
  regression: [
    { name: 'xauc', higherIsBetter: true }, { name: 'rmse', higherIsBetter: false }, { name: 'mae', higherIsBetter: false },
  ],
};

export interface SeesawOptions {
  /** Metrics per task kind; the first one is the task's primary metric (default above). */
  metrics?: Partial<typeof DEFAULT_SEESAW_METRICS>;
  /** Which slices: "all" (default), or every scenario / country (the domain seesaw). */
  slices?: 'all' | 'by_scenario' | 'by_country';
}

export interface SeesawRow {
  task: string;
  slice: string;
  metric: string;
  higherIsBetter: boolean;
  mtl: number | null;
  single: number | null;
  /** MTL gain (positive = MTL better); null when either side is missing. */
  gain: number | null;
  /** gain / |single| (null when single is 0 or missing). */
  relGain: number | null;
  primary: boolean;
}

export interface SeesawTable {
  rows: SeesawRow[];
  /** Primary-metric gains disagree in sign across tasks (per slice). */
  seesaw: boolean;
  /** Every primary-metric gain is negative. */
  negativeTransfer: boolean;
  /** Tasks without a single-task run. */
  missingSingles: string[];
}

function metricOf(c: Cell | undefined, name: string): number | null {
  if (!c) return null;
  const rec = c as unknown as Record<string, unknown>;
  if (name === 'pcoc_err') return typeof rec.pcoc === 'number' ? Math.abs(rec.pcoc - 1) : null;
  const v = rec[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function slicesOf(t: TaskJSON, which: SeesawOptions['slices']): [string, Cell][] {
  if (!which || which === 'all') return [['all', t.all]];
  return Object.entries(t[which]);
}

/**
 * `singles` maps a task name to the metrics.json of its single-task run (the task is looked up by
 * name inside it; a single-task run with one task under another name is accepted too).
 */
export function seesawTable(mtl: MatrixJSON, singles: Record<string, MatrixJSON>, opts: SeesawOptions = {}): SeesawTable {
  const metrics = { ...DEFAULT_SEESAW_METRICS, ...opts.metrics };
  const rows: SeesawRow[] = [];
  const missing: string[] = [];
  for (const [task, t] of Object.entries(mtl.tasks)) {
    const sj = singles[task];
    const st = sj ? sj.tasks[task] ?? (Object.keys(sj.tasks).length === 1 ? Object.values(sj.tasks)[0] : undefined) : undefined;
    if (!st) missing.push(task);
    const kind = isBinaryCell(t.all) ? 'binary' : 'regression';
    for (const [slice, cell] of slicesOf(t, opts.slices)) {
      const sc = st ? (slice === 'all' ? st.all : (st[opts.slices as 'by_scenario'] as Record<string, Cell>)[slice]) : undefined;
      metrics[kind].forEach((m, k) => {
        const a = metricOf(cell, m.name); const b = metricOf(sc, m.name);
        const gain = a === null || b === null ? null : m.higherIsBetter ? a - b : b - a;
        rows.push({
          task, slice, metric: m.name, higherIsBetter: m.higherIsBetter, mtl: a, single: b, gain,
          relGain: gain === null || !b ? null : gain / Math.abs(b), primary: k === 0,
        });
      });
    }
  }
  let seesaw = false;
  const bySlice = new Map<string, number[]>();
  for (const r of rows) if (r.primary && r.gain !== null) bySlice.set(r.slice, [...(bySlice.get(r.slice) ?? []), r.gain]);
  for (const g of bySlice.values()) if (g.some((x) => x > 0) && g.some((x) => x < 0)) seesaw = true;
  const prim = rows.filter((r) => r.primary && r.gain !== null);
  return { rows, seesaw, negativeTransfer: prim.length > 0 && prim.every((r) => r.gain! < 0), missingSingles: missing };
}

/** The seesaw table as text (one row per task × slice × metric). */
export function formatSeesaw(t: SeesawTable, digits = 4): string {
  const f = (x: number | null, sign = false) => (x === null ? '-' : `${sign && x > 0 ? '+' : ''}${x.toFixed(digits)}`);
  const lines = [`${'task'.padEnd(12)} ${'slice'.padEnd(16)} ${'metric'.padEnd(10)}${'MTL'.padStart(10)}${'single'.padStart(10)}${'gain'.padStart(10)}${'rel %'.padStart(9)}`];
  for (const r of t.rows) {
    const arrow = r.higherIsBetter ? '↑' : '↓';
    const rel = r.relGain === null ? '-' : `${r.relGain > 0 ? '+' : ''}${(r.relGain * 100).toFixed(2)}`;
    lines.push(`${r.task.slice(0, 12).padEnd(12)} ${r.slice.slice(0, 16).padEnd(16)} ${(r.metric + arrow).padEnd(10)}${f(r.mtl).padStart(10)}${f(r.single).padStart(10)}${f(r.gain, true).padStart(10)}${rel.padStart(9)}${r.primary ? ' *' : ''}`);
  }
  lines.push(`* primary metric. ${t.negativeTransfer ? 'NEGATIVE TRANSFER: every task loses to its single-task model.'
    : t.seesaw ? 'SEESAW: some tasks gain while others lose.' : 'No seesaw on the primary metrics.'}`);
  if (t.missingSingles.length) lines.push(`no single-task run for: ${t.missingSingles.join(', ')}`);
  return lines.join('\n');
}
