// Shallow bias tower: zero-initialised → the base model; training form = base logit + shallow
// logit; serving form = the base model and ignores position; bias-feature dropout zeroes whole rows
// at the configured rate in train mode only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import { copyParams, feeds, run, storeFor } from './personalized.fixtures.js';
import { baseLayout, debiasBuild, dropPosition, EMB, tasks, withPosition } from './debias.fixtures.js';
import { resolveModel } from './registry.js';
import { dropRows } from './shallow-tower.js';

const base = { type: 'mmoe', experts: 2, expert: [6], tower: [4] };
const section = (o: Record<string, unknown> = {}) => ({ type: 'shallow_tower', base, bias_features: ['position'], context_features: ['scenario'], ...o });

test('shallow_tower: zero-initialised shallow tower → the base model; logit = base + shallow; serving drops it', async () => {
  const build = debiasBuild(section({ shallow_hidden: [3] }));
  const served = debiasBuild(section({ shallow_hidden: [3] }), { serving: {} });
  const store = storeFor(build, 2);
  const b = debiasBuild(base, { layout: baseLayout }), bstore = storeFor(b, 3);
  copyParams(store, bstore);
  const f = feeds(20, 4, EMB);
  const want = await run(b, bstore, { ...f, emb: dropPosition(f.emb!) });
  const got0 = await run(build, store, f);
  for (const t of tasks) assert.deepEqual(got0[`pred.${t.name}`], want[`pred.${t.name}`], `${t.name}: starts as the base model`);
  const w = store.get('shallow.out.weight');
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i + 1);
  const a = await run(build, store, f), s = await run(served, store, f);
  tasks.forEach((t, k) => {
    for (let i = 0; i < 20; i++) {
      const sh = a['shallow.logit']![i * 2 + k]!;
      assert.ok(Math.abs(a[`logit.${t.name}`]![i]! - (want[`logit.${t.name}`]![i]! + sh)) < 1e-5, `${t.name}[${i}]: base + shallow`);
    }
    assert.deepEqual(s[`pred.${t.name}`], want[`pred.${t.name}`], `${t.name}: served = base`);
  });
  assert.ok(a['shallow.logit']!.some((v) => Math.abs(v) > 1e-3));
  const moved = await run(served, store, { ...f, emb: withPosition(f.emb!, [4, 4, -4]) });
  assert.deepEqual(moved['pred.click'], s['pred.click'], 'the served score ignores position');
});

test('shallow_tower: bias-feature dropout zeroes whole rows at rate p in training, nothing in eval', async () => {
  const B = 4000, n = 3;
  for (const [training, p] of [[true, 0.1], [true, 0.5], [false, 0.5], [true, 0]] as const) {
    const g = new Graph({ training, seed: 3 });
    const x = g.input('x', 'float32', ['B', n]);
    g.output('y', dropRows(x, p));
    const y = (await (await Runner.fromGraph(g)).run({ x: { data: new Float32Array(B * n).fill(1), dims: [B, n] } })).y!.data as Float32Array;
    let zero = 0;
    for (let i = 0; i < B; i++) {
      const row = [y[i * n]!, y[i * n + 1]!, y[i * n + 2]!];
      assert.ok(row.every((v) => v === row[0]) && (row[0] === 0 || row[0] === 1), 'a row is kept or dropped whole, no rescaling');
      if (row[0] === 0) zero++;
    }
    const want = training ? p : 0;
    const se = Math.sqrt((want * (1 - want)) / B);
    assert.ok(Math.abs(zero / B - want) <= 4 * se + 1e-9, `training ${training}, p ${p}: dropped ${zero / B}`);
  }
});

test('shallow_tower: config errors name the key', () => {
  assert.throws(() => resolveModel(section({ bias_dropout: 1 }), tasks), /model\.bias_dropout/);
  assert.throws(() => resolveModel(section({ base: undefined }), tasks), /model\.base/);
  assert.throws(() => debiasBuild(section({ context_features: ['region'] }))(new Graph()), /model\.context_features: "region" is not an embedded feature/);
});
