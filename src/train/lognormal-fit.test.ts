// The lognormal head's math: the Gaussian loss on ln y (value and finite-difference gradient), and
// the post-training variance term on synthetic zero-inflated log-normal data with known μ, σ per
// group: the fitted σ² lies within sampling error of σ², the level b recovers a known bias of μ̂,
// and Σ p·exp(μ̂ + d) matches Σ E[y] and Σ y within their standard errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import * as op from '../engine/ops/index.js';
import { Rng } from '../util/rng.js';
import { gaussian, taskLoss } from './losses.js';
import { fitLogNormalOffsets, logNormalScales } from './lognormal-fit.js';
import { parseTrainConfig } from './config.js';

test('gaussian loss: ½(z − y)²/s², and its gradient by finite differences', async () => {
  const g = new Graph({ float: 'float64' });
  const z = g.input('z', 'float64', ['B', 1]), y = g.input('y', 'float64', ['B', 1]);
  g.output('l', taskLoss('lognormal', z, y, { scale: 2.5 }));
  const zs = [0.3, -1, 4], ys = [1.3, -1, 0.5];
  const out = await (await Runner.fromGraph(g)).run({ z: { data: Float64Array.from(zs), dims: [3, 1] }, y: { data: Float64Array.from(ys), dims: [3, 1] } });
  const l = Array.from(out.l!.data as Float64Array);
  zs.forEach((v, i) => assert.ok(Math.abs(l[i]! - 0.5 * (v - ys[i]!) ** 2 / 2.5) < 1e-12, `row ${i}: ${l[i]}`));
  const r = await gradCheck((gr) => {
    const zz = gr.input('z', 'float64', [5, 1]);
    const yy = gr.constant(Float64Array.of(0, 3.5, -2, 0.2, 6), [5, 1], 'float64');
    return op.reduceSum(gaussian(zz, yy, 3));
  }, { z: randomFeed([5, 1], 4, 2, 0.1) }, { wrt: ['z'] });
  assert.ok(r.maxRelError < 1e-6, `${r.maxRelError}`);
  assert.throws(() => gaussian(z, y, 0), /variance 0 must be a positive number/);
});

/** y = Bernoulli(q_g) · exp(μ_i + σ_g ε); μ̂_i = μ_i − bias_g (the fit must find b = bias_g). */
function synthetic(n: number, groups: { q: number; sigma: number; bias: number }[], seed: number) {
  const rng = new Rng(seed);
  const mu = new Float64Array(n), muHat = new Float64Array(n), y = new Float64Array(n), p = new Float64Array(n), g = new Int32Array(n), ey = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % groups.length, c = groups[k]!;
    g[i] = k + 2; // ids as a wide table's rows (0, 1: missing / oov)
    mu[i] = rng.normal(2, 0.7);
    muHat[i] = mu[i]! - c.bias;
    p[i] = c.q;
    ey[i] = c.q * Math.exp(mu[i]! + c.sigma * c.sigma / 2);
    y[i] = rng.next() < c.q ? Math.exp(mu[i]! + c.sigma * rng.normal()) : 0;
  }
  return { mu, muHat, y, p, g, ey };
}

test('variance term: σ² per group within sampling error, the level recovers μ̂\'s bias, Σ p·exp(μ̂ + d) ≈ Σ E[y] ≈ Σ y', () => {
  const groups = [
    { q: 0.08, sigma: 1.5, bias: 0.2 },   // home-like
    { q: 1, sigma: 1.1, bias: -0.1 },     // slide-like: every row entered
    { q: 0.04, sigma: 1.7, bias: 0 },     // outside-like
  ];
  const n = 300_000;
  const d = synthetic(n, groups, 11);
  const mask = new Uint8Array(n).fill(1);
  const fit = fitLogNormalOffsets(d.muHat, d.y, mask, d.g, 100);
  groups.forEach((c, k) => {
    const r = fit.groups.get(k + 2)!;
    const nPos = r.n, s2 = c.sigma * c.sigma;
    // sampling error of the variance of nPos normal residuals: σ²·√(2/(n − 1)); of their mean: σ/√n
    assert.ok(Math.abs(r.variance - s2) < 4 * s2 * Math.sqrt(2 / (nPos - 1)), `group ${k}: σ² ${r.variance} vs ${s2} (n ${nPos})`);
    assert.ok(Math.abs(r.mean - c.bias) < 4 * c.sigma / Math.sqrt(nPos), `group ${k}: b ${r.mean} vs ${c.bias}`);
    // The served level of the group: Σ p·exp(μ̂ + d_global + d_group) against Σ E[y] and Σ y.
    let sp = 0, se = 0, sy = 0, m = 0;
    const dk = fit.global.offset + r.offset;
    for (let i = k; i < n; i += groups.length) { sp += d.p[i]! * Math.exp(d.muHat[i]! + dk); se += d.ey[i]!; sy += d.y[i]!; m++; }
    // relative SE of exp(b̂ + σ̂²/2): √(σ²/n + σ⁴/(2n)) (delta method); of the sample mean: √(E[y²]/E[y]² − 1)/√m
    const relFit = Math.sqrt(s2 / nPos + (s2 * s2) / (2 * nPos));
    const relMean = Math.sqrt(Math.exp(s2) * Math.exp(0.7 * 0.7) / c.q - 1) / Math.sqrt(m);
    assert.ok(Math.abs(sp / se - 1) < 4 * relFit, `group ${k}: Σ pred / Σ E[y] = ${sp / se} (rel. se ${relFit})`);
    assert.ok(Math.abs(sp / sy - 1) < 4 * Math.hypot(relFit, relMean), `group ${k}: Σ pred / Σ y = ${sp / sy}`);
    assert.ok(relFit < relMean, `group ${k}: the log-normal level is the more efficient estimate (${relFit} vs ${relMean})`);
  });
  // Rows with mask 0 or y = 0 never enter the moments; a group under min_rows keeps the global offset.
  const small = fitLogNormalOffsets([0, 0, 0, 0], [1, Math.E, 0, 5], [1, 1, 1, 0], [2, 2, 3, 3], 3);
  assert.equal(small.global.n, 2);
  assert.ok(Math.abs(small.global.mean - 0.5) < 1e-12 && Math.abs(small.global.variance - 0.5) < 1e-12);
  assert.ok(Math.abs(small.global.offset - 0.75) < 1e-12);
  assert.equal(small.groups.get(2)!.offset, 0, 'a group with 2 < 3 positive rows keeps the global offset');
  assert.equal(small.groups.has(3), false, 'a group without positive rows gets no entry');
});

test('the loss scale is the training variance of ln y over the rows with y > 0', () => {
  const cfg = parseTrainConfig({
    data: { source: 'world' }, features: {}, model: { type: 'dnn' },
    tasks: [{ name: 'w', label: 'w', kind: 'regression', loss: 'lognormal' }],
  });
  const w = Float32Array.of(0, 1, Math.E ** 2, 0, Math.E ** 4);
  const s = logNormalScales({ numRows: 5, columns: { w } }, cfg.tasks);
  assert.ok(Math.abs(s.w! - 4) < 1e-5, `variance of ln y = (0, 2, 4): ${s.w}`);
});
