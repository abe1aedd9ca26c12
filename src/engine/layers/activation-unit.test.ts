// activationUnitLinear = linear([q, k, q − k, q ⊙ k]) with the same parameters, and its gradients
// match finite differences; so does its request form (keys [1, L, D] shared by every row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../graph.js';
import * as op from '../ops/index.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import { Runner } from '../runtime.js';
import { activationUnitLinear, linear } from './index.js';

const B = 3, L = 4, D = 5, H = 6;
const feeds = { q: randomFeed([B, D], 1), k: randomFeed([B, L, D], 2), 'u.weight': randomFeed([4 * D, H], 3), 'u.bias': randomFeed([H], 4) };

test('activation unit first layer equals the linear map of the concatenation [q, k, q − k, q ⊙ k]', async () => {
  const g = new Graph({ float: 'float64' });
  const q = g.input('q', 'float64', [B, D]), k = g.input('k', 'float64', [B, L, D]);
  const qs = op.expandLike(op.unsqueeze(q, [1]), k);
  g.output('fast', activationUnitLinear(q, k, 'u', H));
  g.output('concat', linear(op.concat([qs, k, op.sub(qs, k), op.mul(qs, k)], 2), 'u', H));
  assert.equal(g.params.size, 2, 'both forms share u.weight [4D, H] and u.bias [H]');
  const out = await (await Runner.fromGraph(g)).run(feeds);
  const a = out.fast!.data as Float64Array, c = out.concat!.data as Float64Array;
  assert.equal(a.length, B * L * H);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - c[i]!) < 1e-12, `${i}: ${a[i]} vs ${c[i]}`);
});

test('activation unit first layer against finite differences', async () => {
  const r = await gradCheck((g) => op.reduceSum(op.tanh(activationUnitLinear(g.input('q', 'float64', [B, D]), g.input('k', 'float64', [B, L, D]), 'u', H))), feeds);
  for (const p of r.perTensor) assert.ok(p.relError <= 1e-7 && p.norm > 0, `d/d${p.name}: ${p.relError} (norm ${p.norm})`);
});

test('request form (keys [1, L, D] shared by the B rows): one Gemm, equal to the per-row form on the keys repeated per row', async () => {
  const g = new Graph({ float: 'float64' });
  const q = g.input('q', 'float64', [B, D]), k1 = g.input('k1', 'float64', [1, L, D]);
  g.output('shared', activationUnitLinear(q, k1, 'u', H));
  g.output('rows', activationUnitLinear(q, op.expand(k1, [B, L, D]), 'u', H));
  assert.ok(g.nodes.some((n) => n.op === 'Gemm' && n.outputs[0]!.shape[1] === L * H), 'the request form is one [B, L·H] Gemm');
  const { k: _perRow, ...shared } = { ...feeds, k1: randomFeed([1, L, D], 7) };
  const out = await (await Runner.fromGraph(g)).run(shared);
  const a = out.shared!.data as Float64Array, c = out.rows!.data as Float64Array;
  assert.deepEqual(out.shared!.dims, [B, L, H]);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - c[i]!) < 1e-12, `${i}: ${a[i]} vs ${c[i]}`);
  const r = await gradCheck((h) => op.reduceSum(op.tanh(activationUnitLinear(h.input('q', 'float64', [B, D]), h.input('k1', 'float64', [1, L, D]), 'u', H))), shared);
  for (const p of r.perTensor) assert.ok(p.relError <= 1e-7 && p.norm > 0, `request form d/d${p.name}: ${p.relError} (norm ${p.norm})`);
});
