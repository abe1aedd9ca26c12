// PPNet / EPNet / PEPNet / MMoE × PPNet against the spec (§3 (4)): identity at neutral gates (each
// model equals its base model exactly), per-task chunks, field granularity, the stop-gradients,
// δ ∈ (0, 2) inside the models, prior-aware routing, and the wide part on top.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradients } from '../engine/autodiff.js';
import { Runner } from '../engine/runtime.js';
import { Rng } from '../util/rng.js';
import type { InputLayout } from './base.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';
import { buildFn, copyParams, EMB, feeds, layout, models, perturbGates, run, storeFor, tasks } from './personalized.fixtures.js';

const section = (name: string) => models.find(([n]) => n === name)![1];
const towersAsDnn = (n: string) => n.replace(/^dnn\./, 'tower.');

// [model, its base model, parameter renaming base → gated]
const identities: [string, Record<string, unknown>, (n: string) => string][] = [
  ['ppnet', { type: 'dnn', hidden: [8, 6] }, towersAsDnn],
  ['ppnet (gate_position output)', { type: 'dnn', hidden: [8, 6] }, towersAsDnn],
  ['epnet (element)', { type: 'shared_bottom', bottom: [8], tower: [6] }, (n) => n],
  ['epnet (field)', { type: 'shared_bottom', bottom: [8], tower: [6] }, (n) => n],
  ['pepnet', { type: 'dnn', hidden: [8, 6] }, towersAsDnn],
  ['pepnet (field, output)', { type: 'dnn', hidden: [8] }, towersAsDnn],
  ['mmoe_ppnet (pepnet_towers)', { type: 'mmoe', experts: 3, expert: [8], tower: [6] }, (n) => n],
  ['mmoe_ppnet (prior_gates)', { type: 'mmoe', experts: 3, expert: [8, 7], tower: [6] }, (n) => n],
  ['mmoe_ppnet (gated_experts)', { type: 'mmoe', experts: 3, expert: [8, 7], tower: [6] }, (n) => n],
];

for (const [name, base, rename] of identities) {
  test(`identity at neutral gates: ${name} equals ${base.type} exactly (shared parameter values)`, async () => {
    const gated = buildFn(section(name)), plain = buildFn(base);
    const a = storeFor(gated, 11), b = storeFor(plain, 12);
    copyParams(a, b, rename);
    const f = feeds(32, 3);
    const want = await run(plain, b, f);
    const got = await run(gated, a, f);
    for (const t of tasks) assert.deepEqual(got[`logit.${t.name}`], want[`logit.${t.name}`], `${t.name}: logits differ`);
    // The gates are really in the graph: non-neutral gates change the output.
    assert.ok(perturbGates(a, 5) > 0);
    const moved = await run(gated, a, f);
    assert.ok(moved['logit.t1']!.some((v, i) => Math.abs(v - want['logit.t1']![i]!) > 1e-4), 'perturbed gates must change the logits');
  });
}

test('PPNet: one Gate NU per layer with T·d_l outputs; chunk t scales only tower t', async () => {
  const build = buildFn(section('ppnet'));
  const s = storeFor(build);
  // gate_position input: H⁽⁰⁾ (21 columns), H⁽¹⁾ (8), H⁽²⁾ (6), two tasks each.
  for (const [l, d] of [[0, 21], [1, 8], [2, 6]] as const) assert.deepEqual(s.trainable.get(`ppnet.h${l}.1.weight`)!.spec.shape, [2 * d, 2 * d]);
  const f = feeds(16, 4);
  const before = await run(build, s, f);
  // Columns of task 2's chunk of layer 1's gate: [8, 16) of W' [16, 16] and b' [16].
  const W = s.get('ppnet.h1.1.weight'), b = s.get('ppnet.h1.1.bias');
  for (let r = 0; r < 16; r++) for (let c = 8; c < 16; c++) W[r * 16 + c] = 0.3 * Math.sin(r * 16 + c);
  for (let c = 8; c < 16; c++) b[c] = 0.5;
  const after = await run(build, s, f);
  assert.deepEqual(after['logit.t1'], before['logit.t1'], 'task 1 untouched');
  assert.ok(after['logit.t2']!.some((v, i) => Math.abs(v - before['logit.t2']![i]!) > 1e-4), 'task 2 changed');
});

test('δ ∈ (0, 2) in every gate of every model for random inputs with non-zero last layers', async () => {
  for (const [name, sec] of models) {
    if (sec.pattern === 'prior_gates') continue; // no Gate NU: softmax routing (tested below)
    const build = buildFn(sec, { extras: true });
    const s = storeFor(build, 2);
    perturbGates(s, 9, 0.4);
    const out = await run(build, s, feeds(64, 8));
    const deltas = Object.keys(out).filter((k) => k.startsWith('delta.'));
    assert.ok(deltas.length > 0, `${name}: no gates`);
    for (const k of deltas) {
      const d = out[k]!;
      assert.ok(d.every((v) => v > 0 && v < 2), `${name} ${k}: ${Math.min(...d)} … ${Math.max(...d)}`);
      assert.ok(d.some((v) => Math.abs(v - 1) > 0.05), `${name} ${k}: not perturbed`);
    }
  }
});

