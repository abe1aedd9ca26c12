// stream-compare: per-slice rows of a run beside a baseline, the oracle gap, an unknown slice refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, formatCompare } from './compare.js';
import type { ProgressiveReport, WindowMetrics } from './progressive.js';

const w = (auc: number, oracle: number, pt: number): WindowMetrics => ({ n: 100, auc, pcoc: 1, mean_pred: 0.1, mean_label: 0.1, total: 100, pcoc_total: 1, oracle_auc: oracle, pcoc_truth: pt });
const rep = (a: number): ProgressiveReport => ({ samples: 200, window: 100, tasks: { click: { all: w(a, 0.8, 1), by: { day: { '2024-01-01': w(0.7, 0.8, 1), '2024-01-02': w(a, 0.8, 1.1) } } } } });

test('stream-compare rows: gap = oracle − AUC for run and baseline, per slice value in order; unknown slice refused', () => {
  const rows = compareRuns(rep(0.75), rep(0.72), 'day');
  assert.deepEqual(rows.map((r) => r.value), ['2024-01-01', '2024-01-02']);
  assert.ok(Math.abs(rows[1]!.run.gap! - 0.05) < 1e-12);
  assert.ok(Math.abs(rows[1]!.baseline!.gap! - 0.08) < 1e-12);
  assert.equal(rows[1]!.run.pcoc_truth, 1.1);
  assert.match(formatCompare(rows, 'day'), /click\s+2024-01-02\s+100\s+0\.8000\s+\| 0\.7500\s+0\.0500/);
  assert.equal(compareRuns(rep(0.75), null, 'day')[0]!.baseline, null);
  assert.throws(() => compareRuns(rep(0.75), null, 'country'), /slice "country" is not in the run's progressive metrics \(it has day\)/);
});
