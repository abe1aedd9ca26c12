// Representations of a trained run (models-and-methods.md §15): for every intermediate layer the
// model exposes as an extra — the towers' inputs g.<task> (MMoE, MMoE-PPNet, PLE's last level),
// PLE's lower levels g.<task>.l<j> / g.shared.l<j>, shared-bottom's g.bottom, and each expert's
// output experts.<bank> — the PCA explained variance, a 2-D sample of points with their scenario
// and labels, and a linear-probe AUC per task (fit on one half of the rows, scored on the other),
// beside the same probe on a shuffled label as a floor.
import { Rng } from '../util/rng.js';
import { fetchExtras, type DiagRun, type Fetched } from './gates-run.js';
import { linearCka, pca, probeAuc, project } from './representations-math.js';
import type { LayerReport, PcaPoint, RepresentationsFile } from './types.js';

export interface RepresentationOptions {
  /** PCA points stored per layer (default 1000). */
  points?: number;
  /** L2 penalty of the probes (default 1). */
  l2?: number;
  /** Also analyse each expert's output (default true). */
  experts?: boolean;
}

interface LayerInput { layer: string; kind: LayerReport['kind']; task?: string; data: ArrayLike<number>; width: number }

/** The layers to analyse from the fetched extras, in a stable order. */
export function layersOf(got: Record<string, Fetched>, tasks: string[], experts = true): LayerInput[] {
  const out: LayerInput[] = [];
  const levels = new Map<string, number>();
  for (const k of Object.keys(got)) {
    const m = /^g\.(.+)\.l(\d+)$/.exec(k);
    if (m) levels.set(m[1]!, Math.max(levels.get(m[1]!) ?? -1, Number(m[2])));
  }
  for (const k of Object.keys(got).sort()) {
    const f = got[k]!;
    const N = f.dims[0]!;
    if (k.startsWith('g.')) {
      const name = k.slice(2);
      const lv = /^(.+)\.l(\d+)$/.exec(name);
      const width = f.data.length / Math.max(N, 1);
      if (tasks.includes(name)) out.push({ layer: k, kind: 'tower_input', task: name, data: f.data, width });
      else if (lv && lv[1] === 'shared') out.push({ layer: k, kind: 'shared_level', data: f.data, width });
      else if (lv && tasks.includes(lv[1]!)) {
        const last = levels.get(lv[1]!) === Number(lv[2]);
        out.push({ layer: k, kind: last ? 'tower_input' : 'level_output', task: lv[1]!, data: f.data, width });
      } else out.push({ layer: k, kind: 'shared_level', data: f.data, width });
    } else if (experts && k.startsWith('experts.') && f.dims.length === 3) {
      const [, n, d] = f.dims as [number, number, number];
      const who = /\.experts\.([^.]+)$/.exec(k)?.[1];
      for (let e = 0; e < n; e++) {
        const data = new Float32Array(N * d);
        for (let r = 0; r < N; r++) data.set(f.data.subarray((r * n + e) * d, (r * n + e + 1) * d), r * d);
        out.push({ layer: `${k}/${who ? `${who}.${e}` : `e${e}`}`, kind: 'expert_output', data, width: d });
      }
    }
  }
  return out;
}

/** PCA, points and probes of one layer over N rows. */
export function analyseLayer(
  L: LayerInput, N: number, labels: Record<string, Float32Array>, binary: string[], scenario: string[], seed: number, o: RepresentationOptions = {},
): LayerReport {
  const p = pca(L.data, N, L.width, 10);
  const order = new Rng(seed).permutation(N);
  const keep = Array.from(order.subarray(0, Math.min(N, o.points ?? 1000))).sort((a, b) => a - b);
  const points: PcaPoint[] = keep.map((r) => {
    const [x, y] = project(p, L.data, r, 2);
    return {
      x: x ?? 0, y: y ?? 0, scenario: scenario[r] ?? '',
      labels: Object.fromEntries(Object.entries(labels).map(([t, l]) => [t, Number.isNaN(l[r]!) ? null : l[r]!])),
    };
  });
  const probe: Record<string, number | null> = {}, shuffled: Record<string, number | null> = {};
  for (const t of binary) {
    const y = labels[t]!;
    const valid = Array.from(order).filter((r) => !Number.isNaN(y[r]!));
    const half = Math.floor(valid.length / 2);
    const fit = valid.slice(0, half), score = valid.slice(half);
    probe[t] = probeAuc(L.data, L.width, y, fit, score, { l2: o.l2 ?? 1, iterations: 12 });
    const perm = new Rng(`${seed}:${t}:shuffle`).permutation(valid.length);
    const ys = new Float32Array(y.length);
    valid.forEach((r, i) => (ys[r] = y[valid[perm[i]!]!]!));
    shuffled[t] = probeAuc(L.data, L.width, ys, fit, score, { l2: o.l2 ?? 1, iterations: 12 });
  }
  return {
    layer: L.layer, kind: L.kind, ...(L.task ? { task: L.task } : {}), width: L.width,
    explained_variance: p.explained, points, probe_auc: probe, probe_auc_shuffled: shuffled,
  };
}

