// DWG: identity at zero init (= shared_bottom on the input without the bias features), δ ∈ (0, 2),
// serving at canonical values changes the score only through the gates, and a plain model with
// position as an ordinary feature is changed by the same substitution directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { copyParams, feeds, run, storeFor } from './personalized.fixtures.js';
import { baseLayout, debiasBuild, dropPosition, EMB, layout, tasks, withPosition } from './debias.fixtures.js';
import { resolveModel } from './registry.js';
import { Graph } from '../engine/graph.js';

const section = (o: Record<string, unknown> = {}) => ({ type: 'dwg', bias_features: ['position'], context_features: ['scenario'], bottom: [8], tower: [6, 5], ...o });
const variants: [string, Record<string, unknown>][] = [
  ['embedding + tower (element, output)', section()],
  ['embedding (field)', section({ scale: ['embedding'], granularity: 'field' })],
  ['tower (input)', section({ scale: ['tower'], gate_position: 'input', gate_hidden: 4 })],
];

/** Random values in every DWG gate's last layer (δ ≠ 1). */
function perturb(store: ReturnType<typeof storeFor>, seed: number, scale = 0.8): number {
  const r = new Rng(seed);
  let n = 0;
  for (const name of store.trainable.keys()) {
    if (!/^dwg\..*\.1\.(weight|bias)$/.test(name)) continue;
    const v = store.get(name);
    for (let i = 0; i < v.length; i++) v[i] = r.normal() * scale;
    n++;
  }
  return n;
}

for (const [name, s] of variants) {
  test(`dwg ${name}: zero-initialised gates → exactly shared_bottom on the input without the bias features`, async () => {
    const build = debiasBuild(s);
    const store = storeFor(build, 2);
    for (const n of store.trainable.keys()) if (/^dwg\..*\.1\./.test(n)) assert.ok(store.get(n).every((v) => v === 0), `${n} starts at zero`);
    const base = debiasBuild({ type: 'shared_bottom', bottom: [8], tower: [6, 5] }, { layout: baseLayout });
    const bstore = storeFor(base, 9);
    copyParams(store, bstore);
    const f = feeds(16, 3, EMB);
    const got = await run(build, store, f);
    const want = await run(base, bstore, { ...f, emb: dropPosition(f.emb!) });
    for (const t of tasks) assert.deepEqual(got[`pred.${t.name}`], want[`pred.${t.name}`], `${t.name}: bit for bit`);
  });

  test(`dwg ${name}: δ ∈ (0, 2), away from 1 once the last layers move`, async () => {
    const build = debiasBuild(s);
    const store = storeFor(build, 2);
    assert.ok(perturb(store, 5, 0.3) > 0);
    const out = await run(build, store, feeds(64, 4, EMB));
    const deltas = Object.entries(out).filter(([k]) => k.startsWith('delta.dwg'));
    assert.ok(deltas.length > 0, 'the model reports its gates');
    for (const [k, v] of deltas) {
      assert.ok(v.every((d) => d > 0 && d < 2), `${k} in (0, 2)`);
      assert.ok(v.some((d) => Math.abs(d - 1) > 0.2), `${k} moved away from 1`);
    }
  });

  test(`dwg ${name}: canonical position changes the score only through the gates`, async () => {
    const canonical = Float32Array.from([0.3, -1.2, 0.7]);
    const logged = debiasBuild(s);
    const served = debiasBuild(s, { serving: { canonical: { position: canonical } } });
    const store = storeFor(logged, 2);
    for (const k of store.trainable.keys()) if (!/^dwg\..*\.1\./.test(k)) { const v = store.get(k), r = new Rng(k.length); for (let i = 0; i < v.length; i++) v[i] = r.normal() * 0.5; }
    const f = feeds(32, 6, EMB);
    // Neutral gates: position cannot reach the score, so serving it at any value changes nothing.
    assert.deepEqual(await run(served, store, f), await run(logged, store, f));
    perturb(store, 8);
    const a = await run(logged, store, f), b = await run(served, store, f);
    const c = await run(logged, store, { ...f, emb: withPosition(f.emb!, canonical) });
    for (const t of tasks) {
      const k = `pred.${t.name}`;
      assert.ok(a[k]!.some((v, i) => Math.abs(v - b[k]![i]!) > 1e-4), `${t.name}: the served score differs once the gates are non-neutral`);
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(b[k]![i]! - c[k]![i]!) < 1e-6, `${t.name}[${i}]: serving form = the logged form fed the canonical row`);
    }
  });
}

test('a plain model with position as an ordinary feature: the canonical row changes the score directly', async () => {
  const s = { type: 'shared_bottom', bottom: [8], tower: [6] };
  const canonical = Float32Array.from([0.3, -1.2, 0.7]);
  const logged = debiasBuild(s), served = debiasBuild(s, { serving: { canonical: { position: canonical } } });
  const store = storeFor(logged, 4);
  const f = feeds(16, 2, EMB);
  const a = await run(logged, store, f), b = await run(served, store, f);
  const c = await run(logged, store, { ...f, emb: withPosition(f.emb!, canonical) });
  assert.ok(a['pred.click']!.some((v, i) => Math.abs(v - b['pred.click']![i]!) > 1e-4));
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(b['pred.click']![i]! - c['pred.click']![i]!) < 1e-6);
});

test('dwg config errors name the key', () => {
  assert.throws(() => debiasBuild(section({ bias_features: ['pos'] }))(new Graph()), /model\.bias_features: "pos" is not an embedded feature/);
  assert.throws(() => debiasBuild(section({ context_features: ['position'] }))(new Graph()), /model\.context_features: position also in model\.bias_features/);
  assert.throws(() => resolveModel(section({ scale: ['gate'] }), tasks), /model\.scale/);
  assert.throws(() => resolveModel({ ...section(), serve_as: { position: [0] } }, tasks), /model\.serve_as\.position: expected a string or a finite number/);
  assert.deepEqual(resolveModel({ ...section(), serve_as: { position: 0 } }, tasks).serveAs, { position: 0 });
  void layout;
});
