// The demo's printout: the metric matrix with the oracle beside the model, then the two checks the
// demo promises (AUC within 0.01 of the oracle for click and effective view in every scenario;
// Σ predicted / Σ true probability in [0.95, 1.05] in every task × scenario × country slice ≥ 1000 rows).
import { calibrationCheck, formatMatrix, type MatrixJSON, type RegressionCell } from '../metrics/index.js';
import { isBinaryCell } from '../metrics/matrix-types.js';
import type { LabelNoise } from './label-noise.js';

export interface DemoCheck {
  aucRows: { task: string; scenario: string; auc: number | null; oracle: number | null; ok: boolean }[];
  calibration: ReturnType<typeof calibrationCheck>;
}

export function demoChecks(m: MatrixJSON, aucTasks = ['click', 'effective_view']): DemoCheck {
  const aucRows: DemoCheck['aucRows'] = [];
  for (const task of aucTasks) {
    const t = m.tasks[task];
    if (!t) continue;
    for (const [s, c] of Object.entries(t.by_scenario)) {
      const cell = c as { auc?: number | null; n: number };
      const o = (m.oracle?.tasks[task]?.by_scenario[s] as { auc?: number | null } | undefined)?.auc ?? null;
      const auc = cell.auc ?? null;
      if (auc === null && o === null) continue;
      aucRows.push({ task, scenario: s, auc, oracle: o, ok: auc !== null && o !== null && o - auc <= 0.01 });
    }
  }
  return { aucRows, calibration: calibrationCheck(m, { minRows: 1000, tol: 0.05 }) };
}

/**
 * The label-noise floor of the calibration check: in how many of its slices the training labels
 * themselves are within the tolerance of the truth (Σy / Σp_true on the slice's training rows).
 */
export function labelFloor(rows: DemoCheck['calibration'], noise: LabelNoise, tol = 0.05): { ok: number; of: number; okWhereLabelsOk: number } {
  let ok = 0, of = 0, okWhereLabelsOk = 0;
  for (const r of rows) {
    const c = noise[r.task]?.[r.slice];
    if (!c || c.sumP <= 0) continue;
    of++;
    if (Math.abs(c.sumY / c.sumP - 1) <= tol) { ok++; if (r.ok) okWhereLabelsOk++; }
  }
  return { ok, of, okWhereLabelsOk };
}

/**
 * Expected-value regression heads (e.g. watch time with loss poisson): per scenario, Σ pred / Σ true
 * expected value (goal [0.9, 1.1]) and XAUC beside the oracle's (the true expectation as the score).
 */
export function regressionLevelRows(m: MatrixJSON, tol = 0.1): { task: string; scenario: string; ratio: number | null; xauc: number | null; oracle_xauc: number | null; ok: boolean }[] {
  const out: ReturnType<typeof regressionLevelRows> = [];
  for (const [task, t] of Object.entries(m.tasks)) {
    if (isBinaryCell(t.all)) continue;
    for (const [scenario, c] of Object.entries(t.by_scenario) as [string, RegressionCell][]) {
      if (c.pcoc_true === undefined) continue;
      const o = m.oracle?.tasks[task]?.by_scenario[scenario] as RegressionCell | undefined;
      const ratio = c.pcoc_true ?? null;
      out.push({ task, scenario, ratio, xauc: c.xauc, oracle_xauc: o?.xauc ?? null, ok: ratio !== null && Math.abs(ratio - 1) <= tol });
    }
  }
  return out;
}

export function demoReport(m: MatrixJSON, noise?: LabelNoise | null): string {
  const lines = [formatMatrix(m, { dims: ['all', 'scenario', 'country'] }), ''];
  const c = demoChecks(m);
  lines.push('AUC vs oracle (goal: gap ≤ 0.01 in every scenario):');
  for (const r of c.aucRows) {
    lines.push(`  ${r.ok ? 'ok  ' : 'MISS'} ${r.task.padEnd(15)} ${r.scenario.padEnd(8)} model ${r.auc?.toFixed(4) ?? '-'}  oracle ${r.oracle?.toFixed(4) ?? '-'}  gap ${r.auc !== null && r.oracle !== null ? (r.oracle - r.auc).toFixed(4) : '-'}`);
  }
  const bad = c.calibration.filter((r) => !r.ok);
  lines.push(`calibration (goal: Σ pred / Σ true p in [0.95, 1.05] in every task × scenario × country slice with ≥ 1000 rows): ${c.calibration.length - bad.length}/${c.calibration.length} slices ok`);
  lines.push(`  by expected positives Σ true p in the test slice (a slice's base rate is learned from ~3.5× as many training positives): ${calibrationByExpected(c.calibration)}`);
  if (noise) {
    const f = labelFloor(c.calibration, noise);
    lines.push(`  label-noise floor: the TRAINING labels themselves have Σy/Σp in [0.95, 1.05] in only ${f.ok}/${f.of} of these slices (the model passes ${f.okWhereLabelsOk} of those ${f.ok})`);
  }
  for (const r of bad.slice(0, 20)) lines.push(`  MISS ${r.task.padEnd(15)} ${r.slice.padEnd(14)} n ${String(r.n).padStart(7)}  Σp ${r.expected_pos?.toFixed(0).padStart(5) ?? '    -'}  Σpred/Σp ${r.pcoc_true?.toFixed(3) ?? '-'}  PCOC ${r.pcoc?.toFixed(3) ?? '-'}  oracle PCOC ${r.oracle_pcoc?.toFixed(3) ?? '-'}`);
  if (bad.length > 20) lines.push(`  … ${bad.length - 20} more`);
  const reg = regressionLevelRows(m);
  if (reg.length) {
    lines.push('regression tasks, Σ pred / Σ true E[y] per scenario (ok = within ±10 %; only an expected-value head such as loss: poisson aims at 1 — a log1p head estimates a typical value; docs/training.md):');
    for (const r of reg) lines.push(`  ${r.ok ? 'ok  ' : 'MISS'} ${r.task.padEnd(15)} ${r.scenario.padEnd(8)} Σpred/ΣE ${r.ratio?.toFixed(3) ?? '-'}  XAUC ${r.xauc?.toFixed(4) ?? '-'}  oracle XAUC ${r.oracle_xauc?.toFixed(4) ?? '-'}`);
  }
  return lines.join('\n');
}

/** "≥ 1000: 5/5 ok · 200–1000: … · < 50: …" — pass counts of the calibration check by expected positives. */
export function calibrationByExpected(rows: DemoCheck['calibration'], edges = [1000, 200, 50]): string {
  const parts: string[] = [];
  for (let i = 0; i <= edges.length; i++) {
    const hi = i === 0 ? Infinity : edges[i - 1]!, lo = i < edges.length ? edges[i]! : 0;
    const sel = rows.filter((r) => r.expected_pos !== null && r.expected_pos >= lo && r.expected_pos < hi);
    if (sel.length === 0) continue;
    const label = hi === Infinity ? `≥ ${lo}` : lo === 0 ? `< ${hi}` : `${lo}–${hi}`;
    parts.push(`${label}: ${sel.filter((r) => r.ok).length}/${sel.length} ok`);
  }
  return parts.join(' · ');
}
