// Model identities from the spec (§1, §2): gate simplex, PLE shapes and routing, gradient
// isolation, CGC degeneracy; every model's exported ONNX scores like the trainer's evaluator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Graph } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradients } from '../engine/autodiff.js';
import type { Feed } from '../engine/runtime.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { exportForward } from '../engine/export.js';
import { Rng } from '../util/rng.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward } from './assemble.js';
import { MODELS, resolveModel } from './registry.js';

const layout: InputLayout = {
  fields: [{ name: 'a', dim: 4, offset: 0 }, { name: 'b', dim: 4, offset: 4 }, { name: 'c', dim: 4, offset: 8 }],
  denseWidth: 3,
};
const two: TaskInfo[] = [{ name: 't1', kind: 'binary' }, { name: 't2', kind: 'binary' }];

function feeds(B: number, seed: number): Record<string, Feed> {
  const r = new Rng(seed);
  return {
    emb: { data: Float32Array.from({ length: B * 12 }, () => r.normal()), dims: [B, 12] },
    dense: { data: Float32Array.from({ length: B * 3 }, () => r.normal()), dims: [B, 3] },
  };
}

function buildFn(section: Record<string, unknown>, tasks: TaskInfo[], extras = false) {
  const m = resolveModel(section, tasks);
  return (g: Graph) => {
    const f = forward(g, m, layout, tasks);
    const outputs: Record<string, ReturnType<typeof op.sigmoid>> = {};
    for (const [k, t] of Object.entries(f.preds)) outputs[`pred.${k}`] = t;
    if (extras) for (const [k, t] of Object.entries(f.out.extras ?? {})) outputs[k] = t;
    return { outputs };
  };
}

const cases: [string, Record<string, unknown>, TaskInfo[]][] = [
  ['dnn', { type: 'dnn', hidden: [8, 4] }, two],
  ['shared_bottom', { type: 'shared_bottom', bottom: [8], tower: [4], norm: 'batch' }, two],
  ['esmm', { type: 'esmm', ctr_task: 't1', ctcvr_task: 't2', tower: [8] }, two],
  ['mmoe', { type: 'mmoe', experts: 3, expert: [8, 6], tower: [4], gate_dropout: 0.1 }, two],
  ['mmoe + input cross layer', { type: 'mmoe', experts: 2, expert: [8], tower: [4], input_cross_layers: 1 }, two],
  ['cgc', { type: 'cgc', shared_experts: 2, task_experts: 1, expert: [8], tower: [4] }, two],
  ['ple', { type: 'ple', levels: 3, shared_experts: 2, task_experts: 2, expert: [8], tower: [4] }, two],
  ['deepfm', { type: 'deepfm', hidden: [8] }, [two[0]!]],
  ['dcn_v2', { type: 'dcn_v2', cross_layers: 2, hidden: [8] }, [two[0]!]],
];

test('the registry holds every model of the issue', () => {
  for (const m of ['cgc', 'dcn_v2', 'deepfm', 'dnn', 'esmm', 'epnet', 'mmoe', 'mmoe_ppnet', 'pepnet', 'ple', 'ppnet', 'shared_bottom']) assert.ok(m in MODELS, m);
});

