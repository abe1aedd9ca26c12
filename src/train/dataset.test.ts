// Counter warm-up: rows in the first hours are dropped from the splits (after feeding the counters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../data/table.js';
import { dropWarmup } from './dataset.js';

test('dropWarmup keeps the rows from start + hours on; errors name the missing column', () => {
  const ts = Int32Array.from([1000, 1000, 2000, 4599, 4600, 4601, 9000]);
  const t = makeTable({ ts, v: Float64Array.from(ts, (_, i) => i) });
  const out = dropWarmup(t, 'ts', 1); // from 1000 + 3600 = 4600
  assert.deepEqual(Array.from(out.columns.v as Float64Array), [4, 5, 6]);
  assert.equal(dropWarmup(t, 'ts', 0).numRows, 7);
  assert.equal(dropWarmup(t, 'ts', 100).numRows, 0);
  assert.throws(() => dropWarmup(t, 'time', 1), /data\.warmup_hours: the data has no time column "time"/);
});
