// Comparing models on the same data: each binary task's AUC gap to the oracle per task × scenario and
// task × country slice of a metric matrix, and the two summary numbers `liverank compare` ranks by —
// the mean gap over every task × scenario slice and over the smallest countries' task × country slices.
import type { BinaryCell, MatrixJSON } from './matrix-types.js';

export interface SliceGap {
  task: string;
  dim: 'scenario' | 'country';
  slice: string;
  n: number;
  auc: number | null;
  oracle_auc: number | null;
  /** oracle AUC − model AUC (null when either is undefined). */
  gap: number | null;
  gauc: number | null;
  /** Σ pred / Σ true p on the slice. */
  pcoc_true: number | null;
  /** Σ true p on the slice (expected positives). */
  expected_pos: number | null;
}

export interface GapSummary {
  tasks: string[];
  small_countries: string[];
  mean_gap_all: number | null;
  mean_gap_small_countries: number | null;
  slices: SliceGap[];
}

export interface GapOptions {
  /** Binary tasks whose slices count (default: every binary task the oracle has). */
  tasks?: string[];
  /** How many of the smallest countries (fewest rows in the matrix) form the small-country mean (default 3). */
  smallCountries?: number;
  /** Slices with fewer rows are listed but left out of the means (default 1). */
  minRows?: number;
}

const MISSING = '(missing)';

function binaryTasks(m: MatrixJSON): string[] {
  return Object.keys(m.tasks).filter((t) => 'auc' in m.tasks[t]!.all && m.oracle?.tasks[t] !== undefined);
}

/** The k countries with the fewest rows (ties by name), from the first listed task's by_country cells. */
export function smallestCountries(m: MatrixJSON, tasks: string[], k: number): string[] {
  const t = m.tasks[tasks[0]!];
  if (!t) return [];
  return Object.entries(t.by_country)
    .filter(([c]) => c !== MISSING)
    .sort((a, b) => a[1].n - b[1].n || a[0].localeCompare(b[0]))
    .slice(0, k)
    .map(([c]) => c);
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function gapSummary(m: MatrixJSON, o: GapOptions = {}): GapSummary {
  if (!m.oracle) throw new Error('the metric matrix has no oracle (the data carries no true probabilities): AUC gaps need one');
  const tasks = o.tasks ?? binaryTasks(m);
  for (const t of tasks) {
    if (!m.tasks[t]) throw new Error(`gap task "${t}" is not in the metric matrix; tasks: ${Object.keys(m.tasks).join(', ')}`);
    if (!('auc' in m.tasks[t]!.all)) throw new Error(`gap task "${t}" is not a binary task`);
    if (!m.oracle.tasks[t]) throw new Error(`gap task "${t}" has no oracle (no true_prob in its config)`);
  }
  const minRows = o.minRows ?? 1;
  const small = smallestCountries(m, tasks, o.smallCountries ?? 3);
  const slices: SliceGap[] = [];
  for (const task of tasks) {
    for (const dim of ['scenario', 'country'] as const) {
      const cells = m.tasks[task]![dim === 'scenario' ? 'by_scenario' : 'by_country'] as Record<string, BinaryCell>;
      const oracle = m.oracle.tasks[task]![dim === 'scenario' ? 'by_scenario' : 'by_country'] as Record<string, BinaryCell>;
      for (const [slice, c] of Object.entries(cells)) {
        if (slice === MISSING) continue;
        const oa = oracle[slice]?.auc ?? null;
        const gap = c.auc !== null && oa !== null ? oa - c.auc : null;
        const expected = c.mean_true !== undefined && c.mean_true !== null ? c.mean_true * (c.n_true ?? c.n) : null;
        slices.push({ task, dim, slice, n: c.n, auc: c.auc, oracle_auc: oa, gap, gauc: c.gauc, pcoc_true: c.pcoc_true ?? null, expected_pos: expected });
      }
    }
  }
  const counted = (s: SliceGap) => s.gap !== null && s.n >= minRows;
  return {
    tasks, small_countries: small,
    mean_gap_all: mean(slices.filter((s) => s.dim === 'scenario' && counted(s)).map((s) => s.gap!)),
    mean_gap_small_countries: mean(slices.filter((s) => s.dim === 'country' && small.includes(s.slice) && counted(s)).map((s) => s.gap!)),
    slices,
  };
}

/** Mean and sample standard deviation (sd null for one value). */
export function meanSd(xs: (number | null)[]): { mean: number | null; sd: number | null; n: number } {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return { mean: null, sd: null, n: 0 };
  const mu = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1)) : null;
  return { mean: mu, sd, n: v.length };
}
