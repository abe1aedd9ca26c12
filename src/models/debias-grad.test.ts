// DWG, PAL and the shallow tower: autodiff gradients of the training-form BCE (on PAL's product
// p(seen)·σ(z) too) against central finite differences in float64, gates and towers non-neutral.
// DWG's stop-gradient: with ⊘(h) held constant the finite differences match autodiff (no gradient
// reaches h through the gate path); without holding them they do not (the gate path is live), so
// the check can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import { Runner, type Feed } from '../engine/runtime.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';
import { storeFor } from './personalized.fixtures.js';
import { debiasBuild, EMB, layout, tasks } from './debias.fixtures.js';

const B = 5;
const base = { type: 'shared_bottom', bottom: [6], tower: [5] };
const models: [string, Record<string, unknown>][] = [
  ['dwg', { type: 'dwg', bias_features: ['position'], context_features: ['scenario'], bottom: [6], tower: [5, 4] }],
  ['dwg (field, tower input)', { type: 'dwg', bias_features: ['position'], granularity: 'field', gate_position: 'input', bottom: [6], tower: [5] }],
  ['pal', { type: 'pal', base, bias_features: ['position'], context_features: ['scenario'], seen_hidden: [3] }],
  ['shallow_tower', { type: 'shallow_tower', base, bias_features: ['position'], context_features: ['scenario'], shallow_hidden: [3] }],
];

/** Training-form BCE on the predictions; stop-gradient inputs become inputs `sg<i>` when `hold`. */
function lossOf(section: Record<string, unknown>, hold: boolean) {
  const m = resolveModel(section, tasks);
  return (g: Graph) => {
    const f = forward(g, m, layout, tasks);
    const y = g.input('y', 'float64', ['B', 2]);
    const loss = op.addN(tasks.map((t, k) => {
      const p = f.preds[t.name]!, yk = op.slice(y, [k], [k + 1], [1]);
      return op.neg(op.reduceMean(op.add(op.mul(yk, op.log(p)), op.mul(op.sub(1, yk), op.log(op.sub(1, p))))));
    }));
    g.nodes.filter((n) => n.op === 'StopGradient').forEach((n, i) => {
      if (hold) (n as unknown as { inputs: Tensor[] }).inputs = [g.input(`sg${i}`, 'float64', n.inputs[0]!.shape)];
      else g.output(`sg${i}`, n.inputs[0]!);
    });
    return loss;
  };
}

async function setup(section: Record<string, unknown>) {
  const probe = storeFor(debiasBuild(section));
  const fs: Record<string, Feed> = { emb: randomFeed([B, EMB], 1, 1, 0.05), dense: randomFeed([B, 3], 2, 1, 0.05), y: randomFeed([B, 2], 3) };
  for (let i = 0; i < B * 2; i++) fs.y!.data[i] = (fs.y!.data[i] as number) > 0 ? 1 : 0;
  let seed = 100;
  for (const [p, e] of probe.trainable) fs[p] = randomFeed(e.spec.shape, seed++, 0.6);
  const g0 = new Graph({ float: 'float64' });
  g0.output('loss', lossOf(section, false)(g0));
  const held = await (await Runner.fromGraph(g0)).run(fs);
  for (const [k, v] of Object.entries(held)) if (k.startsWith('sg')) fs[k] = v;
  return { fs, params: [...probe.trainable.keys()] };
}

for (const [name, section] of models) {
  test(`${name}: gradients against finite differences (float64, non-neutral, ⊘ inputs held)`, async () => {
    const { fs, params } = await setup(section);
    const wrt = ['emb', 'dense', ...params.filter((p) => /dwg|pal|shallow|bottom\.0\.weight/.test(p))];
    const r = await gradCheck(lossOf(section, true), fs, { wrt, maxCoords: 16 });
    for (const p of r.perTensor) assert.ok(p.relError < 1e-5, `${name} d/d${p.name}: relative error ${p.relError.toExponential(2)}`);
    const bias = r.perTensor.filter((p) => /dwg|pal|shallow/.test(p.name));
    assert.ok(bias.length > 0 && bias.every((p) => p.norm > 0), `${name}: every bias-part parameter gets a gradient`);
  });
}

test('dwg stop-gradient: without holding ⊘(h) the finite differences of emb differ from autodiff (the gate path is live and cut)', async () => {
  const section = models[0]![1];
  const { fs } = await setup(section);
  const free = Object.fromEntries(Object.entries(fs).filter(([k]) => !k.startsWith('sg')));
  const r = await gradCheck(lossOf(section, false), free, { wrt: ['emb'], maxCoords: 32 });
  assert.ok(r.perTensor[0]!.relError > 1e-4, `autodiff leaves out the gate path: relative error ${r.perTensor[0]!.relError.toExponential(2)}`);
});
