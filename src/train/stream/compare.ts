// Two streaming runs over the same stream side by side per slice value (e.g. per day): the
// predict-then-train AUC, its gap to the oracle (AUC of the true probability) and Σ pred / Σ true p.
// Typical use: a streaming model against a frozen baseline (`--train-until`) on a drifting world.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROGRESSIVE_JSON } from './trainer.js';
import type { ProgressiveReport, WindowMetrics } from './progressive.js';

export interface CompareRow {
  task: string; value: string;
  run: { n: number; auc: number | null; oracle_auc: number | null; gap: number | null; pcoc_truth: number | null; pcoc: number | null };
  baseline: CompareRow['run'] | null;
}

export function readProgressive(run: string): ProgressiveReport {
  const p = join(run, PROGRESSIVE_JSON);
  try { return JSON.parse(readFileSync(p, 'utf8')) as ProgressiveReport; } catch (e) { throw new Error(`${p}: cannot read the progressive metrics (${(e as Error).message}); is ${run} a train --stream run directory?`); }
}

const cell = (m: WindowMetrics | undefined): CompareRow['run'] | null => (m ? {
  n: m.n, auc: m.auc, oracle_auc: m.oracle_auc ?? null, gap: m.auc !== null && m.oracle_auc !== undefined && m.oracle_auc !== null ? m.oracle_auc - m.auc : null,
  pcoc_truth: m.pcoc_truth ?? null, pcoc: m.pcoc,
} : null);

export function compareRuns(run: ProgressiveReport, baseline: ProgressiveReport | null, slice: string): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const [task, m] of Object.entries(run.tasks)) {
    const by = m.by[slice];
    if (!by) throw new Error(`slice "${slice}" is not in the run's progressive metrics (it has ${Object.keys(m.by).join(', ') || 'none'}); see --slices`);
    for (const value of Object.keys(by).sort()) rows.push({ task, value, run: cell(by[value])!, baseline: cell(baseline?.tasks[task]?.by[slice]?.[value]) });
  }
  return rows;
}

export function formatCompare(rows: CompareRow[], slice: string): string {
  const f = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
  const head = `task            ${slice.padEnd(12)} ${'n'.padStart(7)}  oracle  | run auc   gap     pred/true pcoc  | baseline auc  gap     pred/true`;
  return [head, ...rows.map((r) => `${r.task.padEnd(15)} ${r.value.padEnd(12)} ${String(r.run.n).padStart(7)}  ${f(r.run.oracle_auc)}  | ${f(r.run.auc)}  ${f(r.run.gap)}  ${f(r.run.pcoc_truth, 3).padEnd(9)} ${f(r.run.pcoc, 3)} | ${r.baseline ? `${f(r.baseline.auc)}        ${f(r.baseline.gap)}  ${f(r.baseline.pcoc_truth, 3)}` : '-'}`)].join('\n');
}
