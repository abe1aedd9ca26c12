// The two-tower loss: its value against a plain-JS reading of the equations (duplicates masked,
// logQ subtracted, only positive rows as anchors), its gradients against finite differences, and the
// model's checks on its config (every feature in one tower, no dense input, item_id single-id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import { Runner, type Feed } from '../engine/runtime.js';
import { inBatchSoftmaxLoss } from './two-tower-loss.js';
import { l2Normalize, twoTower, type TwoTowerConfig } from './two-tower.js';
import { ModelInputs } from './base.js';

const B = 6, D = 4, TAU = 0.3;
const IDS = [3, 1, 3, 2, 5, 1]; // rows 0/2 and 1/5 share an item
const LABEL = [1, 0, 1, 1, 0, 1];
const MASK = [1, 1, 1, 1, 0, 1]; // row 4 outside the task's space (e.g. an appended negative)
const LOGQ = [-2.1, -1.2, -2.1, -3.0, -4.4, -1.2];

/** The loss read off the equations, in float64 JS. */
function reference(u: number[][], v: number[][], logq: number[] | null): number {
  const n = (x: number[]) => { const s = Math.sqrt(x.reduce((a, b) => a + b * b, 0) + 1e-12); return x.map((y) => y / s); };
  const U = u.map(n), V = v.map(n);
  const sc = (i: number, j: number) => U[i]!.reduce((a, x, k) => a + x * V[j]![k]!, 0) / TAU - (logq ? logq[j]! : 0);
  let num = 0, den = 0;
  for (let i = 0; i < B; i++) {
    const y = LABEL[i]! * MASK[i]!;
    if (!y) continue;
    let z = Math.exp(sc(i, i));
    for (let j = 0; j < B; j++) if (IDS[j] !== IDS[i]) z += Math.exp(sc(i, j));
    num += -sc(i, i) + Math.log(z); den++;
  }
  return num / den;
}

function build(g: Graph, withLogQ: boolean) {
  const f = g.float;
  const user = l2Normalize(g.input('u', f, [B, D]));
  const item = l2Normalize(g.input('v', f, [B, D]));
  const ids = g.constant(BigInt64Array.from(IDS, BigInt), [B], 'int64');
  const c = (a: number[], shape: number[]) => g.constant(f === 'float64' ? Float64Array.from(a) : Float32Array.from(a), shape, f);
  const logQ = withLogQ ? c(LOGQ, [B, 1]) : null;
  const perRow = inBatchSoftmaxLoss({ user, item, itemIds: ids, temperature: TAU, logQ }, c(LABEL, [B, 1]), c(MASK, [B, 1]));
  const mask = c(MASK, [B, 1]);
  return op.div(op.reduceSum(op.mul(perRow, mask)), op.reduceSum(mask)); // the heads' reduction
}

const rows = (f: Feed) => Array.from({ length: B }, (_, i) => Array.from((f.data as Float64Array).subarray(i * D, (i + 1) * D)));

for (const withLogQ of [true, false]) {
  test(`in-batch softmax loss ${withLogQ ? 'with' : 'without'} logQ equals the equations (duplicates masked, positives only)`, async () => {
    const u = randomFeed([B, D], 1), v = randomFeed([B, D], 2);
    const g = new Graph({ float: 'float64' });
    g.output('loss', build(g, withLogQ));
    const out = await (await Runner.fromGraph(g)).run({ u, v });
    const got = out.loss!.data[0] as number;
    const want = reference(rows(u), rows(v), withLogQ ? LOGQ : null);
    assert.ok(Math.abs(got - want) < 1e-6, `loss ${got} vs equations ${want}`);
  });

  test(`in-batch softmax loss ${withLogQ ? 'with' : 'without'} logQ: gradients match finite differences`, async () => {
    const r = await gradCheck((g) => build(g, withLogQ), { u: randomFeed([B, D], 3), v: randomFeed([B, D], 4) });
    for (const p of r.perTensor) {
      assert.ok(p.norm > 0, `gradient of ${p.name} identically zero`);
      assert.ok(p.relError <= 1e-6, `d/d${p.name} relative error ${p.relError.toExponential(2)}`);
    }
  });
}

