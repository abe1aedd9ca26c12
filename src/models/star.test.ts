// STAR (spec §4) at the model level: config errors, the reduction to Shared-Bottom with batch norm,
// inference isolated per domain, the shared fallback for a domain unseen in training, and the
// exported .onnx (domain ids as the `ids.<feature>` input) scoring like the evaluator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Graph } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import { Runner } from '../engine/runtime.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { exportForward } from '../engine/export.js';
import { Rng } from '../util/rng.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';

// a: 3 ids (the domain), b: 2 ids, c: a multi-value feature (no single id).
const layout: InputLayout = {
  fields: [{ name: 'a', dim: 4, offset: 0, ids: 3 }, { name: 'b', dim: 4, offset: 4, ids: 2 }, { name: 'c', dim: 4, offset: 8 }],
  denseWidth: 3,
};
const two: TaskInfo[] = [{ name: 't1', kind: 'binary' }, { name: 't2', kind: 'binary' }];
const B = 12;
const DOM = [0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 1, 2];

function feeds(seed: number, dom = DOM, b = DOM.map((v) => v % 2)): Record<string, Feed> {
  const r = new Rng(seed);
  return {
    emb: { data: Float32Array.from({ length: B * 12 }, () => r.normal()), dims: [B, 12] },
    dense: { data: Float32Array.from({ length: B * 3 }, () => r.normal()), dims: [B, 3] },
    'ids.a': { data: BigInt64Array.from(dom.map(BigInt)), dims: [B] },
    'ids.b': { data: BigInt64Array.from(b.map(BigInt)), dims: [B] },
  };
}

function buildFn(section: Record<string, unknown>) {
  const m = resolveModel(section, two);
  return (g: Graph) => ({ outputs: Object.fromEntries(Object.entries(forward(g, m, layout, two).preds).map(([k, t]) => [`pred.${k}`, t])) });
}

/** Feeds restricted to the inputs a graph declares (the shared-bottom graph has no ids input). */
const only = (g: Graph, f: Record<string, Feed>) => Object.fromEntries(g.inputs.filter((t) => f[t.name]).map((t) => [t.name, f[t.name]!]));

const names = (s: ParameterStore) => [...s.trainable.keys(), ...s.state.keys()];

/** A store with every parameter and state buffer at random values (domain_rows > 0: all domains seen). */
function randomStore(build: (g: Graph) => unknown, seed: number): ParameterStore {
  const store = new ParameterStore(seed);
  ensureLayout(build as never, store);
  const r = new Rng(seed);
  for (const name of names(store)) {
    const v = store.get(name);
    if (name.endsWith('_rows')) v.fill(7);
    else if (name.endsWith('_var')) v.forEach((_, i) => (v[i] = 0.5 + r.next()));
    else v.forEach((_, i) => (v[i] = (name.endsWith('domain_weight') || name.endsWith('gamma') ? 1 : 0) + 0.5 * r.normal()));
  }
  return store;
}

async function preds(build: (g: Graph) => unknown, store: ParameterStore, f: Record<string, Feed>): Promise<number[][]> {
  const ev = await Evaluator.create(build as never, store);
  const out = await ev.run(Object.fromEntries(ev.runner.inputs.filter((t) => f[t.name]).map((t) => [t.name, f[t.name]!])));
  return two.map((t) => Array.from(out[`pred.${t.name}`]!.data as Float32Array));
}

const starCfg = { type: 'star', domain: 'a', bottom: [8, 6], tower: [4] };

test('bad configs: the domain must be a single-id embedded feature (named in the error); max_domains; aux features', () => {
  const build = (section: Record<string, unknown>) => () => ensureLayout(buildFn(section) as never, new ParameterStore(1));
  assert.throws(build({ ...starCfg, domain: 'scenaro' }), /model\.domain: "scenaro" is not an embedded feature with one id per row; such features are a, b/);
  assert.throws(build({ ...starCfg, domain: 'c' }), /model\.domain: "c" is not an embedded feature with one id per row; such features are a, b/);
  assert.throws(build({ ...starCfg, domain: ['a', 'b'], max_domains: 5 }), /model\.domain: a \(3 ids\) × b \(2 ids\) makes 6 domains, over model\.max_domains = 5/);
  assert.throws(build({ ...starCfg, aux: { features: ['zz'] } }), /model\.aux\.features: "zz" is not an embedded feature; have a, b, c/);
  assert.throws(() => resolveModel({ type: 'star' }, two), /model\.domain/);
  assert.throws(() => resolveModel({ ...starCfg, norm: 'layer' }, two), /model\.norm: "layer" is not allowed; allowed: "pn", "batch", "none"/);
});

