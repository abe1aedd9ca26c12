import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmse, mae, xauc, xaucSampled, countInversions, RegressionAccumulator, RegressionSums } from './regression.js';
import { bruteXauc } from './reference.js';
import { Rng } from '../util/rng.js';

test('RMSE / MAE / means by hand', () => {
  const p = [1, 2, 3, 4];
  const y = [2, 2, 5, 0];
  // errors −1, 0, −2, 4 → squares 1, 0, 4, 16 → mean 5.25
  assert.equal(rmse(p, y), Math.sqrt(5.25));
  assert.equal(mae(p, y), 7 / 4);
  // weighted: w = [1, 1, 2, 0] → Σw e² = 1 + 0 + 8 + 0 = 9 over Σw = 4
  assert.equal(rmse(p, y, [1, 1, 2, 0]), 1.5);
  assert.equal(mae(p, y, [1, 1, 2, 0]), 5 / 4);
  const s = new RegressionSums();
  p.forEach((v, i) => s.add(v, y[i]!));
  assert.equal(s.meanPred, 2.5);
  assert.equal(s.meanLabel, 9 / 4);
});

test('XAUC by hand: 3 rows', () => {
  // labels 10, 20, 30; preds 1, 3, 2 → pairs (1,2) ok, (1,3) ok, (2,3) wrong → 2/3
  assert.equal(xauc([1, 3, 2], [10, 20, 30]).xauc, 2 / 3);
  // prediction tie counts ½; label ties are not pairs
  assert.equal(xauc([1, 1, 2], [10, 20, 20]).xauc, (0.5 + 1) / 2);
  assert.ok(Number.isNaN(xauc([1, 2], [5, 5]).xauc));
});

test('exact XAUC equals the O(n²) brute force (ties in both, weights)', () => {
  const rng = new Rng(13);
  for (const [n, pl, yl] of [[400, 0, 0], [700, 12, 9], [500, 3, 40], [30, 2, 2]] as const) {
    const p = new Float64Array(n); const y = new Float64Array(n); const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      y[i] = yl ? Math.floor(Math.exp(z) * yl / 3) : Math.exp(z) * 60;
      p[i] = pl ? Math.round((z + rng.normal()) * pl / 3) : z + rng.normal();
      w[i] = 0.5 + rng.int(4);
    }
    const r = xauc(p, y);
    assert.ok(Math.abs(r.xauc - bruteXauc(p, y)) < 1e-12, `n=${n} unweighted: ${r.xauc} vs ${bruteXauc(p, y)}`);
    assert.ok(Math.abs(xauc(p, y, w).xauc - bruteXauc(p, y, w)) < 1e-12, `n=${n} weighted`);
  }
});

test('countInversions matches a brute force', () => {
  const rng = new Rng(2);
  const a = new Uint32Array(300).map(() => rng.int(40));
  const w = new Float64Array(300).map(() => 1 + rng.int(3));
  let c = 0; let cw = 0;
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) if (a[i]! > a[j]!) { c++; cw += w[i]! * w[j]!; }
  assert.equal(countInversions(a, null), c);
  assert.equal(countInversions(a, w), cw);
});

test('sampled XAUC is close to exact (within 4 standard errors) and deterministic', () => {
  const rng = new Rng(8);
  const n = 20000;
  const y = new Float64Array(n); const p = new Float64Array(n);
  for (let i = 0; i < n; i++) { const z = rng.normal(); y[i] = Math.exp(z); p[i] = z + rng.normal(); }
  const ex = xauc(p, y).xauc;
  const s = xaucSampled(p, y, { pairs: 50000, seed: 3 });
  assert.ok(s.sampled);
  assert.ok(Math.abs(s.xauc - ex) < 4 * s.stderr, `sampled ${s.xauc} ± ${s.stderr} vs exact ${ex}`);
  assert.equal(xaucSampled(p, y, { pairs: 50000, seed: 3 }).xauc, s.xauc);
});

test('RegressionAccumulator: merge == all at once; NaN rows skipped; auto-sampling above the cap', () => {
  const rng = new Rng(6);
  const n = 2000;
  const y = Array.from({ length: n }, () => rng.int(100));
  const p = y.map((v) => v + rng.normal() * 30);
  p[10] = NaN;
  const all = new RegressionAccumulator();
  all.addBatch(p, y);
  const a = new RegressionAccumulator(); const b = new RegressionAccumulator();
  a.addBatch(p.slice(0, 900), y.slice(0, 900)); b.addBatch(p.slice(900), y.slice(900));
  const r = all.compute(); const m = a.merge(b).compute();
  assert.equal(r.skipped, 1); assert.equal(r.n, n - 1);
  assert.equal(m.xauc.xauc, r.xauc.xauc);
  assert.ok(Math.abs(m.rmse - r.rmse) < 1e-12);
  const ok = p.map((v, i) => [v, y[i]!] as const).filter(([v]) => !Number.isNaN(v));
  assert.ok(Math.abs(r.xauc.xauc - bruteXauc(ok.map((t) => t[0]), ok.map((t) => t[1]))) < 1e-12);
  const capped = new RegressionAccumulator({ exactMaxRows: 100, samplePairs: 20000, seed: 1 });
  capped.addBatch(p, y);
  const c = capped.compute();
  assert.ok(c.xauc.sampled);
  assert.ok(Math.abs(c.xauc.xauc - r.xauc.xauc) < 4 * c.xauc.stderr);
});

test('RegressionSums: Σ pred / Σ label and Σ pred / Σ true over the rows with a true value; merge adds up', () => {
  const a = new RegressionSums(), b = new RegressionSums();
  a.add(2, 0, 1, 4); a.add(6, 10, 1, NaN); // the second row has no true value: not in pcocTrue
  b.add(3, 5, 2, 2);
  assert.equal(a.pcoc, 8 / 10);
  assert.equal(a.pcocTrue, 2 / 4);
  a.merge(b);
  assert.equal(a.pcoc, (8 + 6) / (10 + 10));
  assert.equal(a.pcocTrue, (2 + 6) / (4 + 4));
  assert.ok(Number.isNaN(new RegressionSums().pcocTrue));
});