test('a duplicate of the anchor\'s item is not a negative: moving it changes nothing for that anchor', async () => {
  // Only row 0 is an anchor; row 2 has the same item. Changing v_2 must leave the loss unchanged.
  const g = new Graph({ float: 'float64' });
  const user = g.input('u', 'float64', [3, D]), item = g.input('v', 'float64', [3, D]);
  const ids = g.constant(BigInt64Array.of(7n, 8n, 7n), [3], 'int64');
  const one = g.constant(Float64Array.of(1, 1, 1), [3, 1], 'float64');
  const y = g.constant(Float64Array.of(1, 0, 0), [3, 1], 'float64');
  g.output('loss', op.reduceMean(inBatchSoftmaxLoss({ user, item, itemIds: ids, temperature: 0.5, logQ: null }, y, one)));
  const run = await Runner.fromGraph(g);
  const u = randomFeed([3, D], 5), v = randomFeed([3, D], 6);
  const a = (await run.run({ u, v })).loss!.data[0] as number;
  const v2 = Float64Array.from(v.data as Float64Array); for (let k = 0; k < D; k++) v2[2 * D + k] = 10 * (k + 1);
  const b = (await run.run({ u, v: { data: v2, dims: [3, D] } })).loss!.data[0] as number;
  assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  const v1 = Float64Array.from(v.data as Float64Array); for (let k = 0; k < D; k++) v1[1 * D + k] = 10 * (k + 1);
  const c = (await run.run({ u, v: { data: v1, dims: [3, D] } })).loss!.data[0] as number;
  assert.ok(Math.abs(a - c) > 1e-6, 'a different item (row 1) is a negative');
});

const layout = { fields: [{ name: 'user_id', dim: 2, offset: 0, ids: 10 }, { name: 'streamer_id', dim: 2, offset: 2, ids: 10 }, { name: 'seq', dim: 2, offset: 4 }], denseWidth: 0 };
const base: TwoTowerConfig = { user_features: ['user_id', 'seq'], item_features: ['streamer_id'], item_id: 'streamer_id', user_tower: [4], item_tower: [4], dim: 3, temperature: 0.05, logq: false, activation: 'relu', dropout: 0, norm: 'none' };

test('config checks: each feature in exactly one tower, item_id single-id and on the item side, no dense features', () => {
  const ok = (c: Partial<TwoTowerConfig>, l = layout) => twoTower.build({ ...base, ...c }, new ModelInputs(new Graph(), l), [{ name: 'ev', kind: 'binary' }]);
  assert.doesNotThrow(() => ok({}));
  assert.throws(() => ok({ user_features: ['user_id'] }), /seq are in no tower|seq.*no tower/);
  assert.throws(() => ok({ item_features: ['streamer_id', 'user_id'] }), /also in user_features/);
  assert.throws(() => ok({ item_features: ['streamer_id', 'nope'] }), /model\.item_features: nope is not an embedded feature/);
  assert.throws(() => ok({ item_id: 'user_id' }), /model\.item_id: "user_id" must be one of model\.item_features/);
  assert.throws(() => ok({ user_features: ['user_id'], item_features: ['streamer_id', 'seq'], item_id: 'seq' }), /multi-value/);
  assert.throws(() => ok({}, { ...layout, denseWidth: 2 }), /dense features/);
  assert.throws(() => twoTower.checkTasks!(base, [{ name: 'a', kind: 'binary' }, { name: 'b', kind: 'binary' }]), /single-task/);
  assert.throws(() => twoTower.checkTasks!(base, [{ name: 'w', kind: 'regression' }]), /must be binary/);
});

test('towers end in unit vectors; the task logit is ⟨u, v⟩/τ of the row\'s own item', async () => {
  const g = new Graph();
  const out = twoTower.build(base, new ModelInputs(g, layout), [{ name: 'ev', kind: 'binary' }]);
  g.output('u', out.extras!.user_emb!); g.output('v', out.extras!.item_emb!); g.output('z', out.logits.ev!);
  const { ParameterStore } = await import('../engine/store.js');
  const { Evaluator } = await import('../engine/step.js');
  const ev = await Evaluator.create((gr) => { const o = twoTower.build(base, new ModelInputs(gr, layout), [{ name: 'ev', kind: 'binary' }]); return { outputs: { u: o.extras!.user_emb!, v: o.extras!.item_emb!, z: o.logits.ev! } }; }, new ParameterStore(1));
  const emb = randomFeed([5, 6], 9); const r = await ev.run({ emb: { data: Float32Array.from(emb.data as Float64Array), dims: [5, 6] } });
  const U = r.u!.data as Float32Array, V = r.v!.data as Float32Array, Z = r.z!.data as Float32Array;
  for (let i = 0; i < 5; i++) {
    let nu = 0, nv = 0, dot = 0;
    for (let k = 0; k < 3; k++) { nu += U[i * 3 + k]! ** 2; nv += V[i * 3 + k]! ** 2; dot += U[i * 3 + k]! * V[i * 3 + k]!; }
    assert.ok(Math.abs(nu - 1) < 1e-5 && Math.abs(nv - 1) < 1e-5, `row ${i}: |u|² ${nu}, |v|² ${nv}`);
    assert.ok(Math.abs(Z[i]! - dot / 0.05) < 1e-3, `row ${i}: logit ${Z[i]} vs ${dot / 0.05}`);
  }
});
