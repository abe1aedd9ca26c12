// permuteFeature moves exactly one feature's encoded rows (ids, multi-value rows with masks and
// lengths, dense columns) and leaves everything else as it was; taskAucs skips unlabelled rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureBatch, FeatureSpec } from '../features/index.js';
import { permuteFeature, taskAucs } from './permutation.js';

const spec = (name: string, output: FeatureSpec['output'], offset = 0, dim = 1): FeatureSpec => ({ name, kind: 'id', output, table: null, buckets: 0, dim, offset });

function batch(): FeatureBatch {
  return {
    numRows: 3, specs: [],
    ids: { a: Int32Array.from([10, 11, 12]), b: Int32Array.from([20, 21, 22]) },
    multi: { m: { ids: Int32Array.from([1, 2, 3, 0, 5, 0]), mask: Uint8Array.from([1, 1, 1, 0, 1, 0]), lengths: Int32Array.from([2, 1, 1]), maxLen: 2 } },
    dense: Float32Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22]), denseWidth: 3,
  };
}

test('permuteFeature: ids, multi rows and dense columns of one feature only', () => {
  const fb = batch();
  const perm = [2, 0, 1];
  const a = permuteFeature(fb, spec('a', 'ids'), perm);
  assert.deepEqual(Array.from(a.ids.a!), [12, 10, 11]);
  assert.equal(a.ids.b, fb.ids.b);
  assert.deepEqual(Array.from(fb.ids.a!), [10, 11, 12], 'the input is not modified');
  const m = permuteFeature(fb, spec('m', 'multi'), perm).multi.m!;
  assert.deepEqual(Array.from(m.ids), [5, 0, 1, 2, 3, 0]);
  assert.deepEqual(Array.from(m.mask), [1, 0, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(m.lengths), [1, 2, 1]);
  const d = permuteFeature(fb, spec('x', 'dense', 1, 2), perm);
  assert.deepEqual(Array.from(d.dense), [0, 21, 22, 10, 1, 2, 20, 11, 12]);
});

test('taskAucs: NaN labels skipped, one class → null', () => {
  const p = Float32Array.from([0.9, 0.1, 0.8, 0.2]);
  const r = taskAucs({ t: p, u: p }, { t: Float32Array.from([1, 0, NaN, 1]), u: Float32Array.from([1, 1, NaN, 1]) }, ['t', 'u']);
  assert.equal(r.t, 1);
  assert.equal(r.u, null);
});
