// Every new model: autodiff gradients (inputs, gates, towers, experts) against central finite
// differences in float64, with the gates' last layers non-zero; and the exported .onnx scoring like
// the trainer's evaluator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Graph, type Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradCheck, randomFeed } from '../engine/gradcheck.js';
import { Runner, type Feed } from '../engine/runtime.js';
import { Evaluator } from '../engine/step.js';
import { exportForward } from '../engine/export.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';
import { buildFn, EMB, feeds, isGateLast, layout, models, perturbGates, storeFor, tasks } from './personalized.fixtures.js';

const B = 5;

/**
 * The model's BCE loss, with every stop-gradient input replaced by a graph input `sg<i>` when
 * `hold` is set: finite differences then see ⊘(·) as the constant it is to autodiff (spec §3 (4):
 * "compare against finite differences where the gate input is held constant"); the analytic
 * gradient is the same either way, StopGradient passes none.
 */
function lossOf(section: Record<string, unknown>, hold: boolean) {
  const m = resolveModel(section, tasks);
  return (g: Graph) => {
    const f = forward(g, m, layout, tasks);
    const y = g.input('y', 'float64', ['B', 2]);
    const loss = op.addN(tasks.map((t, k) => {
      const z = f.out.logits[t.name]!; // BCE with logits: softplus(z) − y·z
      return op.reduceMean(op.sub(op.softplus(z), op.mul(op.slice(y, [k], [k + 1], [1]), z)));
    }));
    const held = g.nodes.filter((n) => n.op === 'StopGradient');
    held.forEach((n, i) => {
      if (hold) (n as unknown as { inputs: Tensor[] }).inputs = [g.input(`sg${i}`, 'float64', n.inputs[0]!.shape)];
      else g.output(`sg${i}`, n.inputs[0]!);
    });
    return loss;
  };
}

for (const [name, section] of models) {
  test(`${name}: gradients against finite differences (float64, gates non-neutral, ⊘ inputs held)`, async () => {
    // Every parameter gets a random value (the gates' last layers too: δ ≠ 1).
    const probe = storeFor(buildFn(section));
    const fs: Record<string, Feed> = { emb: randomFeed([B, EMB], 1, 1, 0.05), dense: randomFeed([B, 3], 2, 1, 0.05), y: randomFeed([B, 2], 3) };
    for (let i = 0; i < B * 2; i++) fs.y!.data[i] = (fs.y!.data[i] as number) > 0 ? 1 : 0;
    let seed = 100;
    for (const [p, e] of probe.trainable) fs[p] = randomFeed(e.spec.shape, seed++, isGateLast(p) ? 0.8 : 0.6);
    // The stop-gradient inputs' values at this point.
    const g0 = new Graph({ float: 'float64' });
    g0.output('loss', lossOf(section, false)(g0));
    const held = await (await Runner.fromGraph(g0)).run(fs);
    for (const [k, v] of Object.entries(held)) if (k.startsWith('sg')) fs[k] = v;
    assert.ok(Object.keys(fs).some((k) => k.startsWith('sg')), 'the model has stop-gradients');

    const params = [...probe.trainable.keys()];
    const wrt = ['emb', 'dense', ...params.filter((p) => /gate|prior|ppnet|\.0\.weight$|experts\.1\.weight/.test(p))];
    const r = await gradCheck(lossOf(section, true), fs, { wrt, maxCoords: 16 });
    for (const p of r.perTensor) assert.ok(p.relError < 1e-5, `${name} d/d${p.name}: relative error ${p.relError.toExponential(2)} (norm ${p.norm})`);
    const gates = r.perTensor.filter((p) => /gate|prior|ppnet/.test(p.name));
    assert.ok(gates.length > 0 && gates.every((p) => p.norm > 0), `${name}: every gate parameter has a gradient`);
  });

  test(`${name}: exported .onnx scores like the trainer's evaluator (≤ 1e-5)`, async () => {
    const build = buildFn(section);
    const store = storeFor(build, 3);
    perturbGates(store, 7);
    const f = feeds(32, 5);
    const want = await (await Evaluator.create(build, store)).run(f);
    const session = await ort.InferenceSession.create(exportForward(build, store));
    const got = await session.run({
      emb: new ort.Tensor('float32', f.emb!.data as Float32Array, [32, EMB]),
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
