// Section "Calibration": one reliability curve per binary task from the calibration bins of its
// "all" cell in metrics.json — observed positive rate (and, in the synthetic world, the mean true
// probability) against the mean prediction per bin, with the diagonal of perfect calibration.
import { type BinaryCell, type MatrixJSON } from '../../metrics/index.js';
import { isBinaryCell } from '../../metrics/matrix-types.js';
import type { ChartDef } from './render.js';
import { chart, fmtInt, htmlTable, para, type Part, type Section, type TableCell } from './html.js';

function reliability(task: string, c: BinaryCell): ChartDef | null {
  const bins = (c.calibration?.bins ?? []).filter((b) => b.count > 0 && b.mean_pred !== null);
  if (!bins.length) return null;
  const pts: Record<string, number | string>[] = [];
  for (const b of bins) {
    if (b.observed_rate !== null) pts.push({ pred: b.mean_pred!, rate: b.observed_rate, series: 'observed rate', count: b.count });
    if (b.mean_true !== null) pts.push({ pred: b.mean_pred!, rate: b.mean_true, series: 'mean true probability', count: b.count });
  }
  const hi = Math.min(1, Math.max(...bins.map((b) => Math.max(b.mean_pred!, b.observed_rate ?? 0, b.mean_true ?? 0))) * 1.05);
  return {
    title: `Reliability: ${task}`,
    spec: {
      subtitle: `ECE ${c.calibration?.ece?.toFixed(4) ?? '–'} · ${c.calibration?.mode ?? ''} bins · PCOC ${c.pcoc?.toFixed(3) ?? '–'}`,
      width: 260, height: 240,
      layer: [
        {
          data: { values: [{ x: 0, y: 0 }, { x: hi, y: hi }] },
          mark: { type: 'line', strokeDash: [4, 3], color: '#999' },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
        {
          data: { values: pts },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'pred', type: 'quantitative', title: 'mean prediction in bin', scale: { domain: [0, hi] } },
            y: { field: 'rate', type: 'quantitative', title: 'positive rate', scale: { domain: [0, hi] } },
            color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
          },
        },
      ],
    },
  };
}

export function calibrationSection(json: MatrixJSON | null, path: string): Section {
  const sec: Section = { id: 'calibration', title: 'Calibration (reliability curves)', parts: [] };
  if (!json) {
    sec.parts.push(para(`${path} not found: no calibration bins to plot.`, 'missing'));
    return sec;
  }
  const parts: Part[] = [];
  const rows: TableCell[][] = [];
  const charts: Part[] = [];
  for (const [task, t] of Object.entries(json.tasks)) {
    if (!isBinaryCell(t.all)) continue;
    const c = t.all;
    rows.push([task, c.calibration?.ece ?? null, c.pcoc, c.pcoc_true ?? null, c.mean_pred, c.pos_rate, { text: fmtInt(c.n), cls: 'num' }]);
    const ch = reliability(task, c);
    if (ch) charts.push(chart(ch));
  }
  if (!rows.length) {
    sec.parts.push(para('The run has no binary tasks: no reliability curves.'));
    return sec;
  }
  parts.push(para('Per bin of the prediction: the observed positive rate (and the mean true probability where the data has it) against the mean prediction. On the dashed diagonal = calibrated; above it = under-predicting.'));
  parts.push({ kind: 'html', html: htmlTable(['task', 'ECE', 'PCOC', 'PCOCt', 'mean pred', 'pos rate', 'n'], rows) });
  if (!charts.length) parts.push(para(`${path} has no calibration bins (eval.calibration_bins is 0).`, 'missing'));
  sec.parts = [...parts, ...charts];
  return sec;
}
