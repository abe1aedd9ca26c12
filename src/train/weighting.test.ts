import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { TrainStep } from '../engine/step.js';
import { dwaWeights, pleScheduleWeights, TaskWeighting, weightingSchema } from './weighting.js';

test('DWA weights: r = [1, 0.5], T = 2 → [1.1244, 0.8756]; 1 for the first two epochs', () => {
  const w = dwaWeights([[2, 2], [2, 1]], 2, 2);
  assert.ok(Math.abs(w[0]! - 1.1244) < 1e-4 && Math.abs(w[1]! - 0.8756) < 1e-4, `${w}`);
  assert.deepEqual(dwaWeights([[3, 4]], 2, 2), [1, 1]);
});

test('PLE schedule ω_k(t) = ω_k0·γ_k^t', () => {
  assert.deepEqual(pleScheduleWeights([1, 2], [0.5, 1], 3), [0.125, 2]);
  const tw = new TaskWeighting(weightingSchema.parse({ type: 'ple_schedule', initial: { b: 2 }, gamma: { a: 0.5 } }), ['a', 'b']);
  assert.deepEqual(Array.from(tw.hostWeights(2)), [0.25, 2]);
});

test('config errors name the unknown task', () => {
  assert.throws(() => new TaskWeighting(weightingSchema.parse({ type: 'fixed', weights: { ctr: 1, cvx: 2 } }), ['ctr', 'cvr']),
    /weighting\.weights: unknown task "cvx"; tasks are ctr, cvr/);
  assert.throws(() => weightingSchema.parse({ type: 'magic' }));
});

test('uncertainty weighting learns s* = log L (L = 0.3 → −1.204)', async () => {
  const tw = new TaskWeighting(weightingSchema.parse({ type: 'uncertainty' }), ['a']);
  const build = (g: Graph) => {
    const L = g.constant(Float32Array.of(0.3), [], 'float32');
    const r = tw.combine(g, [L]);
    return { loss: r.total, outputs: { w: r.weights } };
  };
  const step = await TrainStep.create(build, { optimizer: { type: 'adam', lr: 0.05 } });
  for (let i = 0; i < 600; i++) await step.run({});
  const s = step.store.get('weighting.uw_log_var')[0]!;
  assert.ok(Math.abs(s - Math.log(0.3)) < 0.01, `s = ${s}`);
});

test('GradNorm: equal tasks keep equal weights; a task with a larger gradient gets a smaller weight', async () => {
  const run = async (scale2: number) => {
    const tw = new TaskWeighting(weightingSchema.parse({ type: 'gradnorm' }), ['a', 'b']);
    const build = (g: Graph) => {
      const W = g.param({ name: 'shared', shape: [2], init: init.constant(1), trainable: true });
      // L_a = Σ W², L_b = scale·Σ W²: same training rate, gradient norms differ by `scale`.
      const base = op.reduceSum(op.mul(W, W));
      const r = tw.combine(g, [base, op.mul(base, scale2)], W);
      return { loss: r.total, outputs: { w: r.weights } };
    };
    const step = await TrainStep.create(build, { optimizer: { type: 'sgd', lr: 0.01 } });
    let w: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await step.run(tw.feeds(0));
      w = Array.from(res.outputs.w!.data as Float32Array);
      if (i === 0) tw.observeStep([2, 2 * scale2]);
    }
    return w;
  };
  const eq = await run(1);
  assert.ok(Math.abs(eq[0]! - 1) < 1e-6 && Math.abs(eq[1]! - 1) < 1e-6, `equal tasks: ${eq}`);
  const uneq = await run(3);
  assert.ok(uneq[1]! < uneq[0]!, `weights ${uneq}`);
  assert.ok(Math.abs(uneq[0]! + uneq[1]! - 2) < 1e-5);
  // Balanced gradient norms: w_a·1 ≈ w_b·3 → w ≈ [1.5, 0.5]
  assert.ok(Math.abs(uneq[0]! - 1.5) < 0.05, `weights ${uneq}`);
});
