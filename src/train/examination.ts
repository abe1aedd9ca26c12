// PAL's learned examination curve: p(seen | position, scenario) per scenario and position, read off
// the model on the validation split (every row's p(seen) with its logged position), normalised to
// e_0 = 1, written to the run directory as examination.json `{"<scenario>": [e_0, …, e_K]}` (null
// where a position never occurs) and plotted as examination.svg. No-op for other models.
import { join } from 'node:path';
import type { Table } from '../data/table.js';
import type { ParameterStore } from '../engine/store.js';
import { parseFeatureConfig } from '../features/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { examinationSvg } from './examination-plot.js';
import { runServing } from './serve-form.js';
import type { Session } from './session.js';

export const EXAMINATION_FILE = 'examination.json';
export const EXAMINATION_PLOT = 'examination.svg';

export type Curves = Record<string, (number | null)[]>;

/**
 * Mean of `seen` per scenario and integer position, divided by the scenario's position-0 mean.
 * Positions must be integers ≥ 0; a scenario without a row at position 0 cannot be normalised and
 * is left out (listed in `skipped`).
 */
export function examinationCurves(seen: ArrayLike<number>, position: ArrayLike<number>, scenario: ArrayLike<string | number | null> | null): { curves: Curves; skipped: string[] } {
  const sums = new Map<string, { s: number[]; n: number[] }>();
  for (let i = 0; i < seen.length; i++) {
    const p = position[i]!;
    if (Number.isNaN(p)) continue;
    if (!Number.isInteger(p) || p < 0) throw new Error(`examination curve: position ${p} at row ${i} is not an integer ≥ 0`);
    const key = scenario ? String(scenario[i]) : 'all';
    let e = sums.get(key);
    if (!e) sums.set(key, (e = { s: [], n: [] }));
    e.s[p] = (e.s[p] ?? 0) + seen[i]!;
    e.n[p] = (e.n[p] ?? 0) + 1;
  }
  const curves: Curves = {}, skipped: string[] = [];
  for (const [key, e] of [...sums].sort(([a], [b]) => a.localeCompare(b))) {
    if (!e.n[0]) { skipped.push(key); continue; }
    const e0 = e.s[0]! / e.n[0];
    curves[key] = Array.from({ length: e.n.length }, (_, k) => (e.n[k] ? e.s[k]! / e.n[k]! / e0 : null));
  }
  return { curves, skipped };
}

/** The column of PAL's first bias feature (the position). */
function positionColumn(s: Session): string {
  const m = s.cfg.model as { bias_features?: string[] };
  const name = m.bias_features?.[0];
  const def = parseFeatureConfig(s.fitted.config, 'fitted features').features.find((d) => d.name === name);
  if (!def || !('column' in def) || !def.column) throw new Error(`model.bias_features: "${name}" has no raw column to plot the examination curve over`);
  return def.column;
}

/** Write examination.json and examination.svg for a PAL model; returns the curves (null for other models). */
export async function writeExamination(out: string, s: Session, store: ParameterStore, table: Table = s.splits.val, log?: (m: string) => void): Promise<Curves | null> {
  if (s.cfg.model.type !== 'pal') return null;
  const col = positionColumn(s);
  const pos = table.columns[col];
  if (!pos || Array.isArray(pos)) throw new Error(`examination curve: position column "${col}" is ${pos ? 'text' : 'not in the data'}; it must be numeric`);
  const scen = s.slices.scenario ? (table.columns[s.slices.scenario] as ArrayLike<string | number | null> | undefined) ?? null : null;
  const r = await runServing(s, store, table, {});
  if (!r.seen) throw new Error('examination curve: the model reports no pal.seen');
  const { curves, skipped } = examinationCurves(r.seen, pos as ArrayLike<number>, scen);
  writeFileAtomic(join(out, EXAMINATION_FILE), `${JSON.stringify(curves)}\n`);
  writeFileAtomic(join(out, EXAMINATION_PLOT), examinationSvg(curves, `learned examination p(seen | ${col}${scen ? `, ${s.slices.scenario}` : ''}) / p(seen | 0)`));
  if (skipped.length) log?.(`examination curve: ${skipped.join(', ')} left out (no row at ${col} 0 to normalise by)`);
  return curves;
}
