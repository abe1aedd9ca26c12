// Feature health (issue 17, models-and-methods.md §9): from RUN/diagnostics/feature_stats.jsonl
// (written during training, see feature-stats.ts) each feature's convergence step — the first step
// after its peak from which the smoothed embedding-gradient norm stays at or below a stated
// fraction of that peak — dead features (≈ no gradient, or no touched rows) and never-converged
// ones; beside permutation importance on validation (permutation.ts). Writes feature_health.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_STATS_FILE, readFeatureStats, type FeatureStatsLine } from './feature-stats.js';
import type { DiagRun } from './gates-run.js';
import { permutationImportance, type PermutationOptions } from './permutation.js';
import type { Alarm, FeatureHealthFile, FeatureTrace } from './types.js';

export interface ConvergenceOptions {
  /** Converged when the smoothed gradient norm stays ≤ fraction · peak (default 0.25). */
  fraction?: number;
  /** Trailing window (points) of the smoothing mean (default 5). */
  window?: number;
  /** Peak gradient norm ≤ this = dead (default 1e-8). */
  deadGradNorm?: number;
}

/** Logged points the settled stretch must hold (a single low point is not convergence). */
export const SETTLED_POINTS = 3;

export const CONVERGENCE_DEFAULTS = { fraction: 0.25, window: 5, deadGradNorm: 1e-8 };

/** Trailing mean over `window` points, non-finite values skipped (NaN when the window has none). */
export function smooth(v: number[], window: number): number[] {
  return v.map((_, i) => {
    let s = 0, k = 0;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) if (Number.isFinite(v[j]!)) { s += v[j]!; k++; }
    return k ? s / k : NaN;
  });
}

/** Down-sample to at most `max` points (evenly, keeping the last). */
function thin<T>(a: T[], max: number): T[] {
  if (a.length <= max) return a;
  const step = (a.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => a[Math.round(i * step)]!);
}

/** One feature's trace and verdict from its points (in step order). */
export function featureTrace(feature: string, pts: { step: number; grad_norm: number; update_ratio: number; touched_rows: number }[], o: ConvergenceOptions = {}): FeatureTrace {
  const c = { ...CONVERGENCE_DEFAULTS, ...o };
  const g = pts.map((p) => p.grad_norm);
  const sm = smooth(g, c.window);
  let peak = -Infinity, peakAt = 0;
  sm.forEach((v, i) => { if (Number.isFinite(v) && v > peak) { peak = v; peakAt = i; } });
  const touched = pts.reduce((s, p) => s + p.touched_rows, 0);
  const last = pts[pts.length - 1];
  const dead = !pts.length || !(peak > c.deadGradNorm) || touched === 0;
  let converged: number | null = null;
  if (!dead) {
    // The settled stretch must end the trace and hold at least SETTLED_POINTS points.
    let first = sm.length;
    for (let i = sm.length - 1; i > peakAt; i--) {
      if (Number.isFinite(sm[i]!) && sm[i]! <= c.fraction * peak) first = i; else break;
    }
    if (sm.length - first >= SETTLED_POINTS) converged = pts[first]!.step;
  }
  const fin = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return {
    feature,
    points: pts.length,
    peak_grad_norm: Number.isFinite(peak) ? peak : 0,
    peak_step: pts[peakAt]?.step ?? 0,
    last_grad_norm: fin(last?.grad_norm) ?? 0,
    last_update_ratio: fin(last?.update_ratio),
    touched_rows_total: touched,
    converged_step: converged,
    status: dead ? 'dead' : converged === null ? 'not_converged' : 'converged',
    series: thin(pts, 200).map((p) => ({ step: p.step, grad_norm: fin(p.grad_norm) ?? 0, update_ratio: fin(p.update_ratio), touched_rows: p.touched_rows })),
  };
}

/** Traces of every feature named in the lines (features missing from a line simply have no point there). */
export function featureTraces(lines: FeatureStatsLine[], o: ConvergenceOptions = {}): FeatureTrace[] {
  const by = new Map<string, { step: number; grad_norm: number; update_ratio: number; touched_rows: number }[]>();
  for (const l of [...lines].sort((a, b) => a.step - b.step)) {
    for (const [name, s] of Object.entries(l.features)) {
      const arr = by.get(name) ?? [];
      arr.push({ step: l.step, ...s });
      by.set(name, arr);
    }
  }
  return [...by.keys()].sort().map((k) => featureTrace(k, by.get(k)!, o));
}

