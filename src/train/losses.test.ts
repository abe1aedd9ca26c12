import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import * as op from '../engine/ops/index.js';
import { bceWithLogits, focal, huber, l1, mse, reduceTaskLoss, taskLoss, tweedie, weightedBce } from './losses.js';
import { predictionOf } from './heads.js';
import { parseTrainConfig } from './config.js';
import { Rng } from '../util/rng.js';
import type { Forward } from '../models/assemble.js';

const logit = (p: number) => Math.log(p / (1 - p));

async function evalLoss(f: (z: Tensor, y: Tensor) => Tensor, z: number[], y: number[]): Promise<number[]> {
  const g = new Graph({ float: 'float64' });
  const tz = g.input('z', 'float64', ['B', 1]);
  const ty = g.input('y', 'float64', ['B', 1]);
  g.output('l', f(tz, ty));
  const out = await (await Runner.fromGraph(g)).run({
    z: { data: Float64Array.from(z), dims: [z.length, 1] }, y: { data: Float64Array.from(y), dims: [y.length, 1] },
  });
  return Array.from(out.l!.data as Float64Array);
}

test('focal loss: spec numbers (p = 0.9, y = 1, α = 0.25, γ = 2 → 2.634e-4; CE = 0.10536)', async () => {
  const [fl] = await evalLoss((z, y) => focal(z, y, 0.25, 2), [logit(0.9)], [1]);
  assert.ok(Math.abs(fl! - 2.634e-4) < 1e-7, `FL = ${fl}`);
  const [ce] = await evalLoss(bceWithLogits, [logit(0.9)], [1]);
  assert.ok(Math.abs(ce! - 0.10536) < 1e-5);
});

test('focal with γ = 0 and no α balancing equals BCE; with α it weights classes α / 1 − α', async () => {
  const z = [-3, -0.5, 0.2, 2.5], y = [0, 1, 0, 1];
  const f0 = await evalLoss((a, b) => focal(a, b, null, 0), z, y);
  const ce = await evalLoss(bceWithLogits, z, y);
  f0.forEach((v, i) => assert.ok(Math.abs(v - ce[i]!) < 1e-12));
  const fa = await evalLoss((a, b) => focal(a, b, 0.3, 0), z, y);
  fa.forEach((v, i) => assert.ok(Math.abs(v - ce[i]! * (y[i] ? 0.3 : 0.7)) < 1e-12));
});

test('BCE and weighted BCE match the closed forms; stable at large logits', async () => {
  const z = [-40, -1, 0, 1, 40], y = [1, 0, 1, 1, 0];
  const ce = await evalLoss(bceWithLogits, z, y);
  z.forEach((zi, i) => {
    const want = Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - y[i]! * zi;
    assert.ok(Math.abs(ce[i]! - want) < 1e-9 * Math.max(1, want), `z=${zi}: ${ce[i]} vs ${want}`);
  });
  const w = await evalLoss((a, b) => weightedBce(a, b, 3, 0.5), z, y);
  w.forEach((v, i) => assert.ok(Math.abs(v - ce[i]! * (y[i] ? 3 : 0.5)) < 1e-9 * Math.max(1, v)));
});

test('regression losses: MSE, L1, Huber', async () => {
  const p = [0, 0.5, 3, -2], y = [0, 0, 0, 0];
  assert.deepEqual(await evalLoss(mse, p, y), [0, 0.25, 9, 4]);
  assert.deepEqual(await evalLoss(l1, p, y), [0, 0.5, 3, 2]);
  assert.deepEqual(await evalLoss((a, b) => huber(a, b, 1), p, y), [0, 0.125, 2.5, 1.5]);
});

test('task loss averages over the sample space only (PLE Eq. 9) with row weights', async () => {
  const g = new Graph({ float: 'float64' });
  const l = g.input('l', 'float64', ['B', 1]);
  const m = g.input('m', 'float64', ['B', 1]);
  const w = g.input('w', 'float64', ['B', 1]);
  g.output('masked', reduceTaskLoss(l, m, null));
  g.output('both', reduceTaskLoss(l, m, w));
  g.output('plain', reduceTaskLoss(l, null, null));
  const f = (v: number[]) => ({ data: Float64Array.from(v), dims: [v.length, 1] });
  const out = await (await Runner.fromGraph(g)).run({ l: f([1, 2, 3, 4]), m: f([1, 0, 1, 0]), w: f([1, 5, 3, 5]) });
  assert.equal(out.masked!.data[0], 2);
  assert.equal(out.both!.data[0], (1 + 9) / 4);
  assert.equal(out.plain!.data[0], 2.5);
});

