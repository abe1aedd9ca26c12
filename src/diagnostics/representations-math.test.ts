import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { pca, probeAuc, project } from './representations-math.js';

test('PCA recovers known variance shares of independent axes (9 : 4 : 1 : 0) and their directions', () => {
  const rng = new Rng(11);
  const rows = 4000, d = 4;
  const sds = [3, 2, 1, 0];
  const x = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) x[r * d + j] = 5 + sds[j]! * rng.normal();
  const p = pca(x, rows, d);
  const want = [9 / 14, 4 / 14, 1 / 14, 0];
  p.explained.forEach((e, i) => assert.ok(Math.abs(e - want[i]!) < 0.02, `component ${i}: ${e} vs ${want[i]}`));
  assert.ok(Math.abs(Math.abs(p.components[0]![0]!) - 1) < 0.01, 'first component is axis 0');
  assert.ok(Math.abs(Math.abs(p.components[1]![1]!) - 1) < 0.01, 'second component is axis 1');
  // Projection of a centred row onto the first component is ± its first coordinate offset.
  const [c0] = project(p, x, 0, 1);
  assert.ok(Math.abs(Math.abs(c0!) - Math.abs(x[0]! - p.mean[0]!)) < 0.1);
});

test('PCA of a rotated 2-D cloud: 0.8 / 0.2 shares', () => {
  const rng = new Rng(5);
  const rows = 5000;
  const x = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    const a = 2 * rng.normal(), b = rng.normal();
    x[2 * r] = (a - b) / Math.SQRT2;
    x[2 * r + 1] = (a + b) / Math.SQRT2;
  }
  const p = pca(x, rows, 2);
  assert.ok(Math.abs(p.explained[0]! - 0.8) < 0.02, String(p.explained));
  assert.throws(() => pca(x, 1, 2), /at least 2 rows/);
});

test('linear probe: separable layer → AUC ≈ 1; noise layer → ≈ 0.5; one class → null', () => {
  const rng = new Rng(7);
  const rows = 1000, d = 6;
  const x = new Float64Array(rows * d), noise = new Float64Array(rows * d), y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = rng.next() < 0.3 ? 1 : 0;
    for (let j = 0; j < d; j++) { x[r * d + j] = rng.normal(); noise[r * d + j] = rng.normal(); }
    x[r * d + 2] = (y[r] ? 1 : -1) + 0.1 * rng.normal(); // one separating direction
  }
  const fit = Array.from({ length: rows / 2 }, (_, i) => i), score = fit.map((i) => i + rows / 2);
  const a = probeAuc(x, d, y, fit, score)!;
  assert.ok(a > 0.99, `separable probe AUC ${a}`);
  const b = probeAuc(noise, d, y, fit, score)!;
  assert.ok(Math.abs(b - 0.5) < 0.1, `noise probe AUC ${b}`);
  assert.equal(probeAuc(x, d, new Uint8Array(rows), fit, score), null);
});

test('linear CKA: 1 for the same data up to rotation and scale, ≈ 0 for independent data, null without variance', async () => {
  const { linearCka } = await import('./representations-math.js');
  const rng = new Rng(9);
  const rows = 2000, d = 3;
  const x = new Float64Array(rows * d), rot = new Float64Array(rows * d), noise = new Float64Array(rows * d);
  const c = Math.cos(0.7), s = Math.sin(0.7);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) { x[r * d + j] = rng.normal() * (j + 1); noise[r * d + j] = rng.normal(); }
    const [a, b, z] = [x[r * d]!, x[r * d + 1]!, x[r * d + 2]!];
    rot[r * d] = 3 * (c * a - s * b) + 5; rot[r * d + 1] = 3 * (s * a + c * b); rot[r * d + 2] = 3 * z;
  }
  assert.ok(Math.abs(linearCka(x, d, x, d, rows)! - 1) < 1e-9);
  assert.ok(Math.abs(linearCka(x, d, rot, d, rows)! - 1) < 1e-9);
  assert.ok(linearCka(x, d, noise, d, rows)! < 0.01);
  assert.equal(linearCka(x, d, new Float64Array(rows), 1, rows), null);
  // A layer that keeps one of x's three directions: strictly between.
  const one = Float64Array.from({ length: rows }, (_, r) => x[r * d + 2]!);
  const v = linearCka(x, d, one, 1, rows)!;
  assert.ok(v > 0.5 && v < 1, String(v));
});