test('W_p ≡ 1, b_p ≡ 0, γ_p ≡ 1, β_p ≡ 0: STAR equals Shared-Bottom with batch norm (inference, mixed domains; training, one domain)', async () => {
  const starBuild = buildFn({ ...starCfg, input_norm: 'none', aux: false });
  const sbBuild = buildFn({ type: 'shared_bottom', bottom: [8, 6], tower: [4], norm: 'batch' });
  const sb = randomStore(sbBuild, 3);
  const st = new ParameterStore(4);
  ensureLayout(starBuild as never, st);
  for (const name of names(sb)) {
    const v = sb.get(name);
    const s = name.replace('.bn.', '.pn.');
    st.get(s).set(v);
    // Every domain's running statistics are the batch norm's: one normalization for all.
    if (name.endsWith('.running_mean') || name.endsWith('.running_var')) {
      const dst = st.get(s.replace('running_', 'domain_'));
      for (let d = 0; d < 3; d++) dst.set(v, d * v.length);
    }
  }
  for (const name of names(st)) if (name.endsWith('domain_rows')) st.get(name).fill(5);
  const f = feeds(5);
  const want = await preds(sbBuild, sb, f);
  const got = await preds(starBuild, st, f);
  got.forEach((p, k) => p.forEach((v, i) => assert.ok(Math.abs(v - want[k]![i]!) < 1e-6, `inference ${k}[${i}]: ${v} vs ${want[k]![i]}`)));

  // Training mode (batch statistics) on a batch of one domain.
  const train = async (build: (g: Graph) => { outputs: Record<string, unknown> }, store: ParameterStore, fs: Record<string, Feed>) => {
    const g = new Graph({ training: true });
    for (const [k, t] of Object.entries(build(g).outputs)) g.output(k, t as never);
    const values: Record<string, Feed> = {};
    for (const [name, { spec }] of g.params) values[name] = { data: Float32Array.from(store.get(name)), dims: spec.shape };
    const out = await (await Runner.fromGraph(g)).run({ ...only(g, fs), ...values });
    return two.map((t) => Array.from(out[`pred.${t.name}`]!.data as Float32Array));
  };
  const one = feeds(6, DOM.map(() => 1));
  const a = await train(sbBuild, sb, one), b = await train(starBuild, st, one);
  b.forEach((p, k) => p.forEach((v, i) => assert.ok(Math.abs(v - a[k]![i]!) < 1e-6, `training ${k}[${i}]: ${v} vs ${a[k]![i]}`)));
  const c = await train(starBuild, st, feeds(6));
  assert.ok(c[0]!.some((v, i) => Math.abs(v - a[0]![i]!) > 1e-4), 'mixed domains normalize per domain: not the one-domain result');
});

test('inference: changing another domain\'s statistics and parameters leaves a row\'s score unchanged', async () => {
  const build = buildFn({ ...starCfg, domain: 'a', input_norm: 'pn' });
  const store = randomStore(build, 7);
  const f = feeds(8);
  const before = await preds(build, store, f);
  const r = new Rng(9);
  for (const name of names(store)) {
    if (!/domain_(mean|var|gamma|beta|weight|bias)$/.test(name)) continue;
    const v = store.get(name), per = v.length / 3;
    for (let i = 2 * per; i < 3 * per; i++) v[i] = name.endsWith('_var') ? 0.1 + 3 * r.next() : 5 * r.normal(); // domain 2 only
  }
  const after = await preds(build, store, f);
  for (let k = 0; k < 2; k++) {
    DOM.forEach((d, i) => {
      if (d !== 2) assert.equal(after[k]![i], before[k]![i], `row ${i} (domain ${d})`);
      else assert.notEqual(after[k]![i], before[k]![i], `row ${i} (domain 2) must change`);
    });
  }
});

test('a domain unseen in training gets the shared network (shared statistics, γ_p = 1, β_p = 0, W_p = 1, b_p = 0): finite', async () => {
  const starBuild = buildFn({ ...starCfg, aux: false, input_norm: 'none' });
  const sbBuild = buildFn({ type: 'shared_bottom', bottom: [8, 6], tower: [4], norm: 'batch' });
  const st = randomStore(starBuild, 11);
  // Domain 2 was never trained: no statistics (its domain_mean / domain_var keep random values,
  // which must not be read) and domain parameters still at their initial values.
  for (const name of names(st)) {
    const v = st.get(name), per = v.length / 3;
    if (name.endsWith('domain_rows')) v[2] = 0;
    else if (/domain_(weight|gamma)$/.test(name)) v.fill(1, 2 * per);
    else if (/domain_(bias|beta)$/.test(name)) v.fill(0, 2 * per);
  }
  // The shared network: STAR's shared weights and γ, β, its shared running statistics as batch norm's.
  const sb = new ParameterStore(13);
  ensureLayout(sbBuild as never, sb);
  for (const name of names(sb)) sb.get(name).set(st.get(name.replace('.bn.', '.pn.')));
  const f = feeds(15);
  const got = await preds(starBuild, st, f);
  const want = await preds(sbBuild, sb, f);
  assert.ok(got.flat().every(Number.isFinite));
  DOM.forEach((d, i) => {
    if (d !== 2) return;
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(got[k]![i]! - want[k]![i]!) < 1e-6, `row ${i}: ${got[k]![i]} vs shared ${want[k]![i]}`);
  });
  const withInputPn = buildFn({ ...starCfg, input_norm: 'pn' });
  assert.ok((await preds(withInputPn, randomStore(withInputPn, 12), feeds(15, DOM.map(() => 2)))).flat().every(Number.isFinite));
});

for (const [name, section] of [
  ['domain a, PN on the input too', { ...starCfg, input_norm: 'pn' }],
  ['crossed domain a × b, batch-norm layers, no aux', { ...starCfg, domain: ['a', 'b'], norm: 'batch', aux: false, dropout: 0.1 }],
] as const) {
  test(`${name}: exported .onnx scores like the evaluator (≤ 1e-5), ids.<domain> an int64 input`, async () => {
    const build = buildFn(section);
    const store = randomStore(build, 17);
    const f = feeds(18);
    const want = await preds(build, store, f);
    const session = await ort.InferenceSession.create(exportForward(build as never, store));
    assert.ok(session.inputNames.includes('ids.a'));
    const got = await session.run(Object.fromEntries(session.inputNames.map((n) => [n, new ort.Tensor(
      f[n]!.data instanceof BigInt64Array ? 'int64' : 'float32', f[n]!.data as never, f[n]!.dims as number[])])));
    two.forEach((t, k) => {
      const b = got[`pred.${t.name}`]!.data as Float32Array;
      want[k]!.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-5, `${t.name}[${i}]: ${v} vs ${b[i]}`));
    });
  });
}
