// PAL: with p(seen) ≡ 1 the training form is the base model exactly; the serving form is the base
// model whatever p(seen) is; the training form is p(seen) · served; p(seen) reads only the bias and
// context features; config errors name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../engine/graph.js';
import { copyParams, feeds, run, storeFor } from './personalized.fixtures.js';
import { baseLayout, debiasBuild, dropPosition, EMB, tasks, withPosition } from './debias.fixtures.js';
import { resolveModel } from './registry.js';
import { SEEN_INIT } from './pal.js';

const base = { type: 'shared_bottom', bottom: [8], tower: [6] };
const section = (o: Record<string, unknown> = {}) => ({ type: 'pal', base, bias_features: ['position'], context_features: ['scenario'], ...o });
const randomize = (store: ReturnType<typeof storeFor>, seed: number) => {
  let s = seed;
  for (const k of store.trainable.keys()) { const v = store.get(k); for (let i = 0; i < v.length; i++) { s = (s * 1103515245 + 12345) % 2147483648; v[i] = (s / 2147483648 - 0.5) * 1.5; } }
};

test('pal: p(seen) ≡ 1 → exactly the base model (shared_bottom on the input without position)', async () => {
  const build = debiasBuild(section({ seen_hidden: [4] }));
  const store = storeFor(build, 2);
  randomize(store, 7);
  store.get('pal.seen.out.weight').fill(0);
  store.get('pal.seen.out.bias').fill(60); // σ(60) = 1 in float32
  const b = debiasBuild(base, { layout: baseLayout });
  const bstore = storeFor(b, 3);
  copyParams(store, bstore);
  const f = feeds(24, 4, EMB);
  const got = await run(build, store, f), want = await run(b, bstore, { ...f, emb: dropPosition(f.emb!) });
  assert.ok(got['pal.seen']!.every((p) => p === 1));
  for (const t of tasks) assert.deepEqual(got[`pred.${t.name}`], want[`pred.${t.name}`], `${t.name}: bit for bit`);
});

test('pal: training form = p(seen) · served; served = the base model; only `tasks` are multiplied', async () => {
  const build = debiasBuild(section());
  const served = debiasBuild(section(), { serving: {} });
  const store = storeFor(build, 2);
  assert.ok(Math.abs(1 / (1 + Math.exp(-store.get('pal.seen.out.bias')[0]!)) - SEEN_INIT) < 1e-6, 'p(seen) starts at seen_init');
  randomize(store, 11);
  const f = feeds(24, 5, EMB);
  const a = await run(build, store, f), s = await run(served, store, f);
  const b = debiasBuild(base, { layout: baseLayout }), bstore = storeFor(b, 3);
  copyParams(store, bstore);
  const want = await run(b, bstore, { ...f, emb: dropPosition(f.emb!) });
  assert.ok(a['pal.seen']!.some((p) => Math.abs(p - a['pal.seen']![0]!) > 1e-3), 'p(seen) varies with position');
  for (let i = 0; i < 24; i++) {
    const seen = a['pal.seen']![i]!;
    assert.ok(Math.abs(a['pred.click']![i]! - seen * s['pred.click']![i]!) < 1e-6, `click[${i}] = p(seen)·served`);
    assert.equal(a['pred.gift']![i], s['pred.gift']![i], 'gift is not a PAL task');
  }
  for (const t of tasks) assert.deepEqual(s[`pred.${t.name}`], want[`pred.${t.name}`], `${t.name}: served = base`);
  // The served score ignores position altogether.
  const moved = await run(served, store, { ...f, emb: withPosition(f.emb!, [5, -5, 2]) });
  assert.deepEqual(moved['pred.click'], s['pred.click']);
});

test('pal: config errors name the key', () => {
  const g = () => new Graph();
  assert.throws(() => resolveModel(section({ tasks: ['ctr'] }), tasks), /model\.tasks: "ctr" is not a task; tasks are click, gift/);
  assert.throws(() => resolveModel(section({ tasks: ['watch'] }), [...tasks, { name: 'watch', kind: 'regression' }]), /model\.tasks: "watch" is a regression task/);
  assert.throws(() => resolveModel(section({ base: { type: 'nope' } }), tasks), /model\.base\.type: unknown model "nope"/);
  assert.throws(() => resolveModel(section({ base: { ...base, wide: ['user'] } }), tasks), /model\.base: put `wide` and `serve_as` on the outer model/);
  assert.throws(() => resolveModel(section({ base: { ...base, bottom: 'x' } }), tasks), /model\.base\.bottom/);
  assert.throws(() => debiasBuild(section({ bias_features: ['slot'] }))(g()), /model\.bias_features: "slot" is not an embedded feature/);
});
