import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrationCurve, CalibrationAccumulator, recalibrateDownsampled, recalibrateDownsampledArray } from './calibration.js';
import { BinarySums, logloss, pcoc, pcocTrue, LOGLOSS_EPS } from './binary.js';
import { auc } from './auc.js';
import { Rng } from '../util/rng.js';

test('negative down-sampling recalibration: spec §11 numbers', () => {
  assert.equal(recalibrateDownsampled(0.5, 0.1).toFixed(6), '0.090909');
  assert.equal(recalibrateDownsampled(0.2, 0.05).toFixed(6), '0.012346');
  assert.equal(recalibrateDownsampled(0.5, 0.0121).toFixed(6), '0.011955'); // ref_numbers.py third case
  // same as adding ln w to the logit
  const p = 0.37; const w = 0.2;
  assert.ok(Math.abs(recalibrateDownsampled(p, w) - 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) + Math.log(w))))) < 1e-15);
  assert.equal(recalibrateDownsampled(0.3, 1), 0.3);
  assert.throws(() => recalibrateDownsampled(0.3, 0), /keep rate/);
});

test('down-sample negatives, train-free check: the correction recovers the base rate; AUC unchanged', () => {
  const rng = new Rng(12);
  const n = 200_000; const keep = 0.05;
  const p: number[] = []; const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const pt = 0.012 * Math.exp(rng.normal() * 0.5) / Math.exp(0.125); // mean ≈ 0.012
    const lab = rng.next() < pt ? 1 : 0;
    if (lab === 0 && rng.next() >= keep) continue;
    p.push(pt / (pt + (1 - pt) * keep)); // the probability a model trained on the sampled data learns
    y.push(lab);
  }
  const q = recalibrateDownsampledArray(p, keep);
  assert.equal(auc(q, y), auc(p, y));
  for (let i = 0; i < 50; i++) assert.ok(q[i]! < 0.2);
});

test('PCOC of the true probabilities → 1 (200k Bernoulli draws, within 1 %)', () => {
  const rng = new Rng(2024);
  const n = 200_000;
  const pt = new Float64Array(n); const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) { pt[i] = 1 / (1 + Math.exp(-(rng.normal() * 1.2 - 1.5))); y[i] = rng.next() < pt[i]! ? 1 : 0; }
  const r = pcoc(pt, y);
  assert.ok(Math.abs(r - 1) < 0.01, `PCOC ${r}`);
  // a model over-predicting by 20 % shows it on both PCOCs; the true-probability PCOC is exact
  const over = pt.map((v) => v * 1.2);
  assert.ok(Math.abs(pcoc(over, y) - 1.2) < 0.02);
  assert.ok(Math.abs(pcocTrue(over, pt) - 1.2) < 1e-12);
});

test('logloss by hand, with clipping at 1e-7', () => {
  const ll = logloss([0.8, 0.3], [1, 0]);
  assert.ok(Math.abs(ll - -(Math.log(0.8) + Math.log(0.7)) / 2) < 1e-15);
  assert.ok(Math.abs(logloss([0], [1]) - -Math.log(LOGLOSS_EPS)) < 1e-9);
  assert.ok(Number.isFinite(logloss([1], [0])));
  assert.ok(Math.abs(logloss([0.8, 0.3], [1, 0], [3, 1]) - -(3 * Math.log(0.8) + Math.log(0.7)) / 4) < 1e-15);
  const s = new BinarySums();
  s.add(0.2, 1); s.add(0.4, 0, 1, 0.3); s.add(0.6, 1, 2, 0.5);
  assert.ok(Math.abs(s.pcoc - (0.2 + 0.4 + 1.2) / 3) < 1e-15);
  assert.ok(Math.abs(s.pcocTrue - (0.4 + 1.2) / (0.3 + 1.0)) < 1e-15);
  assert.ok(Math.abs(s.meanTrue - 1.3 / 3) < 1e-15);
  assert.equal(s.posRate, 3 / 4);
});

test('calibration curves: bin counts add up; equal-width ranges; equal-frequency balance; ties kept together', () => {
  const rng = new Rng(31);
  const n = 10_000;
  const p = new Float64Array(n); const y = new Uint8Array(n); const t = new Float64Array(n);
  for (let i = 0; i < n; i++) { t[i] = rng.next() ** 2; p[i] = Math.min(1, t[i]! * 1.1); y[i] = rng.next() < t[i]! ? 1 : 0; }
  const cw = calibrationCurve({ scores: p, labels: y, trueProbs: t }, { bins: 10, mode: 'width' });
  assert.equal(cw.bins.reduce((a, b) => a + b.count, 0), n);
  for (const b of cw.bins) {
    assert.ok(b.meanPred >= b.lo && b.meanPred <= b.hi);
    assert.ok(Math.abs(b.meanPred / b.meanTrue! - 1.1) < 0.02 || b.hi === 1);
  }
  const cq = calibrationCurve({ scores: p, labels: y }, { bins: 8, mode: 'quantile' });
  assert.equal(cq.bins.length, 8);
  assert.equal(cq.bins.reduce((a, b) => a + b.count, 0), n);
  for (const b of cq.bins) assert.ok(Math.abs(b.count - n / 8) <= 2, `bin count ${b.count}`);
  for (let k = 1; k < cq.bins.length; k++) assert.ok(cq.bins[k]!.lo > cq.bins[k - 1]!.hi);
  assert.equal(cq.bins[0]!.meanTrue, null);
  // heavy ties: a tie run is never split across bins
  const tied = calibrationCurve({ scores: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.9], labels: [0, 0, 0, 1, 0, 0, 1, 1] }, { bins: 4, mode: 'quantile' });
  assert.deepEqual(tied.bins.map((b) => b.count), [6, 2]); // the 25–75 % cut points all fall in the tie
  assert.ok(Math.abs(tied.bins[0]!.observedRate - 1 / 6) < 1e-15);
  // perfectly calibrated by construction in each bin → tiny ECE; out-of-range counted
  const oor = calibrationCurve({ scores: [-0.1, 0.5, 1.2], labels: [0, 1, 1] }, { bins: 2 });
  assert.equal(oor.outOfRange, 2);
  assert.equal(oor.bins.reduce((a, b) => a + b.count, 0), 3);
});

test('CalibrationAccumulator: merge == all at once; NaN rows counted', () => {
  const rng = new Rng(5);
  const p = Array.from({ length: 3000 }, () => rng.next());
  const y = p.map((v) => (rng.next() < v ? 1 : 0));
  p[7] = NaN;
  const all = new CalibrationAccumulator(); all.addBatch({ scores: p, labels: y });
  const a = new CalibrationAccumulator(); a.addBatch({ scores: p.slice(0, 1000), labels: y.slice(0, 1000) });
  const b = new CalibrationAccumulator(); b.addBatch({ scores: p.slice(1000), labels: y.slice(1000) });
  a.merge(b);
  for (const mode of ['width', 'quantile'] as const) assert.deepEqual(a.compute({ mode, bins: 7 }), all.compute({ mode, bins: 7 }));
  assert.equal(all.skipped, 1);
  assert.equal(all.compute().bins.reduce((s, x) => s + x.count, 0), 2999);
});