export async function analyseRepresentations(r: DiagRun, o: RepresentationOptions = {}): Promise<RepresentationsFile> {
  const got = await fetchExtras(r, (k) => k.startsWith('g.') || (o.experts !== false && k.startsWith('experts.')));
  const tasks = r.cfg.tasks.map((t) => t.name);
  const binary = r.cfg.tasks.filter((t) => t.kind === 'binary').map((t) => t.name);
  const N = r.table.numRows;
  const inputs = layersOf(got, tasks, o.experts !== false);
  const layers = inputs.map((L) => analyseLayer(L, N, r.labels, binary, r.scenario, r.source.seed, o));
  const similarity = layerSimilarity(inputs, N);
  const notes: string[] = [];
  if (!layers.length) notes.push(`model ${r.source.model} exposes no intermediate layers (g.* / experts.* outputs); MMoE, MMoE-PPNet, PLE, CGC and shared-bottom do`);
  const nonBinary = tasks.filter((t) => !binary.includes(t));
  if (nonBinary.length) notes.push(`no probes for regression tasks: ${nonBinary.join(', ')}`);
  const rows = (t: string) => {
    const valid = Array.from(r.labels[t]!).filter((v) => !Number.isNaN(v)).length;
    return { fit_rows: Math.floor(valid / 2), score_rows: valid - Math.floor(valid / 2) };
  };
  const first = binary.length ? rows(binary[0]!) : { fit_rows: Math.floor(N / 2), score_rows: N - Math.floor(N / 2) };
  return {
    version: 1, source: r.source,
    probe: { l2: o.l2 ?? 1, ...first, by_task: Object.fromEntries(binary.map((t) => [t, rows(t)])) },
    layers, similarity, notes,
  };
}

/** Linear CKA between every two non-expert layers. */
export function layerSimilarity(layers: LayerInput[], N: number): { a: string; b: string; cka: number | null }[] {
  const L = layers.filter((l) => l.kind !== 'expert_output');
  const out: { a: string; b: string; cka: number | null }[] = [];
  for (let i = 0; i < L.length; i++) {
    for (let j = i + 1; j < L.length; j++) out.push({ a: L[i]!.layer, b: L[j]!.layer, cka: linearCka(L[i]!.data, L[i]!.width, L[j]!.data, L[j]!.width, N) });
  }
  return out;
}

export function formatRepresentations(f: RepresentationsFile): string {
  const tasks = Object.keys(f.layers[0]?.probe_auc ?? {});
  const head = ['layer', 'kind', 'width', 'PC1', 'PC2', 'PC1+2', ...tasks.map((t) => `probe ${t}`), ...tasks.map((t) => `shuffled ${t}`)];
  const rows = f.layers.map((l) => [
    l.layer, l.kind, String(l.width),
    ...[l.explained_variance[0] ?? 0, l.explained_variance[1] ?? 0, (l.explained_variance[0] ?? 0) + (l.explained_variance[1] ?? 0)].map((v) => `${(100 * v).toFixed(1)}%`),
    ...tasks.map((t) => l.probe_auc[t]?.toFixed(3) ?? '—'), ...tasks.map((t) => l.probe_auc_shuffled[t]?.toFixed(3) ?? '—'),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const s = f.source;
  return [
    `${s.run}: model ${s.model}, ${s.rows} ${s.split} rows; probes (L2 ${f.probe.l2}) fit on one half of the labelled rows, AUC on the other: ${
      Object.entries(f.probe.by_task ?? {}).map(([t, n]) => `${t} ${n.fit_rows}/${n.score_rows}`).join(', ')}`,
    line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line),
    ...(f.similarity?.length ? ['', 'linear CKA between layers (1 = the same representation up to rotation and scale)', ...f.similarity.map((x) => `  ${x.a} ~ ${x.b}: ${x.cka === null ? '—' : x.cka.toFixed(3)}`)] : []),
    ...f.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
