import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import * as op from '../engine/ops/index.js';
import { bceWithLogits } from './losses.js';
import { distillLoss, listwiseKl, logitMse, softBce, softBceFromProbs } from './distill-losses.js';

async function run(f: (a: Tensor, b: Tensor) => Tensor, a: number[], b: number[]): Promise<number[]> {
  const g = new Graph({ float: 'float64' });
  const ta = g.input('a', 'float64', ['B', 1]);
  const tb = g.input('b', 'float64', ['B', 1]);
  g.output('l', f(ta, tb));
  const out = await (await Runner.fromGraph(g)).run({
    a: { data: Float64Array.from(a), dims: [a.length, 1] }, b: { data: Float64Array.from(b), dims: [b.length, 1] },
  });
  return Array.from(out.l!.data as Float64Array);
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const close = (a: number, b: number, tol = 1e-10) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

test('soft BCE at T = 1 against hard 0/1 teacher probabilities is the ordinary BCE', async () => {
  const z = [-3, -0.4, 0, 1.2, 5], y = [0, 1, 1, 0, 1];
  const soft = await run((a, b) => softBceFromProbs(a, b, 1), z, y);
  const hard = await run(bceWithLogits, z, y);
  soft.forEach((v, i) => assert.ok(close(v, hard[i]!), `${v} vs ${hard[i]}`));
});

test('soft BCE = T²·BCE(σ(z_t/T), σ(z_s/T)) by hand; minimal at z_s = z_t', async () => {
  const T = 2, zs = [-1, 0.5, 3], zt = [0.2, -2, 3];
  const got = await run((a, b) => softBce(a, b, T), zs, zt);
  zs.forEach((s, i) => {
    const p = sig(zt[i]! / T), q = sig(s / T);
    const want = T * T * -(p * Math.log(q) + (1 - p) * Math.log(1 - q));
    assert.ok(close(got[i]!, want), `${got[i]} vs ${want}`);
  });
  // the student's best logit is the teacher's: moving z_s away from z_t raises the loss
  const at = await run((a, b) => softBce(a, b, T), [0.7, 0.7, 0.7], [0.7, 0.7, 0.7]);
  const off = await run((a, b) => softBce(a, b, T), [0.6, 0.8, 1.7], [0.7, 0.7, 0.7]);
  off.forEach((v) => assert.ok(v > at[0]!));
});

test('logit MSE by hand', async () => {
  assert.deepEqual(await run(logitMse, [1, -2, 0.5], [1, 1, -0.5]), [0, 9, 1]);
});

test('listwise KL: 0 when student = teacher (and when they differ by a per-request shift), hand value otherwise', async () => {
  const zt = [0.3, -1, 2, 0.5, 0.5, -3];
  const same = await run((a, b) => listwiseKl(a, b, 3, 2), zt, zt);
  assert.equal(same.length, 2);
  same.forEach((v) => assert.ok(Math.abs(v) < 1e-12, `KL ${v}`));
  const shifted = zt.map((v, i) => v + (i < 3 ? 5 : -7));
  (await run((a, b) => listwiseKl(a, b, 3, 1), shifted, zt)).forEach((v) => assert.ok(Math.abs(v) < 1e-12));
  // by hand: group 0 of zs = [0, 0, 0] against zt = [0.3, −1, 2] at T = 2
  const zs = [0, 0, 0, 1, 2, 3];
  const got = await run((a, b) => listwiseKl(a, b, 3, 2), zs, zt);
  const soft = (v: number[]) => { const m = Math.max(...v); const e = v.map((x) => Math.exp(x - m)); const s = e.reduce((a, b) => a + b); return e.map((x) => x / s); };
  for (let gi = 0; gi < 2; gi++) {
    const q = soft(zt.slice(3 * gi, 3 * gi + 3).map((x) => x / 2)), p = soft(zs.slice(3 * gi, 3 * gi + 3).map((x) => x / 2));
    const want = 4 * q.reduce((s, qj, j) => s + qj * Math.log(qj / p[j]!), 0);
    assert.ok(close(got[gi]!, want), `group ${gi}: ${got[gi]} vs ${want}`);
  }
  assert.ok(got.every((v) => v > 0));
});

test('listwise KL is finite when the teacher puts (numerically) zero mass on a candidate', async () => {
  const got = await run((a, b) => listwiseKl(a, b, 2, 1), [0, 0], [800, -800]);
  assert.ok(Number.isFinite(got[0]!) && close(got[0]!, Math.log(2), 1e-9), `${got[0]}`);
});

test('finite-difference gradients of every distillation loss (float64, w.r.t. the student logits)', async () => {
  const B = 12, n = 4;
  const feeds = { zs: randomFeed([B, 1], 3, 3), zt: randomFeed([B, 1], 4, 3) };
  const mk = (f: (zs: Tensor, zt: Tensor) => Tensor) => (g: Graph) => f(g.input('zs', 'float64', ['B', 1]), g.input('zt', 'float64', ['B', 1]));
  const losses: [string, (zs: Tensor, zt: Tensor) => Tensor][] = [
    ['mse', (a, b) => op.reduceMean(logitMse(a, b))],
    ['soft_bce T=1', (a, b) => op.reduceMean(softBce(a, b, 1))],
    ['soft_bce T=3', (a, b) => op.reduceMean(softBce(a, b, 3))],
    ['listwise T=1', (a, b) => op.reduceMean(listwiseKl(a, b, n, 1))],
    ['listwise T=2', (a, b) => op.reduceMean(listwiseKl(a, b, n, 2))],
    ['combined', (a, b) => distillLoss(a, b, { weights: { label: 0, mse: 0.5, soft_bce: 1, listwise: 2 }, temperature: 2, groupSize: n })!],
  ];
  for (const [name, f] of losses) {
    const r = await gradCheck(mk(f), feeds, { wrt: ['zs'], maxCoords: B });
    assert.ok(r.maxRelError < 1e-6, `${name}: relative error ${r.maxRelError}`);
  }
});

test('bad temperature and group size are refused', () => {
  const g = new Graph({ float: 'float64' });
  const z = g.input('z', 'float64', ['B', 1]);
  assert.throws(() => softBce(z, z, 0), /temperature must be a positive number/);
  assert.throws(() => listwiseKl(z, z, 1), /group size must be an integer ≥ 2/);
});
