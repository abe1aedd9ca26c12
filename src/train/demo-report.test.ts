// The demo report's calibration breakdown by expected positives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationByExpected, labelFloor, regressionLevelRows } from './demo-report.js';
import type { MatrixJSON } from '../metrics/index.js';

const row = (expected: number | null, ok: boolean) => ({ task: 't', slice: 's|c', n: 1000, pcoc: 1, pcoc_true: 1, oracle_pcoc: 1, expected_pos: expected, ok });

test('calibrationByExpected: pass counts per expected-positives bucket, empty buckets left out', () => {
  const rows = [row(5000, true), row(1000, false), row(300, true), row(10, false), row(49.9, true), row(null, true)];
  assert.equal(calibrationByExpected(rows), '≥ 1000: 1/2 ok · 200–1000: 1/1 ok · < 50: 1/2 ok');
});

test('labelFloor: counts slices whose training labels are within the tolerance, and the model passes among them', () => {
  const rows = [
    { ...row(100, true), task: 'a', slice: 'home|BR' },
    { ...row(100, false), task: 'a', slice: 'home|US' },
    { ...row(100, true), task: 'b', slice: 'home|BR' },
    { ...row(100, true), task: 'b', slice: 'slide|BR' }, // no training rows: not counted
  ];
  const noise = {
    a: { 'home|BR': { n: 10, sumY: 104, sumP: 100 }, 'home|US': { n: 10, sumY: 96, sumP: 100 } },
    b: { 'home|BR': { n: 10, sumY: 80, sumP: 100 } },
  };
  assert.deepEqual(labelFloor(rows, noise), { ok: 2, of: 3, okWhereLabelsOk: 1 });
});

test('regressionLevelRows: Σ pred / Σ true per scenario of the regression tasks with truth, ±10 %', () => {
  const reg = (pcoc_true: number | undefined, xauc: number) => ({ n: 10, rmse: 1, mae: 1, xauc, mean_pred: 1, mean_label: 1, ...(pcoc_true === undefined ? {} : { pcoc_true }) });
  const bin = { n: 10, n_pos: 1, pos_rate: 0.1, mean_pred: 0.1, auc: 0.7, gauc: null, gauc_groups: 0, gauc_groups_skipped: 0, logloss: 0.3, pcoc: 1, pcoc_true: 1.5 };
  const m = {
    tasks: {
      click: { all: bin, by_scenario: { home: bin }, by_country: {}, by_scenario_country: {} },
      watch: { all: reg(1, 0.8), by_scenario: { home: reg(1.12, 0.74), slide: reg(0.95, 0.68) }, by_country: {}, by_scenario_country: {} },
      rmse_only: { all: reg(undefined, 0.8), by_scenario: { home: reg(undefined, 0.7) }, by_country: {}, by_scenario_country: {} },
    },
    oracle: { tasks: { watch: { all: reg(1, 0.78), by_scenario: { home: reg(1, 0.75), slide: reg(1, 0.69) }, by_country: {}, by_scenario_country: {} } } },
  } as unknown as MatrixJSON;
  assert.deepEqual(regressionLevelRows(m), [
    { task: 'watch', scenario: 'home', ratio: 1.12, xauc: 0.74, oracle_xauc: 0.75, ok: false },
    { task: 'watch', scenario: 'slide', ratio: 0.95, xauc: 0.68, oracle_xauc: 0.69, ok: true },
  ]);
});
