// Section "Metric matrix": every task × slice (all, scenarios, countries) with the oracle beside the
// model and the gap (oracle − model), as tables (the CLI's formatMatrix columns) and as heatmaps of
// the ranking-metric gap (AUC for binary tasks, XAUC for regression tasks) by scenario and country.
import { type BinaryCell, type Cell, type MatrixJSON, type RegressionCell, type TaskJSON } from '../../metrics/index.js';
import { isBinaryCell } from '../../metrics/matrix-types.js';
import { chart, fmt, fmtInt, htmlTable, para, html, esc, type Part, type Section, type TableCell } from './html.js';
import { heatmap } from './charts.js';

type Dim = 'by_scenario' | 'by_country';
const DIMS: [Dim, string][] = [['by_scenario', 's='], ['by_country', 'c=']];

/** Gap cells are coloured: ≤ 0.01 good, ≤ 0.03 warn, more bad (the oracle's AUC is the ceiling). */
function gapCell(gap: number | null): TableCell {
  if (gap === null) return null;
  return { text: fmt(gap), cls: `num ${gap <= 0.01 ? 'good' : gap <= 0.03 ? 'warn' : 'bad'}` };
}

const diff = (o: number | null | undefined, m: number | null | undefined): number | null => (o == null || m == null ? null : o - m);

interface SliceRow { task: string; slice: string; model: Cell; oracle: Cell | null }

function slices(json: MatrixJSON, minRows: number): SliceRow[] {
  const out: SliceRow[] = [];
  for (const [task, t] of Object.entries(json.tasks)) {
    const ot = json.oracle?.tasks[task] ?? null;
    out.push({ task, slice: 'all', model: t.all, oracle: ot?.all ?? null });
    for (const [dim, prefix] of DIMS) {
      for (const [key, c] of Object.entries(t[dim] ?? {})) {
        if (c.n < minRows) continue;
        out.push({ task, slice: prefix + key, model: c, oracle: ot?.[dim]?.[key] ?? null });
      }
    }
  }
  return out;
}

function binaryTable(rows: SliceRow[]): string {
  const body = rows.map((r) => {
    const m = r.model as BinaryCell; const o = r.oracle as BinaryCell | null;
    return [r.task, r.slice, m.auc, o?.auc, gapCell(diff(o?.auc, m.auc)), m.gauc, o?.gauc, gapCell(diff(o?.gauc, m.gauc)),
      m.logloss, o?.logloss, m.pcoc, m.pcoc_true ?? null, { text: fmtInt(m.n), cls: 'num' }] as TableCell[];
  });
  return htmlTable(['task', 'slice', 'AUC', 'oAUC', 'AUC gap', 'GAUC', 'oGAUC', 'GAUC gap', 'logloss', 'oLogloss', 'PCOC', 'PCOCt', 'n'], body,
    'Binary tasks — model beside the oracle (true probabilities as scores); gap = oracle − model');
}

function regressionTable(rows: SliceRow[]): string {
  const body = rows.map((r) => {
    const m = r.model as RegressionCell; const o = r.oracle as RegressionCell | null;
    return [r.task, r.slice, m.rmse, o?.rmse, m.mae, m.xauc, o?.xauc, gapCell(diff(o?.xauc, m.xauc)), m.mean_pred, m.mean_label,
      m.pcoc_true ?? null, { text: fmtInt(m.n), cls: 'num' }] as TableCell[];
  });
  return htmlTable(['task', 'slice', 'RMSE', 'oRMSE', 'MAE', 'XAUC', 'oXAUC', 'XAUC gap', 'meanP', 'meanY', 'PCOCt', 'n'], body,
    'Regression tasks — XAUC: share of row pairs ordered like their labels; PCOCt: Σ pred / Σ truth');
}

const rankMetric = (c: Cell): number | null => (isBinaryCell(c) ? c.auc : c.xauc);