test('every loss has a correct gradient (finite differences)', async () => {
  for (const name of ['bce', 'weighted_bce', 'focal', 'mse', 'l1', 'huber'] as const) {
    const r = await gradCheck((g) => {
      const z = g.input('z', 'float64', [6, 1]);
      const y = g.constant(Float64Array.of(1, 0, 1, 0, 1, 0), [6, 1], 'float64');
      return op.reduceSum(taskLoss(name, z, y, { posWeight: 2, negWeight: 0.5, delta: 0.7 }));
    }, { z: randomFeed([6, 1], 4, 2, 0.1) }, { wrt: ['z'] });
    assert.ok(r.maxRelError < 1e-6, `${name}: ${r.maxRelError}`);
  }
});

test('poisson / tweedie: the half-deviance closed forms, 0 at μ = y, scale divides by s^(2−p)', async () => {
  const z = [Math.log(2), 0, Math.log(5), Math.log(0.5), 1.3], y = [2, 0, 1, 3.7, 0];
  const half = (zi: number, yi: number, p: number) => {
    const mu = Math.exp(zi);
    if (p === 1) return mu - yi * zi + (yi > 0 ? yi * Math.log(yi) : 0) - yi;
    return mu ** (2 - p) / (2 - p) - yi * mu ** (1 - p) / (1 - p) + yi ** (2 - p) / ((1 - p) * (2 - p));
  };
  for (const p of [1, 1.2, 1.5, 1.8]) {
    const got = await evalLoss((a, b) => tweedie(a, b, p), z, y);
    z.forEach((zi, i) => assert.ok(Math.abs(got[i]! - half(zi, y[i]!, p)) < 1e-9, `p=${p} row ${i}: ${got[i]} vs ${half(zi, y[i]!, p)}`));
    assert.ok(Math.abs(got[0]!) < 1e-12, `p=${p}: the deviance is 0 at μ = y`);
    assert.ok(got.every((v) => v >= -1e-12), `p=${p}: a deviance is never negative`);
    const scaled = await evalLoss((a, b) => tweedie(a, b, p, 40), z, y);
    scaled.forEach((v, i) => assert.ok(Math.abs(v - got[i]! / 40 ** (2 - p)) < 1e-12));
  }
  const viaTask = await evalLoss((a, b) => taskLoss('poisson', a, b, { scale: 3 }), z, y);
  const direct = await evalLoss((a, b) => tweedie(a, b, 1, 3), z, y);
  assert.deepEqual(viaTask, direct);
  assert.throws(() => tweedie(new Graph().input('z', 'float32', [1]), new Graph().input('y', 'float32', [1]), 2), /power 2 is outside \[1, 2\)/);
});

test('poisson / tweedie have correct gradients (finite differences), zero and large labels included', async () => {
  for (const [name, power] of [['poisson', undefined], ['tweedie', 1.2], ['tweedie', 1.5], ['tweedie', 1.9]] as const) {
    const r = await gradCheck((g) => {
      const z = g.input('z', 'float64', [6, 1]);
      const y = g.constant(Float64Array.of(0, 3.5, 0, 0.2, 120, 1), [6, 1], 'float64');
      return op.reduceSum(taskLoss(name, z, y, { power, scale: 25 }));
    }, { z: randomFeed([6, 1], 4, 2, 0.1) }, { wrt: ['z'] });
    assert.ok(r.maxRelError < 1e-6, `${name} ${power ?? ''}: ${r.maxRelError}`);
  }
});

/**
 * Zero-inflated log-normal watch seconds as in the world (docs/world.md §4): entered with
 * probability q, then W ~ LogNormal(μ, σ²); E[W] = q·exp(μ + σ²/2). One z per group, fitted by
 * gradient descent on the real task loss graph; the served prediction is the head's predictionOf.
 */
