// Section "Scenario / country shift": heatmaps of features × group (each scenario or country against
// all other rows) for PSI, and for KS on numeric / ordered features, from RUN/diagnostics/shift.json;
// a table of the largest shifts with the pair of groups where each occurs.
import type { ShiftResult } from '../../features/report/groups.js';
import { heatmap } from './charts.js';
import { chart, esc, fmtInt, html, htmlTable, para, type Part, type Section, type TableCell } from './html.js';
import type { ShiftFile } from './shift.js';

/** Heatmaps show at most this many features (the most shifted ones). */
export const MAX_SHIFT_FEATURES = 40;

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

function psiCls(p: number | null | undefined): string {
  return !finite(p) ? 'num' : p > 0.25 ? 'num bad' : p > 0.1 ? 'num warn' : 'num good';
}

function columnParts(s: ShiftResult): Part[] {
  const parts: Part[] = [];
  const feats = [...s.features].sort((a, b) => (finite(b.maxPsi) ? b.maxPsi : -1) - (finite(a.maxPsi) ? a.maxPsi : -1)).slice(0, MAX_SHIFT_FEATURES);
  const groups = s.groups.map((g) => g.value);
  const names = feats.map((f) => f.name);
  const psi = feats.flatMap((f) => f.vsRest.map((c) => ({ feature: f.name, group: c.a, psi: finite(c.psi) ? c.psi : null })));
  const groupsLine = s.groups.map((g) => `${g.value} ${fmtInt(g.rows)}`).join(', ');
  parts.push(chart(heatmap(`Feature shift by ${s.column} (PSI)`, psi, {
    x: 'group', y: 'feature', value: 'psi', xTitle: s.column, valueTitle: 'PSI vs rest', xSort: groups, ySort: names,
    scheme: 'orangered', domain: [0, 0.5], digits: 2, cell: [Math.max(40, 7 * Math.max(...groups.map((g) => g.length))), 16],
    subtitle: `each ${s.column} against all other rows; PSI > 0.1 moderate, > 0.25 large (colour saturates at 0.5)`,
  })));
  const ks = feats.filter((f) => f.vsRest.some((c) => finite(c.ks)))
    .flatMap((f) => f.vsRest.map((c) => ({ feature: f.name, group: c.a, ks: finite(c.ks) ? c.ks : null })));
  if (ks.length) {
    parts.push(chart(heatmap(`Feature shift by ${s.column} (KS)`, ks, {
      x: 'group', y: 'feature', value: 'ks', xTitle: s.column, valueTitle: 'KS vs rest', xSort: groups,
      scheme: 'purples', domain: [0, 0.5], digits: 2, cell: [Math.max(40, 7 * Math.max(...groups.map((g) => g.length))), 16],
      subtitle: 'max gap between the cumulative distributions (numeric and ordered features)',
    })));
  }
  const rows: TableCell[][] = feats.slice(0, 15).map((f) => {
    const all = [...f.vsRest, ...f.pairs].filter((c) => finite(c.psi));
    const worst = all.reduce<(typeof all)[number] | undefined>((w, c) => (!w || c.psi > w.psi ? c : w), undefined);
    return [f.name, f.kind, { text: finite(f.maxPsi) ? f.maxPsi.toFixed(3) : '–', cls: psiCls(f.maxPsi) }, worst ? `${worst.a} vs ${worst.b}` : '–', finite(f.maxKs) ? f.maxKs : null];
  });
  parts.push(html(htmlTable(['feature', 'type', 'max PSI', 'where', 'max KS'], rows, `Largest shifts by ${s.column} (groups: ${groupsLine})`)));
  return parts;
}

export function shiftSection(file: ShiftFile | null, status: { path: string; error?: string; skipped?: boolean; run: string }): Section {
  const sec: Section = { id: 'shift', title: 'Scenario / country shift', parts: [] };
  if (!file) {
    const why = status.error ? `could not be computed: ${status.error}` : status.skipped ? 'was not computed (--shift off)' : 'is not available';
    sec.parts.push(html(`<p class="missing">The feature shift ${esc(why)}. Run <code>liverank report ${esc(status.run)}</code> (with <code>--config</code> when the run's data paths are relative to its config).</p>`));
    return sec;
  }
  if (!file.by.length) {
    sec.parts.push(para(`No scenario or country column in this run's data, so there is no shift between groups to show (${status.path}).`, 'meta'));
    for (const n of file.notes) sec.parts.push(para(n, 'meta'));
    return sec;
  }
  const parts: Part[] = [para(`From ${status.path}: the run's fitted features on ${fmtInt(file.rows)} rows of the ${file.split} split (${fmtInt(file.split_rows)} rows), grouped by ${file.by.join(', ') || 'nothing'} — the PSI/KS of \`liverank features report --by\`.`)];
  for (const s of file.shift) parts.push(...columnParts(s));
  for (const n of file.notes) parts.push(para(n, 'meta'));
  sec.parts = parts;
  return sec;
}
