// Terminal tables for metrics.json: one row per task × slice, model beside oracle (≤ 120 columns),
// and the per-slice calibration check (PCOC over every task × scenario × country slice).
import { isBinaryCell, type BinaryCell, type Cell, type MatrixJSON, type Num, type RegressionCell, type TaskJSON } from './matrix-types.js';

export type FormatDim = 'all' | 'scenario' | 'country' | 'scenario_country';

export interface FormatOptions {
  /** Slice dimensions to show (default all, scenario, country). */
  dims?: FormatDim[];
  /** Hide slices with fewer rows (default 0; "all" is always shown). */
  minRows?: number;
  /** Only these tasks (default every task). */
  tasks?: string[];
  /** Decimals (default 4). */
  digits?: number;
  /** A legend under each table naming its columns (default true). */
  legend?: boolean;
}

/** What every column means (printed under the tables; ≤ 120 columns a line). */
export const BINARY_LEGEND = [
  'AUC, GAUC: the model\'s AUC and per-user GAUC · oAUC, oGAUC: the same scoring by the true probability (the oracle)',
  'gap: oAUC − AUC · PCOC: Σ pred / Σ label · oPCOC: Σ true p / Σ label · PCOCt: Σ pred / Σ true p (1 = calibrated)',
  'n: rows · s= scenario slice, c= country slice · "-": undefined (one class in the slice, or no truth)',
];
export const REGRESSION_LEGEND = [
  'RMSE, MAE: error in the label\'s units · oRMSE: the same for the true expected value · XAUC, oXAUC: share of row pairs',
  'ordered like their labels, by the model / by the truth · meanP, meanY: mean prediction / label · PCOCt: Σ pred / Σ truth',
];


const DIM_KEY: Record<Exclude<FormatDim, 'all'>, keyof TaskJSON> = {
  scenario: 'by_scenario', country: 'by_country', scenario_country: 'by_scenario_country',
};
const DIM_LABEL: Record<Exclude<FormatDim, 'all'>, string> = { scenario: 's=', country: 'c=', scenario_country: '' };

function fmt(x: Num | undefined, d: number): string {
  return x === null || x === undefined ? '-' : x.toFixed(d);
}

function fmtN(n: number): string {
  return n.toLocaleString('en-US');
}