async function fitGroups(task: Record<string, unknown>, groups: { q: number; mu: number; sigma: number }[], n: number, seed: number) {
  const cfg = parseTrainConfig({
    data: { source: 'world' }, features: {}, model: { type: 'dnn' },
    tasks: [{ name: 'watch', label: 'watch_s', kind: 'regression', ...task }],
  });
  const t = cfg.tasks[0]!;
  const G = groups.length, B = n * G, rng = new Rng(seed);
  const onehot = new Float64Array(B * G), label = new Float64Array(B);
  let sum = 0;
  for (let gi = 0; gi < G; gi++) {
    const { q, mu, sigma } = groups[gi]!;
    for (let k = 0; k < n; k++) {
      const i = gi * n + k;
      onehot[i * G + gi] = 1;
      const w = rng.next() < q ? Math.exp(rng.normal(mu, sigma)) : 0;
      label[i] = t.label_transform === 'log1p' ? Math.log1p(w) : w;
      sum += w;
    }
  }
  const scale = sum / B;
  const g = new Graph({ float: 'float64' });
  const x = g.input('x', 'float64', ['B', G]);
  const y = g.input('y', 'float64', ['B', 1]);
  const wIn = g.input('w', 'float64', [G, 1]);
  const z = op.matmul(x, wIn);
  const o = t.loss_options;
  const loss = reduceTaskLoss(taskLoss(t.loss as never, z, y, { delta: o.delta, power: o.power, scale }), null, null);
  const [grad] = (await import('../engine/autodiff.js')).gradients(loss, [wIn]);
  g.output('grad', grad!);
  g.output('pred', predictionOf(t, { out: { logits: { watch: z } }, preds: {} } as unknown as Forward));
  const run = await Runner.fromGraph(g);
  const W = new Float64Array(G).fill(t.label_transform === 'log1p' ? 0 : Math.log(scale));
  const feeds = () => ({ x: { data: onehot, dims: [B, G] }, y: { data: label, dims: [B, 1] }, w: { data: W, dims: [G, 1] } });
  // The loss separates by group: per group, a gradient step first, then secant (quasi-Newton) steps to the root of ∂L/∂z_g.
  const prevW = new Float64Array(G), prevG = new Float64Array(G);
  for (let it = 0; it < 100; it++) {
    const gr = (await run.run(feeds(), ['grad'])).grad!.data as Float64Array;
    let max = 0;
    for (let k = 0; k < G; k++) {
      const dz = W[k]! - prevW[k]!, dg = gr[k]! - prevG[k]!;
      const step = it > 0 && dg !== 0 && dz !== 0 ? gr[k]! * dz / dg : 0.5 * G * gr[k]!;
      prevW[k] = W[k]!; prevG[k] = gr[k]!;
      W[k]! -= Math.max(-1, Math.min(1, step)); max = Math.max(max, Math.abs(step));
    }
    if (max < 1e-9) break;
  }
  const pred = (await run.run(feeds(), ['pred'])).pred!.data as Float64Array;
  return groups.map((_, gi) => pred[gi * n]!);
}

test('a poisson / tweedie head estimates E[watch] on zero-inflated log-normal data; log1p-Huber does not', async () => {
  const groups = [
    { q: 0.08, mu: 4.2, sigma: 1.5 },  // home-like: rare entries, long watches
    { q: 1, mu: 1.6, sigma: 1.7 },     // slide-like: always entered, short watches
    { q: 0.04, mu: 3.2, sigma: 1.7 },  // outside-like
  ];
  const n = 40_000;
  const truth = groups.map((c) => c.q * Math.exp(c.mu + c.sigma * c.sigma / 2));
  // Standard error of a group mean: sd(W)/√n with E[W²] = q·exp(2μ + 2σ²).
  const se = groups.map((c, i) => Math.sqrt((c.q * Math.exp(2 * c.mu + 2 * c.sigma * c.sigma) - truth[i]! ** 2) / n));
  for (const task of [{ loss: 'poisson' }, { loss: 'tweedie', loss_options: { power: 1.5 } }]) {
    const got = await fitGroups(task, groups, n, 7);
    got.forEach((v, i) => assert.ok(Math.abs(v - truth[i]!) < 4 * se[i]!, `${task.loss} group ${i}: ${v.toFixed(2)} vs E = ${truth[i]!.toFixed(2)} (se ${se[i]!.toFixed(2)})`));
  }
  const huber = await fitGroups({ loss: 'huber', label_transform: 'log1p' }, groups, n, 7);
  huber.forEach((v, i) => assert.ok(v < 0.35 * truth[i]!, `log1p-Huber group ${i}: ${v.toFixed(2)} vs E = ${truth[i]!.toFixed(2)}`));
});
