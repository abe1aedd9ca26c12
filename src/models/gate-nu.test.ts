// Gate NU (spec §3): δ ≡ 1 with its zero-initialised last layer, δ ∈ (0, 2) otherwise, its
// gradients against finite differences; config errors of the gated models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { Rng } from '../util/rng.js';
import { forward } from './assemble.js';
import { gateNU } from './gate-nu.js';
import { resolveModel } from './registry.js';
import { layout, tasks } from './personalized.fixtures.js';

const gate = (out: number, o: { hidden?: number; gamma?: number } = {}) => (g: Graph) =>
  ({ outputs: { delta: gateNU(g.input('x', g.float, ['B', 5]), 'g', out, o) } });

function xs(B: number, seed: number, scale = 1) {
  const r = new Rng(seed);
  return { x: { data: Float32Array.from({ length: B * 5 }, () => r.normal() * scale), dims: [B, 5] } };
}

test('Gate NU: last layer zero (its init) → δ ≡ 1 exactly; hidden width defaults to the output width', async () => {
  const store = new ParameterStore(1);
  ensureLayout(gate(7), store);
  assert.deepEqual(store.trainable.get('g.0.weight')!.spec.shape, [5, 7]);
  assert.deepEqual(store.trainable.get('g.1.weight')!.spec.shape, [7, 7]);
  assert.ok(store.get('g.0.weight').some((v) => v !== 0), 'the ReLU layer is not zero');
  const d = (await (await Evaluator.create(gate(7), store)).run(xs(64, 2, 3))).delta!;
  assert.deepEqual(d.dims, [64, 7]);
  assert.ok((d.data as Float32Array).every((v) => v === 1), 'δ = 2·sigmoid(0) = 1');
  const s2 = new ParameterStore(1);
  ensureLayout(gate(7, { hidden: 3 }), s2);
  assert.deepEqual(s2.trainable.get('g.0.weight')!.spec.shape, [5, 3]);
  assert.deepEqual(s2.trainable.get('g.1.weight')!.spec.shape, [3, 7]);
});

test('Gate NU: δ ∈ (0, 2) for random inputs with a non-zero last layer, and it varies', async () => {
  const store = new ParameterStore(3);
  ensureLayout(gate(6), store);
  const r = new Rng(4);
  for (const p of ['g.1.weight', 'g.1.bias']) store.get(p).forEach((_, i, a) => (a[i] = r.normal() * 0.5)); // |z| < 18: float32's sigmoid rounds to 0 or 1 beyond
  const d = Array.from((await (await Evaluator.create(gate(6), store)).run(xs(256, 5))).delta!.data as Float32Array);
  assert.ok(d.every((v) => v > 0 && v < 2), `δ out of (0, 2): ${Math.min(...d)} … ${Math.max(...d)}`);
  assert.ok(Math.min(...d) < 0.5 && Math.max(...d) > 1.5, `δ spans the range: ${Math.min(...d)} … ${Math.max(...d)}`);
  // γ scales the range: γ = 3 → (0, 3), the same sigmoid.
  const d3 = Array.from((await (await Evaluator.create(gate(6, { gamma: 3 }), store)).run(xs(256, 5))).delta!.data as Float32Array);
  d3.forEach((v, i) => assert.ok(Math.abs(v - 1.5 * d[i]!) < 1e-6));
});

test('Gate NU: gradients wrt its input and all four parameters against finite differences', async () => {
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', ['B', 5]);
    const c = g.input('c', 'float64', ['B', 4]);
    return op.reduceSum(op.mul(gateNU(x, 'g', 4, { hidden: 6 }), c));
  }, {
    x: randomFeed([7, 5], 1, 1, 0.05), c: randomFeed([7, 4], 2),
    'g.1.weight': randomFeed([6, 4], 3), 'g.1.bias': randomFeed([4], 4),
  }, { wrt: ['x', 'g.0.weight', 'g.0.bias', 'g.1.weight', 'g.1.bias'] });
  for (const p of r.perTensor) {
    assert.ok(p.relError < 1e-6, `d/d${p.name}: relative error ${p.relError.toExponential(2)}`);
    assert.ok(p.norm > 0, `d/d${p.name} is zero`);
  }
});

const build = (section: Record<string, unknown>) => () => {
  const m = resolveModel(section, tasks);
  ensureLayout((g: Graph) => ({ outputs: forward(g, m, layout, tasks).preds }), new ParameterStore(1));
};

test('unknown gate / domain features name the config key, the feature and the embedded features', () => {
  const have = /embedded features are user, streamer, scenario, country, item/;
  for (const [section, key] of [
    [{ type: 'ppnet', prior_features: ['user', 'user_idd'] }, 'prior_features'],
    [{ type: 'epnet', domain_features: ['scenery'] }, 'domain_features'],
    [{ type: 'pepnet', domain_features: ['scenario'], prior_features: ['nope'] }, 'prior_features'],
    [{ type: 'pepnet', domain_features: ['nope'], prior_features: ['user'] }, 'domain_features'],
    [{ type: 'mmoe_ppnet', pattern: 'prior_gates', prior_features: ['nope'] }, 'prior_features'],
    [{ type: 'mmoe_ppnet', pattern: 'pepnet_towers', domain_features: ['nope'], prior_features: ['user'] }, 'domain_features'],
  ] as const) {
    const name = (section as unknown as { prior_features?: readonly string[]; domain_features?: readonly string[] })[key]!.find((n) => !layout.fields.some((f) => f.name === n))!;
    assert.throws(build(section), (e: Error) => {
      assert.match(e.message, new RegExp(`^model\\.${key}: "${name}" is not an embedded feature`));
      assert.match(e.message, have);
      return true;
    });
  }
});

test('bad options of the gated models fail with the key and the allowed values', () => {
  assert.throws(() => resolveModel({ type: 'ppnet' }, tasks), /model\.prior_features: expected array, got nothing \(missing\)/);
  assert.throws(() => resolveModel({ type: 'ppnet', prior_features: [] }, tasks), /model\.prior_features: .*>=1/);
  assert.throws(() => resolveModel({ type: 'ppnet', prior_features: ['user', 'user'] }, tasks), /model\.prior_features: lists a feature twice/);
  assert.throws(() => resolveModel({ type: 'ppnet', prior_features: ['user'], gate_position: 'middle' }, tasks), /model\.gate_position: "middle" is not allowed; allowed: "input", "output"/);
  assert.throws(() => resolveModel({ type: 'epnet', domain_features: ['scenario'], granularity: 'vector' }, tasks), /model\.granularity: "vector" is not allowed; allowed: "element", "field"/);
  assert.throws(() => resolveModel({ type: 'epnet', domain_features: ['scenario'], gate_hidden: 0 }, tasks), /model\.gate_hidden: /);
  assert.throws(() => resolveModel({ type: 'pepnet', domain_features: ['scenario'], prior_features: ['user'], bottom: [8] }, tasks), /model: unknown key\(s\) "bottom"/);
  assert.throws(() => resolveModel({ type: 'mmoe_ppnet', prior_features: ['user'] }, tasks), /model\.pattern: /);
  assert.throws(() => resolveModel({ type: 'mmoe_ppnet', pattern: 'gated', prior_features: ['user'] }, tasks), /model\.pattern: "gated" is not allowed; allowed: "pepnet_towers", "prior_gates", "gated_experts"/);
  assert.throws(() => resolveModel({ type: 'mmoe_ppnet', pattern: 'pepnet_towers', prior_features: ['user'] }, tasks), /model\.domain_features: pattern pepnet_towers needs domain features/);
});