export function traceAlarms(traces: FeatureTrace[], o: ConvergenceOptions = {}): Alarm[] {
  const c = { ...CONVERGENCE_DEFAULTS, ...o };
  return traces.flatMap((t): Alarm[] => {
    if (t.status === 'dead') {
      return [{ kind: 'dead_feature', subject: t.feature, message: t.touched_rows_total === 0 ? `no table rows touched in ${t.points} logged steps` : `peak gradient norm ${t.peak_grad_norm.toExponential(2)} ≤ ${c.deadGradNorm}: the feature receives ≈ no gradient` }];
    }
    if (t.status === 'not_converged') {
      const lastStep = t.series[t.series.length - 1]?.step;
      const message = t.peak_step === lastStep
        ? `gradient norm still at its peak ${t.peak_grad_norm.toExponential(2)} at the last logged step ${lastStep}: still learning`
        : `gradient norm ${t.last_grad_norm.toExponential(2)} at the last logged step is above ${c.fraction} × its peak ${t.peak_grad_norm.toExponential(2)} (step ${t.peak_step})`;
      return [{ kind: 'never_converged', subject: t.feature, message }];
    }
    return [];
  });
}

export interface FeatureHealthOptions extends ConvergenceOptions, PermutationOptions {
  /** Skip permutation importance (only the traces). */
  noPermutation?: boolean;
}

export async function analyseFeatureHealth(r: DiagRun, o: FeatureHealthOptions = {}): Promise<FeatureHealthFile> {
  const c = { ...CONVERGENCE_DEFAULTS, ...o };
  const names = r.s.fitted.specs.map((x) => x.name);
  for (const f of o.features ?? []) if (!names.includes(f)) throw new Error(`features health: no feature "${f}"; the run has ${names.join(', ')}`);
  const path = join(r.dir, FEATURE_STATS_FILE);
  const notes: string[] = [];
  let traces: FeatureTrace[] = [];
  let statsFile: string | null = null;
  if (existsSync(path)) {
    statsFile = path;
    traces = featureTraces(readFeatureStats(path), c);
    if (!traces.length) notes.push(`${path} has no complete lines: no convergence traces`);
  } else notes.push(`${path} does not exist (the run was trained without feature statistics): no convergence traces, permutation importance only`);
  const perm = o.noPermutation
    ? { repeats: 0, baseline_auc: {}, features: [] }
    : await permutationImportance(r, o);
  if (o.noPermutation) notes.push('permutation importance skipped (--no-permutation)');
  return {
    version: 1, source: r.source, stats_file: statsFile,
    convergence: { fraction: c.fraction, window: c.window, dead_grad_norm: c.deadGradNorm },
    traces, permutation: perm, alarms: traceAlarms(traces, c), notes,
  };
}

export function formatFeatureHealth(f: FeatureHealthFile): string {
  const out: string[] = [`${f.source.run}: model ${f.source.model}, ${f.source.rows} ${f.source.split} rows`];
  if (f.traces.length) {
    out.push('', `convergence (smoothed gradient norm, window ${f.convergence.window}, settles ≤ ${f.convergence.fraction} × peak) from ${f.stats_file}`);
    const head = ['feature', 'points', 'peak |g|', 'at step', 'last |g|', 'last Δw/w', 'touched rows', 'converged at', 'status'];
    const rows = f.traces.map((t) => [
      t.feature, String(t.points), t.peak_grad_norm.toExponential(2), String(t.peak_step), t.last_grad_norm.toExponential(2),
      t.last_update_ratio === null ? '—' : t.last_update_ratio.toExponential(2), String(t.touched_rows_total), t.converged_step === null ? '—' : String(t.converged_step), t.status,
    ]);
    out.push(grid(head, rows));
  }
  if (f.permutation.features.length) {
    const tasks = Object.keys(f.permutation.baseline_auc);
    out.push('', `permutation importance: AUC drop when the feature is shuffled (mean ± std over ${f.permutation.repeats} seeded shuffles); baseline ${tasks.map((t) => `${t} ${f.permutation.baseline_auc[t]?.toFixed(4) ?? '—'}`).join(', ')}`);
    const rows = f.permutation.features.map((p) => [p.feature, ...tasks.map((t) => (p.drop[t] === null ? '—' : `${p.drop[t]!.toFixed(4)} ± ${(p.drop_std[t] ?? 0).toFixed(4)}`))]);
    out.push(grid(['feature', ...tasks], rows));
  }
  for (const n of f.notes) out.push('', `note: ${n}`);
  out.push('', f.alarms.length ? ['alarms:', ...f.alarms.map((a) => `  [${a.kind}] ${a.subject}: ${a.message}`)].join('\n') : 'alarms: none');
  return out.join('\n');
}

function grid(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
