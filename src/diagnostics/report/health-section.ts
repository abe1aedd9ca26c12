// Section "Feature health" from RUN/diagnostics/feature_health.json (`liverank features health RUN`):
// per-feature embedding gradient norm and update-to-weight ratio over training, convergence step,
// dead / never-converged flags, and permutation importance (validation AUC drop per task).
import type { FeatureHealthFile } from '../types.js';
import { heatmap, lines } from './charts.js';
import { alarmList, sourceLine } from './gates-section.js';
import { chart, fmtInt, html, htmlTable, notComputed, para, type Part, type Section, type TableCell } from './html.js';
import { hasKeys, readJsonIfExists, staleNote } from './read.js';

export const HEALTH_EXPECTED = 'feature_health.json as written by `liverank features health RUN` (src/diagnostics/types.ts FeatureHealthFile: source, convergence, traces[], permutation, alarms[])';

export function readHealth(path: string): FeatureHealthFile | null {
  return readJsonIfExists<FeatureHealthFile>(path, HEALTH_EXPECTED, (v) => {
    const bad = hasKeys(['source', 'convergence', 'permutation'], ['traces', 'alarms'])(v);
    if (bad) return bad;
    const p = (v as { permutation: Record<string, unknown> }).permutation;
    return Array.isArray(p.features) ? null : '"permutation.features" is not an array';
  });
}

/** The importance heatmap shows this many features at most (the largest drops). */
export const MAX_IMPORTANCE_FEATURES = 30;

const STATUS_CLS: Record<string, string> = { converged: 'num good', not_converged: 'num warn', dead: 'num bad' };

export function healthSection(path: string, run: string): Section {
  const sec: Section = { id: 'feature-health', title: 'Feature health', parts: [] };
  const h = readHealth(path);
  if (!h) {
    sec.parts.push(notComputed('Feature health', `liverank features health ${run}`));
    return sec;
  }
  const parts: Part[] = [sourceLine(h.source, path), alarmList(h.alarms)];
  const stale = staleNote(path, `liverank features health ${run}`);
  if (stale) parts.push(para(stale, 'missing'));
  if (h.traces.length) {
    const c = h.convergence;
    parts.push(para(`Converged: the gradient norm (mean over ${c.window} points) stays ≤ ${c.fraction} × its peak; dead: peak gradient norm ≤ ${c.dead_grad_norm} or no touched rows.`));
    const rows: TableCell[][] = h.traces.map((t) => [t.feature, { text: t.status.replace('_', ' '), cls: STATUS_CLS[t.status] }, t.peak_grad_norm, fmtInt(t.peak_step),
      t.converged_step === null ? 'never' : fmtInt(t.converged_step), t.last_grad_norm, t.last_update_ratio, { text: fmtInt(t.touched_rows_total), cls: 'num' }]);
    parts.push(html(htmlTable(['feature', 'status', 'peak grad norm', 'peak step', 'converged at', 'last grad norm', 'last update ratio', 'touched rows'], rows)));
    const g = h.traces.flatMap((t) => t.series.map((p) => ({ step: p.step, feature: t.feature, grad_norm: p.grad_norm, ratio: p.update_ratio })));
    parts.push(chart(lines('Embedding gradient norm per feature', g, { x: 'step', y: 'grad_norm', series: 'feature', yTitle: 'gradient norm', logY: true, points: false, width: 460 })));
    if (g.some((p) => p.ratio !== null)) {
      parts.push(chart(lines('Update-to-weight ratio per feature', g, { x: 'step', y: 'ratio', series: 'feature', yTitle: '‖Δw‖ / ‖w‖', logY: true, points: false, width: 460 })));
    }
  } else {
    parts.push(para(h.stats_file === null
      ? 'No per-feature training trace: the run wrote no diagnostics/feature_stats.jsonl (train.diagnostics off, or trained before it existed).'
      : `${h.stats_file} holds no feature points.`, 'missing'));
  }
  const perm = h.permutation;
  if (perm.features.length) {
    const tasks = Object.keys(perm.baseline_auc);
    const top = (f: (typeof perm.features)[number]) => Math.max(-1, ...tasks.map((t) => f.drop[t] ?? -1));
    const shown = [...perm.features].sort((a, b) => top(b) - top(a)).slice(0, MAX_IMPORTANCE_FEATURES);
    const cells = shown.flatMap((f) => tasks.map((task) => ({ feature: f.feature, task, drop: f.drop[task] ?? null })));
    parts.push(chart(heatmap('Permutation importance (AUC drop)', cells, {
      x: 'task', y: 'feature', value: 'drop', valueTitle: 'AUC drop', scheme: 'purpleorange', domainMid: 0, digits: 3, ySort: shown.map((f) => f.feature),
      subtitle: `${shown.length < perm.features.length ? `the ${shown.length} largest of ${perm.features.length} features; ` : ''}baseline AUC ${tasks.map((t) => `${t} ${perm.baseline_auc[t]?.toFixed(3) ?? '–'}`).join(', ')}; ${perm.repeats} shuffle(s) each`,
    })));
  }
  for (const n of h.notes) parts.push(para(n, 'meta'));
  sec.parts = parts;
  return sec;
}
