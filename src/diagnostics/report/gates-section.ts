// Section "Gates and experts" from RUN/diagnostics/gates.json (`liverank gates RUN`): mean gate
// weight per expert, normalised entropy by scenario, cross-task Jensen–Shannon divergence, dead-ReLU
// share per expert, Gate NU δ summaries and the alarms.
import type { Alarm, DiagnosticsSource, GatesFile } from '../types.js';
import { bars, heatmap } from './charts.js';
import { chart, esc, fmt, fmtInt, html, htmlTable, notComputed, para, type Part, type Section, type TableCell } from './html.js';
import { hasKeys, readJsonIfExists, staleNote } from './read.js';

export const GATES_EXPECTED = 'gates.json as written by `liverank gates RUN` (src/diagnostics/types.ts GatesFile: source, gates[], divergence[], banks[], deltas[], alarms[])';

export function readGates(path: string): GatesFile | null {
  return readJsonIfExists<GatesFile>(path, GATES_EXPECTED, hasKeys(['source'], ['gates', 'divergence', 'banks', 'deltas', 'alarms']));
}

export function alarmList(alarms: Alarm[]): Part {
  if (!alarms.length) return para('No alarms.');
  return html(`<ul class="alarms">${alarms.map((a) => `<li><b>${esc(a.kind)}</b> ${esc(a.subject)}${a.scenario ? ` (scenario ${esc(a.scenario)})` : ''}: ${esc(a.message)}</li>`).join('')}</ul>`);
}

export function sourceLine(s: DiagnosticsSource, file: string): Part {
  return para(`From ${file}: model ${s.model}, checkpoint ${s.checkpoint}, ${fmtInt(s.rows)} rows of the ${s.split} split (seed ${s.seed})${s.scenario_column ? `, by ${s.scenario_column}` : ''}.`, 'meta');
}

export function gatesSection(path: string, run: string): Section {
  const sec: Section = { id: 'gates', title: 'Gates and experts', parts: [] };
  const g = readGates(path);
  if (!g) {
    sec.parts.push(notComputed('Gate and expert analysis', `liverank gates ${run}`));
    return sec;
  }
  const parts: Part[] = [sourceLine(g.source, path)];
  const stale = staleNote(path, `liverank gates ${run}`);
  if (stale) parts.push(para(stale, 'missing'));
  parts.push(alarmList(g.alarms));
  if (g.gates.length) {
    const rows: TableCell[][] = g.gates.map((x) => [x.name, x.task, x.level, x.all.entropy, x.all.entropy_of_mean, x.all.collapsed_rows,
      x.experts.map((e, i) => `${e} ${x.all.mean[i]?.toFixed(2) ?? '–'}`).join(' · ')]);
    parts.push(html(htmlTable(['gate', 'task', 'level', 'entropy', 'entropy of mean', 'collapsed rows', 'mean weight per expert'], rows,
      'Entropy is normalised by ln n: 1 = uniform (the gate mixes all experts equally), 0 = one-hot')));
    const w = g.gates.flatMap((x) => x.experts.map((e, i) => ({ gate: x.name, expert: e, w: x.all.mean[i] ?? null })));
    parts.push(chart(heatmap('Mean gate weight per expert', w, { x: 'expert', y: 'gate', value: 'w', valueTitle: 'mean weight', domain: [0, 1], digits: 2 })));
    const ent = g.gates.flatMap((x) => [
      { gate: x.name, scenario: 'all', h: x.all.entropy },
      ...Object.entries(x.by_scenario ?? {}).map(([s, st]) => ({ gate: x.name, scenario: s, h: st.entropy })),
    ]);
    parts.push(chart(heatmap('Gate entropy by scenario', ent, { x: 'scenario', y: 'gate', value: 'h', valueTitle: 'H / ln n', domain: [0, 1], scheme: 'greens', digits: 2 })));
  } else {
    parts.push(para(`The ${g.source.model} model has no softmax gates.`));
  }
  if (g.divergence.length) {
    const d = g.divergence.map((x) => ({ pair: `${x.a} vs ${x.b}${g.divergence.some((y) => y.level !== x.level) ? ` (level ${x.level})` : ''}`, js: x.js_normalised, aligned: x.aligned }));
    parts.push(chart(bars('Cross-task gate divergence', d, { x: 'pair', y: 'js', group: 'aligned', xTitle: 'task pair', yTitle: 'JS divergence / ln 2', groupTitle: 'aligned by', horizontal: true, height: Math.max(80, 18 * d.length) })));
  }
  const experts = g.banks.flatMap((b) => b.experts.map((e) => ({ expert: `${b.bank}/${e.expert}`, dead: e.dead_relu_share, units: e.dead_units, norm: e.output_norm_mean })));
  if (experts.length) {
    parts.push(chart(bars('Dead-ReLU share per expert', experts, { x: 'expert', y: 'dead', xTitle: 'expert', yTitle: 'share of outputs = 0', horizontal: true, height: Math.max(80, 16 * experts.length) })));
    parts.push(html(htmlTable(['expert', 'dead-ReLU share', 'dead-unit share', 'mean output norm'], experts.map((e) => [e.expert, e.dead, e.units, e.norm]))));
  }
  if (g.deltas.length) {
    parts.push(html(htmlTable(['δ gate', 'width', 'mean', 'std', 'p05', 'p50', 'p95', '< 0.05', '> 1.95'],
      g.deltas.map((d) => [d.name, String(d.width), d.mean, d.std, d.p05, d.p50, d.p95, { text: fmt(d.near_zero, 3), cls: 'num' }, { text: fmt(d.near_two, 3), cls: 'num' }]),
      'Gate NU δ = 2σ(·) ∈ (0, 2): values stuck near 0 or 2 mean the gate closed or saturated')));
  }
  for (const n of g.notes) parts.push(para(n, 'meta'));
  sec.parts = parts;
  return sec;
}