for (const [name, section, tasks] of cases) {
  test(`${name}: exported .onnx scores like the trainer's evaluator (≤ 1e-5)`, async () => {
    const build = buildFn(section, tasks);
    const store = new ParameterStore(3);
    ensureLayout(build, store);
    const ev = await Evaluator.create(build, store);
    const f = feeds(32, 5);
    const want = await ev.run(f);
    const session = await ort.InferenceSession.create(exportForward(build, store));
    const got = await session.run({
      emb: new ort.Tensor('float32', f.emb!.data as Float32Array, [32, 12]),
      dense: new ort.Tensor('float32', f.dense!.data as Float32Array, [32, 3]),
    });
    for (const t of tasks) {
      const a = want[`pred.${t.name}`]!.data as Float32Array, b = got[`pred.${t.name}`]!.data as Float32Array;
      assert.equal(b.length, 32);
      for (let i = 0; i < 32; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5, `${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
      assert.ok(a.every((p) => p > 0 && p < 1), 'probabilities in (0, 1)');
    }
  });
}

test('PLE shapes (T=2, m_k=1, m_s=1, d=256, B=32) and gate rows on the simplex', async () => {
  const build = buildFn({ type: 'ple', levels: 2, shared_experts: 1, task_experts: 1, expert: [256], tower: [64] }, two, true);
  const store = new ParameterStore(1);
  ensureLayout(build, store);
  const out = await (await Evaluator.create(build, store)).run(feeds(32, 1));
  assert.deepEqual(out['gate.t1.l0']!.dims, [32, 2]);
  assert.deepEqual(out['gate.shared.l0']!.dims, [32, 3]);
  assert.deepEqual(out['gate.t2.l1']!.dims, [32, 2]);
  assert.equal(out['gate.shared.l1'], undefined, 'the last level has no shared gate');
  assert.deepEqual(out['g.t1.l1']!.dims, [32, 256]);
  for (const k of ['gate.t1.l0', 'gate.t2.l0', 'gate.shared.l0', 'gate.t1.l1', 'gate.t2.l1']) {
    const w = out[k]!.data as Float32Array, n = out[k]!.dims[1]!;
    for (let b = 0; b < 32; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) { assert.ok(w[b * n + i]! >= 0); s += w[b * n + i]!; }
      assert.ok(Math.abs(s - 1) < 1e-6, `${k} row ${b} sums to ${s}`);
    }
  }
});

test('MMoE gates: rows sum to 1; a zero gate matrix gives exactly 1/n', async () => {
  const build = buildFn({ type: 'mmoe', experts: 4, expert: [8], tower: [4] }, two, true);
  const store = new ParameterStore(2);
  ensureLayout(build, store);
  store.get('mmoe.gate.t1.weight').fill(0);
  const out = await (await Evaluator.create(build, store)).run(feeds(16, 2));
  const w1 = out['gate.t1']!.data as Float32Array, w2 = out['gate.t2']!.data as Float32Array;
  assert.ok(w1.every((v) => v === 0.25));
  for (let b = 0; b < 16; b++) assert.ok(Math.abs(w2[b * 4]! + w2[b * 4 + 1]! + w2[b * 4 + 2]! + w2[b * 4 + 3]! - 1) < 1e-6);
  assert.ok(new Set(Array.from(w2, (v) => v.toFixed(5))).size > 4, 'task-2 gates vary with the input');
});

test('PLE routing: zeroing task-1 experts of level 1 leaves g^{2,1} unchanged and changes g^{s,1}', async () => {
  const build = buildFn({ type: 'ple', levels: 2, shared_experts: 1, task_experts: 1, expert: [6], tower: [4] }, two, true);
  const store = new ParameterStore(4);
  ensureLayout(build, store);
  const ev = await Evaluator.create(build, store);
  const f = feeds(8, 3);
  const before = await ev.run(f);
  store.get('ple.l0.experts.t1.0.weight').fill(0);
  store.get('ple.l0.experts.t1.0.bias').fill(0);
  const after = await ev.run(f);
  assert.deepEqual(Array.from(after['g.t2.l0']!.data as Float32Array), Array.from(before['g.t2.l0']!.data as Float32Array));
  const s0 = before['g.shared.l0']!.data as Float32Array, s1 = after['g.shared.l0']!.data as Float32Array;
  assert.ok(s0.some((v, i) => Math.abs(v - s1[i]!) > 1e-6), 'the shared gate output must change');
  const t0 = before['g.t1.l0']!.data as Float32Array, t1 = after['g.t1.l0']!.data as Float32Array;
  assert.ok(t0.some((v, i) => Math.abs(v - t1[i]!) > 1e-6));
});

test('gradient isolation: task-2 loss has zero gradient on task-1 last-level experts (and not on shared)', async () => {
  const m = resolveModel({ type: 'ple', levels: 2, shared_experts: 1, task_experts: 1, expert: [6], tower: [4] }, two);
  const g = new Graph({ float: 'float64' });
  const f = forward(g, m, layout, two);
  const l2 = op.reduceSum(f.out.logits.t2!);
  const w1 = g.params.get('ple.l1.experts.t1.0.weight')!.tensor;
  const ws = g.params.get('ple.l1.experts.shared.0.weight')!.tensor;
  const w1first = g.params.get('ple.l0.experts.t1.0.weight')!.tensor;
  const [d1, ds, d1first] = gradients(l2, [w1, ws, w1first]);
  assert.equal(d1, null, 'no path from L_task2 to task-1 experts of the last level');
  assert.ok(ds, 'shared experts do get a gradient');
  assert.ok(d1first, 'level-1 task-1 experts reach task 2 through the shared gate');
});

test('CGC with no task experts and one shared expert equals shared-bottom with the same weights', async () => {
  const cgcBuild = buildFn({ type: 'cgc', shared_experts: 1, task_experts: 0, expert: [8], tower: [4] }, two);
  const sbBuild = buildFn({ type: 'shared_bottom', bottom: [8], tower: [4] }, two);
  const a = new ParameterStore(1), b = new ParameterStore(2);
  ensureLayout(cgcBuild, a);
  ensureLayout(sbBuild, b);
  b.get('bottom.0.weight').set(a.get('cgc.l0.experts.shared.0.weight'));
  b.get('bottom.0.bias').set(a.get('cgc.l0.experts.shared.0.bias'));
  for (const t of ['t1', 't2']) for (const p of ['0.weight', '0.bias', '1.weight', '1.bias']) b.get(`tower.${t}.${p}`).set(a.get(`tower.${t}.${p}`));
  const f = feeds(16, 9);
  const ra = await (await Evaluator.create(cgcBuild, a)).run(f);
  const rb = await (await Evaluator.create(sbBuild, b)).run(f);
  for (const k of ['pred.t1', 'pred.t2']) {
    const x = ra[k]!.data as Float32Array, y = rb[k]!.data as Float32Array;
    x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) < 1e-6));
  }
});

test('ESMM: pCTCVR = pCTR × pCVR', async () => {
  const build = buildFn({ type: 'esmm', ctr_task: 't1', ctcvr_task: 't2', tower: [8] }, two, true);
  const store = new ParameterStore(6);
  ensureLayout(build, store);
  const out = await (await Evaluator.create(build, store)).run(feeds(8, 4));
  const ctr = out['pred.t1']!.data as Float32Array, cvr = out.p_cvr!.data as Float32Array, ctcvr = out['pred.t2']!.data as Float32Array;
  ctcvr.forEach((v, i) => assert.ok(Math.abs(v - ctr[i]! * cvr[i]!) < 1e-7));
});

test('bad model configs fail with the key and the allowed values', () => {
  assert.throws(() => resolveModel({ type: 'mmeo' }, two), /model\.type: unknown model "mmeo"; allowed: dnn, shared_bottom, esmm, mmoe, cgc, ple, deepfm, dcn_v2/);
  assert.throws(() => resolveModel({ type: 'mmoe', experts: 'four' }, two), /model\.experts: expected number, got string/);
  assert.throws(() => resolveModel({ type: 'mmoe', expertz: 4 }, two), /model: unknown key\(s\) "expertz"/);
  assert.throws(() => resolveModel({ type: 'ple', activation: 'gelu' }, two), /model\.activation: "gelu" is not allowed; allowed: "relu", "sigmoid", "tanh", "leaky_relu"/);
  assert.throws(() => resolveModel({ type: 'esmm', ctr_task: 'ctr', ctcvr_task: 't2' }, two), /model\.ctr_task: "ctr" is not a task; tasks are t1, t2/);
  assert.throws(() => resolveModel({ type: 'deepfm' }, two), /single-task/);
});
