import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, AucAccumulator } from './auc.js';
import { recalibrateDownsampledArray } from './calibration.js';
import { Rng } from '../util/rng.js';
import { bruteAuc } from './reference.js';

function randomData(rng: Rng, n: number, levels: number) {
  const s = new Float64Array(n); const y = new Uint8Array(n); const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = levels > 0 ? rng.int(levels) / levels : rng.next();
    y[i] = rng.next() < 0.2 + 0.6 * s[i]! ? 1 : 0;
    w[i] = 0.25 + 0.5 * rng.int(5); // dyadic: sums are exact, so exact equality is expected
  }
  return { s, y, w };
}

test('AUC equals the O(n²) brute force on random data with ties and weights', () => {
  const rng = new Rng(11);
  for (const [n, levels] of [[500, 0], [800, 7], [600, 40], [50, 2]] as const) {
    const { s, y, w } = randomData(rng, n, levels);
    assert.ok(Math.abs(auc(s, y) - bruteAuc(s, y)) < 1e-12, `unweighted n=${n} levels=${levels}`);
    assert.ok(Math.abs(auc(s, y, w) - bruteAuc(s, y, w)) < 1e-12, `weighted n=${n} levels=${levels}`);
  }
});

test('AUC edge cases: all tied = 0.5, perfect = 1, reversed = 0, one class = NaN', () => {
  assert.equal(auc([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]), 0.5);
  assert.equal(auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 1);
  assert.equal(auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]), 0);
  assert.ok(Number.isNaN(auc([0.1, 0.2], [0, 0])));
  assert.ok(Number.isNaN(auc([], [])));
  // negative scores and logits work too
  assert.equal(auc([-3, -1, 2, 5], [0, 0, 1, 1]), 1);
});

test('AucAccumulator: merge of two halves == all at once; NaN rows skipped and counted', () => {
  const rng = new Rng(5);
  const { s, y, w } = randomData(rng, 3000, 30);
  const all = new AucAccumulator();
  all.addBatch({ scores: s, labels: y, weights: w });
  const a = new AucAccumulator(); const b = new AucAccumulator();
  a.addBatch({ scores: s.subarray(0, 1234), labels: y.subarray(0, 1234), weights: w.subarray(0, 1234) });
  for (let i = 1234; i < 3000; i++) b.add(s[i]!, y[i]!, w[i]!);
  const merged = a.merge(b).compute();
  const ref = all.compute();
  assert.equal(merged.auc, ref.auc);
  assert.equal(merged.n, 3000);
  assert.ok(Math.abs(ref.auc - bruteAuc(s, y, w)) < 1e-12);
  // unweighted + weighted merge: missing weights count as 1
  const u = new AucAccumulator(); u.addBatch({ scores: [0.9, 0.1], labels: [1, 0] });
  const v = new AucAccumulator(); v.addBatch({ scores: [0.5, NaN, 0.6], labels: [1, 0, NaN], weights: [2, 1, 1] });
  const r = u.merge(v).compute();
  assert.equal(r.n, 3); assert.equal(r.skipped, 2); assert.equal(r.weightPos, 3); assert.equal(r.auc, 1);
});

test('labels other than 0/1 and negative weights are errors naming the row', () => {
  assert.throws(() => new AucAccumulator().addBatch({ scores: [0.1, 0.2], labels: [0, 2] }), /label 2 at row 1/);
  const acc = new AucAccumulator();
  acc.addBatch({ scores: [0.1, 0.2], labels: [0, 1] });
  assert.throws(() => acc.addBatch({ scores: [0.1], labels: [0], weights: [-1] }), /weight -1 at row 2/);
});

test('a monotone recalibration (negative down-sampling correction) leaves AUC unchanged', () => {
  const rng = new Rng(9);
  const { s, y } = randomData(rng, 5000, 0);
  const q = recalibrateDownsampledArray(s, 0.05);
  assert.equal(auc(q, y), auc(s, y));
  const logit = s.map((p) => Math.log(p / (1 - p)) * 2 + 1);
  assert.equal(auc(logit, y), auc(s, y));
});
