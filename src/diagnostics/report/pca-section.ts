// Section "Representations" from RUN/diagnostics/representations.json (`liverank representations
// RUN`): explained variance of each layer's leading principal components, the linear-probe AUC per
// layer and task (with the shuffled-label floor), and 2-D PCA scatters coloured by scenario and by
// the label of the task the layer feeds.
import type { LayerReport, RepresentationsFile } from '../types.js';
import { heatmap, scatter } from './charts.js';
import type { ChartDef } from './render.js';
import { sourceLine } from './gates-section.js';
import { chart, html, htmlTable, notComputed, para, type Part, type Section, type TableCell } from './html.js';
import { hasKeys, readJsonIfExists, staleNote } from './read.js';

export const REPR_EXPECTED = 'representations.json as written by `liverank representations RUN` (src/diagnostics/types.ts RepresentationsFile: source, probe, layers[])';

/** Scatter charts are drawn for at most this many layers (tables cover all of them). */
export const MAX_SCATTER_LAYERS = 8;
/** Points drawn per scatter at most (evenly spaced over the file's sample). */
export const MAX_SCATTER_POINTS = 300;
/** Which layers get scatters first: the tower inputs (§15), then the levels, then the experts. */
const KIND_ORDER: LayerReport['kind'][] = ['tower_input', 'level_output', 'shared_level', 'expert_output'];

export function scatterLayers(layers: LayerReport[]): LayerReport[] {
  return KIND_ORDER.flatMap((k) => layers.filter((l) => l.kind === k)).slice(0, MAX_SCATTER_LAYERS);
}

function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  return Array.from({ length: max }, (_, i) => xs[Math.floor((i * xs.length) / max)]!);
}

export function readRepresentations(path: string): RepresentationsFile | null {
  return readJsonIfExists<RepresentationsFile>(path, REPR_EXPECTED, hasKeys(['source', 'probe'], ['layers']));
}

function scatters(l: LayerReport): ChartDef[] {
  const points = thin(l.points, MAX_SCATTER_POINTS);
  if (!points.length) return [];
  const ev = l.explained_variance;
  const sub = `PC1 ${((ev[0] ?? 0) * 100).toFixed(1)} %, PC2 ${((ev[1] ?? 0) * 100).toFixed(1)} % of variance`;
  const out: ChartDef[] = [];
  if (points.some((p) => p.scenario !== '')) {
    out.push(scatter(`PCA of ${l.layer} by scenario`, points.map((p) => ({ x: p.x, y: p.y, scenario: p.scenario })), { x: 'x', y: 'y', color: 'scenario', xTitle: 'PC1', yTitle: 'PC2', subtitle: sub }));
  }
  const task = l.task; // a shared layer or an expert serves no one task: by scenario only
  if (task) {
    const pts = points.filter((p) => p.labels[task] !== null && p.labels[task] !== undefined);
    // 0/1 labels as two colours; a regression label (watch seconds) on a continuous scale
    const binary = pts.every((p) => p.labels[task] === 0 || p.labels[task] === 1);
    if (pts.length) {
      out.push(scatter(`PCA of ${l.layer} by ${task} label`, pts.map((p) => ({ x: p.x, y: p.y, label: binary ? String(p.labels[task]) : p.labels[task]! })),
        { x: 'x', y: 'y', color: 'label', colorQuantitative: !binary, colorTitle: `${task} label`, xTitle: 'PC1', yTitle: 'PC2', subtitle: sub }));
    }
  }
  return out;
}

