import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { entropy, gateAlarms, gateStats, jsDivergence, normalisedEntropy } from './gates-stats.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

test('uniform gate: normalised entropy 1, mean 1/n, a "uniform" alarm and no collapse', () => {
  const n = 4, rows = 100;
  const w = new Float32Array(rows * n).fill(0.25);
  const s = gateStats(w, n);
  close(s.entropy, 1, 1e-6);
  close(s.entropy_of_mean, 1, 1e-6);
  s.mean.forEach((m) => close(m, 0.25, 1e-6));
  s.std.forEach((v) => close(v, 0, 1e-6));
  const kinds = gateAlarms('gate.click', ['e0', 'e1', 'e2', 'e3'], s).map((a) => a.kind);
  assert.deepEqual(kinds, ['uniform']);
});

test('one-hot gate: entropy 0, collapse alarm naming the expert', () => {
  const n = 3, rows = 50;
  const w = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) w[r * n + 2] = 1;
  const s = gateStats(w, n);
  close(s.entropy, 0);
  close(s.collapsed_rows, 1);
  assert.deepEqual(s.top1_share, [0, 0, 1]);
  const a = gateAlarms('gate.like', ['e0', 'e1', 'e2'], s);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.kind, 'collapse');
  assert.match(a[0]!.message, /e2/);
});

test('input-dependent gates: entropy between 0 and 1, per-sample std > 0, no alarm; idx selects rows', () => {
  const rng = new Rng(3);
  const n = 4, rows = 400;
  const w = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const z = Array.from({ length: n }, () => Math.exp(2 * rng.next()));
    const s = z.reduce((a, b) => a + b, 0);
    z.forEach((v, i) => (w[r * n + i] = v / s));
  }
  const s = gateStats(w, n);
  assert.ok(s.entropy > 0.5 && s.entropy < 0.99, `entropy ${s.entropy}`);
  close(s.mean.reduce((a, b) => a + b, 0), 1, 1e-9);
  assert.ok(Math.min(...s.std) > 0.02);
  assert.deepEqual(gateAlarms('g', ['a', 'b', 'c', 'd'], s), []);
  const sub = gateStats(w, n, [0, 1]);
  assert.equal(sub.rows, 2);
  close(sub.mean[0]!, (w[0]! + w[4]!) / 2);
});

test('Jensen–Shannon: identical = 0, disjoint = ln 2, symmetric; entropy of a known distribution', () => {
  close(jsDivergence([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]), 0);
  close(jsDivergence([1, 0], [0, 1]), Math.LN2);
  close(jsDivergence([0.7, 0.3], [0.2, 0.8]), jsDivergence([0.2, 0.8], [0.7, 0.3]));
  assert.ok(jsDivergence([0.7, 0.3], [0.2, 0.8]) > 0);
  close(entropy([0.5, 0.5]), Math.LN2);
  close(normalisedEntropy([0.5, 0.5, 0, 0]), 0.5);
  assert.throws(() => jsDivergence([1], [0.5, 0.5]), /length 1 and 2/);
});
