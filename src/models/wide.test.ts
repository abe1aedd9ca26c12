// The wide part (model.wide): wide fields leave the deep input, and each adds exactly its column k
// to task k's logit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { Rng } from '../util/rng.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';

const tasks: TaskInfo[] = [{ name: 't1', kind: 'binary' }, { name: 't2', kind: 'binary' }];
const deep: InputLayout = { fields: [{ name: 'a', dim: 4, offset: 0 }, { name: 'b', dim: 4, offset: 4 }], denseWidth: 3 };
// The same deep fields with two wide fields (dim 2 = tasks) around `b`.
const withWide: InputLayout = {
  fields: [{ name: 'a', dim: 4, offset: 0 }, { name: 'w1', dim: 2, offset: 4 }, { name: 'b', dim: 4, offset: 6 }, { name: 'w2', dim: 2, offset: 10 }],
  denseWidth: 3,
};

function build(layout: InputLayout, wide: string[]) {
  const m = resolveModel({ type: 'mmoe', experts: 2, expert: [8], tower: [4], wide }, tasks);
  return (g: Graph) => {
    const f = forward(g, m, layout, tasks);
    return { outputs: Object.fromEntries(Object.entries(f.out.logits).map(([k, t]) => [`logit.${k}`, t])) };
  };
}

test('wide fields: logit_k(deep + wide) = logit_k(deep) + Σ_w e_w[:, k]', async () => {
  const B = 16, r = new Rng(3);
  const a = Array.from({ length: B * 4 }, () => r.normal()), b = Array.from({ length: B * 4 }, () => r.normal());
  const w1 = Array.from({ length: B * 2 }, () => r.normal()), w2 = Array.from({ length: B * 2 }, () => r.normal());
  const dense: Feed = { data: Float32Array.from({ length: B * 3 }, () => r.normal()), dims: [B, 3] };
  // Row-major [B, Σdim] from per-field [B, dim] arrays, fields side by side.
  const rows = (parts: [number[], number][]) => {
    const out: number[] = [];
    for (let i = 0; i < B; i++) for (const [p, d] of parts) out.push(...p.slice(i * d, (i + 1) * d));
    return out;
  };

  const s1 = new ParameterStore(7), f1 = build(deep, []);
  ensureLayout(f1, s1);
  const base = await (await Evaluator.create(f1, s1)).run({ emb: { data: Float32Array.from(rows([[a, 4], [b, 4]])), dims: [B, 8] }, dense });
  const s2 = new ParameterStore(7), f2 = build(withWide, ['w1', 'w2']);
  ensureLayout(f2, s2);
  const emb = Float32Array.from(rows([[a, 4], [w1, 2], [b, 4], [w2, 2]]));
  const out = await (await Evaluator.create(f2, s2)).run({ emb: { data: emb, dims: [B, 12] }, dense });
  tasks.forEach((t, k) => {
    const z0 = base[`logit.${t.name}`]!.data as Float32Array, z = out[`logit.${t.name}`]!.data as Float32Array;
    for (let i = 0; i < B; i++) {
      const want = z0[i]! + w1[i * 2 + k]! + w2[i * 2 + k]!;
      assert.ok(Math.abs(z[i]! - want) < 1e-5, `${t.name}[${i}]: ${z[i]} vs ${want}`);
    }
  });
});

test('wide fields: unknown feature or wrong dim is a clear error', () => {
  assert.throws(() => resolveModel({ type: 'mmoe', wide: 'w1' }, tasks), /model\.wide: expected a list of feature names/);
  const m = (wide: string[]) => resolveModel({ type: 'mmoe', experts: 2, expert: [8], wide }, tasks);
  assert.throws(() => ensureLayout((gr: Graph) => ({ outputs: forward(gr, m(['nope']), withWide, tasks).preds }), new ParameterStore(1)), /model\.wide: "nope" is not an embedded feature/);
  assert.throws(() => ensureLayout((gr: Graph) => ({ outputs: forward(gr, m(['a']), withWide, tasks).preds }), new ParameterStore(1)), /feature "a" has dim 4; a wide feature needs dim = number of tasks \(2\)/);
});