function cut(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}~` : s;
}

interface Row { task: string; slice: string; model: Cell; oracle: Cell | null }

function rowsOf(json: MatrixJSON, o: FormatOptions): Row[] {
  const dims = o.dims ?? ['all', 'scenario', 'country'];
  const minRows = o.minRows ?? 0;
  const out: Row[] = [];
  for (const [task, t] of Object.entries(json.tasks)) {
    if (o.tasks && !o.tasks.includes(task)) continue;
    const ot = json.oracle?.tasks[task] ?? null;
    if (dims.includes('all')) out.push({ task, slice: 'all', model: t.all, oracle: ot?.all ?? null });
    for (const d of dims) {
      if (d === 'all') continue;
      const k = DIM_KEY[d];
      const cells = t[k] as Record<string, Cell>;
      for (const [key, c] of Object.entries(cells)) {
        if (c.n < minRows) continue;
        out.push({ task, slice: DIM_LABEL[d] + key, model: c, oracle: (ot?.[k] as Record<string, Cell> | undefined)?.[key] ?? null });
      }
    }
  }
  return out;
}

/** The matrix as text: a binary-task table and a regression-task table (when present). */
export function formatMatrix(json: MatrixJSON, opts: FormatOptions = {}): string {
  const d = opts.digits ?? 4;
  const rows = rowsOf(json, opts);
  const lines: string[] = [];
  const TW = 12; const SW = 22; const CW = Math.max(8, d + 4); // ≥ 1 space between columns, even for "-0.0004"
  const col = (s: string) => s.padStart(CW);
  const head = (cols: string[]) => `${'task'.padEnd(TW)} ${'slice'.padEnd(SW)}${cols.map(col).join('')}${'n'.padStart(12)}`;
  const bin = rows.filter((r) => isBinaryCell(r.model));
  if (bin.length) {
    lines.push(head(['AUC', 'oAUC', 'gap', 'GAUC', 'oGAUC', 'PCOC', 'oPCOC', 'PCOCt']));
    let prev = '';
    for (const r of bin) {
      const m = r.model as BinaryCell; const o = r.oracle as BinaryCell | null;
      const gap = m.auc !== null && o?.auc != null ? o.auc - m.auc : null;
      const vals = [m.auc, o?.auc, gap, m.gauc, o?.gauc, m.pcoc, o?.pcoc, m.pcoc_true].map((x) => col(fmt(x ?? null, d)));
      lines.push(`${cut(r.task === prev ? '' : r.task, TW).padEnd(TW)} ${cut(r.slice, SW).padEnd(SW)}${vals.join('')}${fmtN(m.n).padStart(12)}`);
      prev = r.task;
    }
    if (opts.legend ?? true) lines.push(...BINARY_LEGEND);
  }
  const reg = rows.filter((r) => !isBinaryCell(r.model));
  if (reg.length) {
    if (lines.length) lines.push('');
    lines.push(head(['RMSE', 'oRMSE', 'MAE', 'XAUC', 'oXAUC', 'meanP', 'meanY', 'PCOCt']));
    let prev = '';
    for (const r of reg) {
      const m = r.model as RegressionCell; const o = r.oracle as RegressionCell | null;
      const g = (x: Num | undefined) => col(x === null || x === undefined ? '-' : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(Math.max(3, d)));
      const vals = [g(m.rmse), g(o?.rmse), g(m.mae), col(fmt(m.xauc, d)), col(fmt(o?.xauc, d)), g(m.mean_pred), g(m.mean_label), col(fmt(m.pcoc_true ?? null, d))];
      lines.push(`${cut(r.task === prev ? '' : r.task, TW).padEnd(TW)} ${cut(r.slice, SW).padEnd(SW)}${vals.join('')}${fmtN(m.n).padStart(12)}`);
      prev = r.task;
    }
    if (opts.legend ?? true) lines.push(...REGRESSION_LEGEND);
  }
  return lines.join('\n');
}

export interface CalibrationCheckRow {
  task: string;
  slice: string;        // "scenario|country"
  n: number;
  pcoc: Num;
  pcoc_true: Num;
  oracle_pcoc: Num;
  /** Σ true probability over the slice (expected positives), null without true probabilities. */
  expected_pos: Num;
  /** |pcoc_true − 1| ≤ tol (or |pcoc − 1| ≤ tol when no true probabilities). */
  ok: boolean;
}

/**
 * PCOC of every binary task × scenario × country slice with at least `minRows` rows (default 1000),
 * judged against `tol` (default 0.05) on the true-probability PCOC when available.
 */
export function calibrationCheck(json: MatrixJSON, opts: { minRows?: number; tol?: number } = {}): CalibrationCheckRow[] {
  const minRows = opts.minRows ?? 1000; const tol = opts.tol ?? 0.05;
  const out: CalibrationCheckRow[] = [];
  for (const [task, t] of Object.entries(json.tasks)) {
    for (const [slice, c] of Object.entries(t.by_scenario_country)) {
      if (!isBinaryCell(c) || c.n < minRows) continue;
      const o = json.oracle?.tasks[task]?.by_scenario_country[slice] as BinaryCell | undefined;
      const ref = c.pcoc_true ?? c.pcoc;
      out.push({
        task, slice, n: c.n, pcoc: c.pcoc, pcoc_true: c.pcoc_true ?? null, oracle_pcoc: o?.pcoc ?? null,
        expected_pos: c.mean_true != null && c.n_true != null ? c.mean_true * c.n_true : null,
        ok: ref !== null && Math.abs(ref - 1) <= tol,
      });
    }
  }
  return out;
}
