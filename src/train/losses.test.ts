import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import * as op from '../engine/ops/index.js';
import { bceWithLogits, focal, huber, l1, mse, reduceTaskLoss, taskLoss, weightedBce } from './losses.js';

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