test('field granularity: one gate value per field (and per dense column), broadcast over its dims; padding stays zero', async () => {
  // A wide layout: 70 + 4 + 2 + 3 dense = 79 columns → all() pads to 80.
  const wide: InputLayout = { fields: [{ name: 'big', dim: 70, offset: 0 }, { name: 'user', dim: 4, offset: 70 }, { name: 'scenario', dim: 2, offset: 74 }], denseWidth: 3 };
  const build = buildFn({ type: 'epnet', domain_features: ['scenario'], granularity: 'field', bottom: [8], tower: [4] }, { layout: wide, extras: true });
  const s = storeFor(build);
  assert.deepEqual(s.trainable.get('epnet.gate.1.weight')!.spec.shape, [6, 6], '3 fields + 3 dense columns');
  perturbGates(s, 3);
  const B = 8, f = feeds(B, 6, 76, 3);
  const out = await run(build, s, f);
  const delta = out['delta.epnet']!, O = out['epnet.out']!;
  assert.equal(delta.length, B * 80);
  const spans: [number, number][] = [[0, 70], [70, 74], [74, 76], [76, 77], [77, 78], [78, 79]];
  for (let i = 0; i < B; i++) {
    const row = delta.slice(i * 80, (i + 1) * 80);
    const perField = spans.map(([a, e]) => {
      for (let c = a; c < e; c++) assert.equal(row[c], row[a], `row ${i} column ${c}: not its field's value`);
      return row[a]!;
    });
    assert.equal(new Set(perField).size, 6, 'fields have their own values');
    const E = [...Array.from(f.emb!.data as Float32Array).slice(i * 76, (i + 1) * 76), ...Array.from(f.dense!.data as Float32Array).slice(i * 3, (i + 1) * 3), 0];
    for (let c = 0; c < 80; c++) assert.equal(O[i * 80 + c], Math.fround(E[c]! * row[c]!), `O_ep = δ ⊙ E at (${i}, ${c})`);
  }
});

/** The model as a float64 graph with a scalar loss (every parameter gets a random value in `paramsAndFeeds`). */
function graphOf(sec: Record<string, unknown>) {
  const g = new Graph({ float: 'float64' });
  const f = forward(g, resolveModel(sec, tasks), layout, tasks);
  const loss = op.reduceSum(op.addN(tasks.map((t) => op.mul(f.out.logits[t.name]!, t.name === 't1' ? 1 : -0.5))));
  return { g, f, loss };
}
const emb = (g: Graph) => g.inputs.find((t) => t.name === 'emb')!;
const paramsAndFeeds = async (g: Graph, outs: Record<string, Tensor>) => {
  for (const [k, t] of Object.entries(outs)) g.output(k, t);
  const runner = await Runner.fromGraph(g);
  const r = new Rng(7);
  const all: Record<string, { data: Float64Array; dims: number[] }> = {};
  for (const t of g.inputs) {
    const shape = t.name === 'emb' ? [6, EMB] : t.name === 'dense' ? [6, 3] : g.params.get(t.name)!.spec.shape;
    all[t.name] = { data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * 0.5), dims: shape };
  }
  const out = await runner.run(all);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float64Array)]));
};
const columnsOf = (names: string[]) => layout.fields.filter((f) => names.includes(f.name)).flatMap((f) => Array.from({ length: f.dim }, (_, i) => f.offset + i));

test('EPNet stop-gradient: ∂L/∂emb = δ ⊙ ∂L/∂O_ep on every column but the domain features (no gradient through ⊘(E))', async () => {
  for (const gran of ['element', 'field']) {
    const { g, f, loss } = graphOf({ type: 'epnet', domain_features: ['scenario', 'country'], granularity: gran, bottom: [8], tower: [6] });
    const O = f.out.extras!['epnet.out']!, delta = f.out.extras!['delta.epnet']!;
    const [dEmb, dO] = gradients(loss, [emb(g), O]);
    const [dGate] = gradients(op.reduceSum(delta), [emb(g)]);
    const v = await paramsAndFeeds(g, { dEmb: dEmb!, dO: dO!, delta, dGate: dGate! });
    const domainCols = columnsOf(['scenario', 'country']);
    for (let i = 0; i < 6; i++) {
      for (let c = 0; c < EMB; c++) {
        const want = v.delta![i * 21 + c]! * v.dO![i * 21 + c]!;
        if (!domainCols.includes(c)) {
          assert.ok(Math.abs(v.dEmb![i * EMB + c]! - want) < 1e-12, `${gran} (${i}, ${c}): ${v.dEmb![i * EMB + c]} vs δ·∂L/∂O = ${want}`);
          assert.equal(v.dGate![i * EMB + c], 0, `${gran}: the gate sends no gradient to column ${c}`);
        }
      }
    }
    assert.ok(domainCols.some((c) => v.dGate![c] !== 0), `${gran}: the domain features do learn from the gate`);
  }
});

