// Section "Seesaw" (when single-task runs are given): each task's metric in this multi-task run
// against its single-task run — the MTL gain of `liverank seesaw` (positive = the MTL model is
// better) — as a table, a bar chart of the primary metric and a heatmap by scenario.
import { seesawTable, type MatrixJSON } from '../../metrics/index.js';
import { bars, heatmap } from './charts.js';
import { chart, fmt, html, htmlTable, para, type Part, type Section, type TableCell } from './html.js';

export function seesawSection(mtl: MatrixJSON | null, singles: Record<string, MatrixJSON>, sources: Record<string, string>): Section | null {
  if (!Object.keys(singles).length) return null;
  const sec: Section = { id: 'seesaw', title: 'Seesaw (MTL gain vs single-task runs)', parts: [] };
  if (!mtl) {
    sec.parts.push(para('This run has no metrics.json, so there is nothing to compare with the single-task runs.', 'missing'));
    return sec;
  }
  const all = seesawTable(mtl, singles, { slices: 'all' });
  const parts: Part[] = [para(`Single-task runs: ${Object.entries(sources).map(([t, p]) => `${t} = ${p}`).join('; ')}. Gain = MTL − single for higher-is-better metrics, single − MTL otherwise.`)];
  const verdict = all.negativeTransfer ? 'negative transfer: every task loses on its primary metric'
    : all.seesaw ? 'seesaw: some tasks gain while others lose' : 'no seesaw: the primary-metric gains agree in sign';
  parts.push(para(`${verdict}.${all.missingSingles.length ? ` No single-task run for ${all.missingSingles.join(', ')}.` : ''}`));
  const rows: TableCell[][] = all.rows.map((r) => [r.task, r.metric + (r.primary ? ' (primary)' : ''), r.mtl, r.single,
    r.gain === null ? null : { text: fmt(r.gain), cls: `num ${r.gain >= 0 ? 'good' : 'bad'}` }, r.relGain === null ? null : { text: `${(100 * r.relGain).toFixed(2)} %`, cls: 'num' }]);
  parts.push(html(htmlTable(['task', 'metric', 'MTL', 'single', 'gain', 'relative'], rows)));
  const prim = all.rows.filter((r) => r.primary && r.gain !== null).map((r) => ({ task: `${r.task} (${r.metric})`, gain: r.gain }));
  if (prim.length) parts.push(chart(bars('MTL gain per task', prim, { x: 'task', y: 'gain', yTitle: 'primary-metric gain (MTL − single)' })));
  const bySc = seesawTable(mtl, singles, { slices: 'by_scenario' }).rows.filter((r) => r.primary);
  if (bySc.some((r) => r.gain !== null)) {
    parts.push(chart(heatmap('MTL gain by task and scenario', bySc.map((r) => ({ task: `${r.task} (${r.metric})`, scenario: r.slice, gain: r.gain })), {
      x: 'scenario', y: 'task', value: 'gain', valueTitle: 'gain', scheme: 'redblue', domainMid: 0, digits: 4,
    })));
  }
  sec.parts = parts;
  return sec;
}
