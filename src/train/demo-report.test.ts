// The demo report's calibration breakdown by expected positives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationByExpected, labelFloor } from './demo-report.js';

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