test('PPNet / PEPNet / MMoE × PPNet stop-gradients: gates send gradient only to their side features; PPNet gates none into EPNet', async () => {
  const prior = columnsOf(['user', 'streamer']);
  for (const name of ['ppnet', 'pepnet', 'mmoe_ppnet (pepnet_towers)', 'mmoe_ppnet (prior_gates)', 'mmoe_ppnet (gated_experts)']) {
    const { g, f } = graphOf(section(name));
    const ex = f.out.extras!;
    const gates = Object.keys(ex).filter((k) => k.startsWith(name.includes('prior_gates') ? 'gate.' : 'delta.ppnet'));
    assert.ok(gates.length > 0, name);
    const s = op.addN(gates.map((k) => op.reduceSum(op.mul(ex[k]!, ex[k]!))));
    const [d] = gradients(s, [emb(g)]);
    const v = await paramsAndFeeds(g, { d: d! });
    for (let i = 0; i < 6; i++) for (let c = 0; c < EMB; c++) {
      if (!prior.includes(c)) assert.equal(v.d![i * EMB + c], 0, `${name}: gate gradient reached column ${c}`);
    }
    assert.ok(prior.some((c) => v.d![c] !== 0), `${name}: the prior features learn from the gates`);
    if (ex['delta.epnet']) {
      const epParams = [...g.params.keys()].filter((k) => k.startsWith('epnet.gate')).map((k) => g.params.get(k)!.tensor);
      assert.ok(gradients(s, epParams).every((x) => x === null), `${name}: PPNet gates must not train EPNet's gate`);
    }
  }
});

test('prior-aware gates: W^p moves the routing and changes how it responds to a prior feature', async () => {
  const build = buildFn(section('mmoe_ppnet (prior_gates)'), { extras: true });
  const s = storeFor(build);
  const f = feeds(16, 2), f2 = feeds(16, 2);
  const e2 = f2.emb!.data as Float32Array;
  for (let i = 0; i < 16; i++) for (const c of columnsOf(['user'])) e2[i * EMB + c] += 1; // only a prior feature moves
  const gatesOf = async () => [(await run(build, s, f))['gate.t1']!, (await run(build, s, f2))['gate.t1']!];
  const [a0, b0] = await gatesOf(); // W^p = 0: MMoE's routing (equal outputs: the identity test)
  perturbGates(s, 4);
  const [a, b] = await gatesOf();
  assert.ok(a.every((v) => v > 0 && v < 1));
  assert.ok(a.some((v, i) => Math.abs(v - a0[i]!) > 1e-3), 'W^p moves the gates');
  assert.ok(a.some((v, i) => Math.abs((b[i]! - v) - (b0[i]! - a0[i]!)) > 1e-3), 'the prior feature acts on routing through W^p');
});

test('wide part on top of the new models: logit_k(with wide) = logit_k(deep) + e_w[:, k]', async () => {
  const withWide: InputLayout = { fields: [...layout.fields, { name: 'w', dim: 2, offset: EMB }], denseWidth: 3 };
  for (const [name, sec] of models) {
    const deep = buildFn(sec), wide = buildFn({ ...sec, wide: ['w'] }, { layout: withWide });
    const sa = storeFor(deep, 3), sb = storeFor(wide, 3);
    perturbGates(sa, 1); perturbGates(sb, 1);
    const f = feeds(8, 5), r = feeds(8, 6, 2).emb!.data as Float32Array;
    const e = new Float32Array(8 * (EMB + 2));
    for (let i = 0; i < 8; i++) {
      e.set((f.emb!.data as Float32Array).subarray(i * EMB, (i + 1) * EMB), i * (EMB + 2));
      e.set(r.subarray(i * 2, i * 2 + 2), i * (EMB + 2) + EMB);
    }
    const z0 = await run(deep, sa, f), z = await run(wide, sb, { ...f, emb: { data: e, dims: [8, EMB + 2] } });
    tasks.forEach((t, k) => z[`logit.${t.name}`]!.forEach((v, i) => {
      const want = z0[`logit.${t.name}`]![i]! + r[i * 2 + k]!;
      assert.ok(Math.abs(v - want) < 1e-5, `${name} ${t.name}[${i}]: ${v} vs ${want}`);
    }));
  }
});