/** Linear CKA between layers (symmetric, diagonal 1): at most 16 layers, expert outputs last. */
function similarityChart(r: RepresentationsFile): ChartDef | null {
  const sim = r.similarity ?? [];
  if (!sim.length) return null;
  const names = [...new Set(sim.flatMap((x) => [x.a, x.b]))];
  const kind = new Map(r.layers.map((l) => [l.layer, KIND_ORDER.indexOf(l.kind)]));
  const keep = [...names].sort((a, b) => (kind.get(a) ?? 9) - (kind.get(b) ?? 9)).slice(0, 16);
  const order = names.filter((n) => keep.includes(n));
  const cells = [
    ...order.map((n) => ({ a: n, b: n, cka: 1 })),
    ...sim.filter((x) => order.includes(x.a) && order.includes(x.b)).flatMap((x) => [{ a: x.a, b: x.b, cka: x.cka }, { a: x.b, b: x.a, cka: x.cka }]),
  ];
  return heatmap('Layer similarity (linear CKA)', cells, {
    x: 'a', y: 'b', value: 'cka', xTitle: 'layer', yTitle: 'layer', valueTitle: 'CKA', domain: [0, 1], scheme: 'greys', digits: 2, xSort: order, ySort: order,
    subtitle: `1 = the same representation up to rotation and scale${order.length < names.length ? `; ${order.length} of ${names.length} layers` : ''}`,
  });
}

function probeRows(p: RepresentationsFile['probe']): string {
  if (!p.by_task || !Object.keys(p.by_task).length) return `${p.fit_rows} rows, scored on ${p.score_rows}`;
  return Object.entries(p.by_task).map(([t, x]) => `${t} ${x.fit_rows} / ${x.score_rows}`).join(', ') + ' rows (fit / scored)';
}

export function pcaSection(path: string, run: string): Section {
  const sec: Section = { id: 'representations', title: 'Representations (PCA, linear probes)', parts: [] };
  const r = readRepresentations(path);
  if (!r) {
    sec.parts.push(notComputed('PCA of tower inputs and linear probes', `liverank representations ${run}`));
    return sec;
  }
  const parts: Part[] = [sourceLine(r.source, path)];
  const stale = staleNote(path, `liverank representations ${run}`);
  if (stale) parts.push(para(stale, 'missing'));
  if (!r.layers.length) {
    parts.push(para('No layers were analysed.', 'missing'));
  } else {
    const tasks = [...new Set(r.layers.flatMap((l) => Object.keys(l.probe_auc)))];
    const rows: TableCell[][] = r.layers.map((l) => [l.layer, l.kind, String(l.width), l.explained_variance[0] ?? null, l.explained_variance.slice(0, 2).reduce((a, b) => a + b, 0),
      ...tasks.map((t) => l.probe_auc[t] ?? null), ...tasks.map((t) => l.probe_auc_shuffled[t] ?? null)]);
    parts.push(html(htmlTable(['layer', 'kind', 'width', 'PC1 var', 'PC1+2 var', ...tasks.map((t) => `probe AUC ${t}`), ...tasks.map((t) => `shuffled ${t}`)], rows,
      `Linear probe: logistic regression (L2 ${r.probe.l2}) fit on ${probeRows(r.probe)}; the shuffled-label probe is the ≈ 0.5 floor`)));
    const ev = r.layers.flatMap((l) => l.explained_variance.map((v, i) => ({ layer: l.layer, pc: `PC${i + 1}`, v })));
    parts.push(chart(heatmap('Explained variance per component', ev, { x: 'pc', y: 'layer', value: 'v', xTitle: 'component', valueTitle: 'variance ratio', domain: [0, 1], digits: 2 })));
    const probe = r.layers.flatMap((l) => tasks.map((t) => ({ layer: l.layer, task: t, auc: l.probe_auc[t] ?? null })));
    parts.push(chart(heatmap('Linear-probe AUC per layer', probe, { x: 'task', y: 'layer', value: 'auc', valueTitle: 'AUC', domain: [0.5, 1], scheme: 'greens', digits: 3 })));
    const cka = similarityChart(r);
    if (cka) parts.push(chart(cka));
    const drawn = scatterLayers(r.layers);
    for (const l of drawn) for (const c of scatters(l)) parts.push(chart(c));
    if (drawn.length < r.layers.length) parts.push(para(`Scatter plots for ${drawn.length} of ${r.layers.length} layers (tower inputs first, up to ${MAX_SCATTER_POINTS} points each); the table covers all.`, 'meta'));
  }
  for (const n of r.notes) parts.push(para(n, 'meta'));
  sec.parts = parts;
  return sec;
}
