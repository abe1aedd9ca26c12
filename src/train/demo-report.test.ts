// The demo report's calibration breakdown by expected positives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationByExpected } from './demo-report.js';

const row = (expected: number | null, ok: boolean) => ({ task: 't', slice: 's|c', n: 1000, pcoc: 1, pcoc_true: 1, oracle_pcoc: 1, expected_pos: expected, ok });

test('calibrationByExpected: pass counts per expected-positives bucket, empty buckets left out', () => {
  const rows = [row(5000, true), row(1000, false), row(300, true), row(10, false), row(49.9, true), row(null, true)];
  assert.equal(calibrationByExpected(rows), '≥ 1000: 1/2 ok · 200–1000: 1/1 ok · < 50: 1/2 ok');
});