/** Heatmap rows: task label × slice key → gap (or the metric itself without an oracle). */
function gapRows(json: MatrixJSON, dim: Dim, minRows: number): { task: string; slice: string; v: number | null }[] {
  const rows: { task: string; slice: string; v: number | null }[] = [];
  for (const [task, t] of Object.entries(json.tasks) as [string, TaskJSON][]) {
    const label = `${task} (${isBinaryCell(t.all) ? 'AUC' : 'XAUC'})`;
    const ot = json.oracle?.tasks[task];
    const cells: [string, Cell, Cell | undefined][] = [['all', t.all, ot?.all]];
    for (const [k, c] of Object.entries(t[dim] ?? {})) if (c.n >= minRows) cells.push([k, c, ot?.[dim]?.[k]]);
    for (const [slice, c, o] of cells) {
      const m = rankMetric(c);
      const v = json.oracle ? (o ? diff(rankMetric(o), m) : null) : m;
      rows.push({ task: label, slice, v });
    }
  }
  return rows;
}

function counterfactualTable(json: MatrixJSON): string | null {
  const cf = json.counterfactual;
  if (!cf || !Object.keys(cf).length) return null;
  const rows: TableCell[][] = [];
  for (const [task, r] of Object.entries(cf)) {
    rows.push([task, 'all', r.all.auc, r.all.oracle_auc, gapCell(diff(r.all.oracle_auc, r.all.auc)), { text: fmtInt(r.all.n), cls: 'num' }]);
    for (const [s, c] of Object.entries(r.by_scenario)) rows.push([task, `s=${s}`, c.auc, c.oracle_auc, gapCell(diff(c.oracle_auc, c.auc)), { text: fmtInt(c.n), cls: 'num' }]);
  }
  return htmlTable(['task', 'slice', 'served AUC', 'oracle AUC', 'gap', 'n'], rows, 'Counterfactual labels — the served score (bias features at canonical values) against the counterfactual label');
}

export function metricsSection(json: MatrixJSON | null, path: string, opts: { minRows?: number } = {}): Section {
  const sec: Section = { id: 'metrics', title: 'Metric matrix (test split)', parts: [] };
  if (!json) {
    sec.parts.push(html(`<p class="missing">${esc(path)} not found: the run has not finished; run <code>liverank eval</code> or train to the end</p>`));
    return sec;
  }
  const minRows = opts.minRows ?? 0;
  const rows = slices(json, minRows);
  const parts: Part[] = [];
  parts.push(para(json.oracle
    ? `From ${path}. The oracle scores each row by its true probability (the synthetic world's ground truth): its AUC is the ceiling, and the gap is the model's real error.`
    : `From ${path}. This data carries no true probabilities, so there is no oracle column.`));
  // all + scenario slices up front; the (often many) country slices folded under <details>
  const main = rows.filter((r) => !r.slice.startsWith('c='));
  const byCountry = rows.filter((r) => r.slice.startsWith('c='));
  const tables = (rs: SliceRow[]) => {
    const bin = rs.filter((r) => isBinaryCell(r.model));
    const reg = rs.filter((r) => !isBinaryCell(r.model));
    return (bin.length ? binaryTable(bin) : '') + (reg.length ? regressionTable(reg) : '');
  };
  parts.push(html(tables(main)));
  if (byCountry.length) {
    const n = new Set(byCountry.map((r) => r.slice)).size;
    parts.push(html(`<details><summary>By country (${n} countries)</summary>${tables(byCountry)}</details>`));
  }
  const cf = counterfactualTable(json);
  if (cf) parts.push(html(cf));
  for (const [dim, name] of [['by_scenario', 'scenario'], ['by_country', 'country']] as [Dim, string][]) {
    const hr = gapRows(json, dim, minRows);
    if (!hr.some((r) => r.slice !== 'all')) continue;
    parts.push(chart(json.oracle
      ? heatmap(`Oracle gap by task and ${name}`, hr, { x: 'slice', y: 'task', value: 'v', xTitle: name, yTitle: 'task (metric)', valueTitle: 'oracle − model', scheme: 'orangered', subtitle: 'AUC gap for binary tasks, XAUC gap for regression tasks' })
      : heatmap(`Ranking metric by task and ${name}`, hr, { x: 'slice', y: 'task', value: 'v', xTitle: name, yTitle: 'task (metric)', valueTitle: 'AUC / XAUC', scheme: 'blues' })));
  }
  sec.parts = parts;
  return sec;
}
