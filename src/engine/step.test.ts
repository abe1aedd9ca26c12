// The training-step graph: in-graph optimizers against plain-JS references, clipping, learning-rate
// input, input gradients, state updates, and feed validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Tensor } from './graph.js';
import * as op from './ops/index.js';
import { init } from './params.js';
import { TrainStep, Evaluator } from './step.js';
import type { OptimizerConfig } from './optim.js';
import { batchNorm } from './layers/index.js';

// loss = ½ Σ (W − T)² + ½ Σ (b − u)²  ⇒  ∂/∂W = W − T, ∂/∂b = b − u.
const T = [0.5, -1, 2, 0.25, -0.75, 1.5];
const U = [1, -2];
function quad(g: Graph) {
  const W = g.param({ name: 'W', shape: [3, 2], init: init.constant(0.1), trainable: true });
  const b = g.param({ name: 'b', shape: [2], init: init.constant(-0.3), trainable: true, decay: false });
  const dW = op.sub(W, g.constant(Float32Array.from(T), [3, 2], 'float32'));
  const db = op.sub(b, g.constant(Float32Array.from(U), [2], 'float32'));
  const loss = op.mul(op.add(op.reduceSum(op.mul(dW, dW)), op.reduceSum(op.mul(db, db))), 0.5);
  return { loss };
}

/** Plain-JS reference optimizers on the same quadratic (PyTorch formulas). */
function reference(c: OptimizerConfig, steps: number, lrs: number[]): number[] {
  const target = [...T, ...U];
  const theta = [...new Array(6).fill(0.1), -0.3, -0.3];
  const decays = [1, 1, 1, 1, 1, 1, 0, 0];
  const m = new Array(8).fill(0), v = new Array(8).fill(c.type === 'adagrad' ? (c.initialAccumulator ?? 0) : 0);
  for (let t = 1; t <= steps; t++) {
    const lr = lrs[t - 1]!;
    for (let i = 0; i < 8; i++) {
      let g = theta[i]! - target[i]!;
      const wd = (c.weightDecay ?? (c.type === 'adamw' ? 0.01 : 0)) * decays[i]!;
      if (c.type === 'sgd') {
        g += wd * theta[i]!;
        const mu = c.momentum ?? 0;
        m[i] = mu * m[i] + g;
        const s = mu ? (c.nesterov ? g + mu * m[i] : m[i]) : g;
        theta[i] = theta[i]! - lr * s;
      } else if (c.type === 'adagrad') {
        g += wd * theta[i]!;
        v[i] += g * g;
        theta[i] = theta[i]! - lr * g / (Math.sqrt(v[i]) + (c.eps ?? 1e-10));
      } else {
        const b1 = c.beta1 ?? 0.9, b2 = c.beta2 ?? 0.999, eps = c.eps ?? 1e-8;
        if (c.type === 'adam') g += wd * theta[i]!;
        else theta[i] = theta[i]! * (1 - lr * wd);
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        const mh = m[i] / (1 - b1 ** t), vh = v[i] / (1 - b2 ** t);
        theta[i] = theta[i]! - lr * mh / (Math.sqrt(vh) + eps);
      }
    }
  }
  return theta;
}

const configs: OptimizerConfig[] = [
  { type: 'sgd', lr: 0.1 },
  { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.05 },
  { type: 'sgd', lr: 0.05, momentum: 0.8, nesterov: true },
  { type: 'adam', lr: 0.01 },
  { type: 'adam', lr: 0.01, weightDecay: 0.1, beta1: 0.8 },
  { type: 'adamw', lr: 0.01, weightDecay: 0.2 },
  { type: 'adagrad', lr: 0.1, initialAccumulator: 0.1 },
];

for (const c of configs) {
  test(`optimizer ${JSON.stringify(c)} matches the reference over 5 steps with a changing lr`, async () => {
    const step = await TrainStep.create(quad, { optimizer: c });
    const lrs = [c.lr, c.lr * 0.5, c.lr, c.lr * 2, c.lr * 0.1];
    for (const lr of lrs) await step.run({}, lr);
    const want = reference(c, 5, lrs);
    const got = [...step.store.get('W'), ...step.store.get('b')];
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5 * Math.max(1, Math.abs(want[i]!)), `θ[${i}] = ${v}, want ${want[i]}`));
    assert.equal(step.step, 5);
  });
}

test('learning rate 0 leaves parameters unchanged; the loss and gradient norm are reported', async () => {
  const step = await TrainStep.create(quad, { optimizer: { type: 'adam', lr: 0.1 } });
  const before = Float32Array.from(step.store.theta);
  const r = await step.run({}, 0);
  assert.deepEqual(Array.from(step.store.theta), Array.from(before));
  const g = [...T.map((t) => 0.1 - t), ...U.map((u) => -0.3 - u)];
  const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(r.gradNorm - norm) < 1e-5);
  assert.ok(Math.abs(r.loss - 0.5 * norm * norm) < 1e-4);
});

test('global-norm clipping scales dense and input gradients together', async () => {
  const build = (g: Graph) => {
    const e = g.input('emb', 'float32', ['B', 2]);
    const w = g.param({ name: 'w', shape: [2], init: init.constant(3), trainable: true });
    // loss = Σ_b e_b·w  ⇒  ∂/∂e = w (per row), ∂/∂w = Σ_b e_b
    return { loss: op.reduceSum(op.mul(e, w)), gradInputs: { emb: e } };
  };
  const emb = { data: Float32Array.of(1, 2, 3, 4), dims: [2, 2] };
  const raw = Math.sqrt(4 ** 2 + 6 ** 2 + 4 * 9);
  const step = await TrainStep.create(build, { optimizer: { type: 'sgd', lr: 1 }, clipNorm: 1 });
  const r = await step.run({ emb });
  assert.ok(Math.abs(r.gradNorm - raw) < 1e-4);
  const ge = Array.from(r.inputGrads.emb!.data as Float32Array);
  ge.forEach((v) => assert.ok(Math.abs(v - 3 / raw) < 1e-6));
  assert.deepEqual(Array.from(step.store.get('w')).map((v) => +v.toFixed(5)), [+(3 - 4 / raw).toFixed(5), +(3 - 6 / raw).toFixed(5)]);
});

test('batch-norm running statistics flow through the step; the evaluator uses them', async () => {
  const build = (g: Graph) => {
    const x = g.input('x', 'float32', ['B', 1]);
    const h = batchNorm(x, 'bn', { momentum: 0.5 });
    const out: Record<string, Tensor> = { h };
    return g.training ? { loss: op.reduceSum(op.mul(h, h)), outputs: out } : { outputs: out };
  };
  const step = await TrainStep.create(build, { optimizer: { type: 'sgd', lr: 0 } });
  await step.run({ x: { data: Float32Array.of(2, 4), dims: [2, 1] } });
  assert.deepEqual(Array.from(step.store.get('bn.running_mean')), [1.5]); // 0.5·0 + 0.5·3
  assert.deepEqual(Array.from(step.store.get('bn.running_var')), [1]); // 0.5·1 + 0.5·1
  const ev = await Evaluator.create(build, step.store);
  const out = await ev.run({ x: { data: Float32Array.of(2.5), dims: [1, 1] } });
  assert.ok(Math.abs((out.h!.data[0] as number) - 1 / Math.sqrt(1 + 1e-5)) < 1e-6);
});

test('wrong shapes or dtypes fed to a step name the input and both shapes', async () => {
  const build = (g: Graph) => {
    const x = g.input('dense', 'float32', ['B', 3]);
    const y = g.input('label', 'float32', ['B', 1]);
    const w = g.param({ name: 'w', shape: [3, 1], init: init.zeros, trainable: true });
    return { loss: op.reduceMean(op.mul(op.sub(op.matmul(x, w), y), 1)) };
  };
  const step = await TrainStep.create(build, { optimizer: { type: 'sgd', lr: 0.1 } });
  await assert.rejects(step.run({ dense: { data: new Float32Array(8), dims: [2, 4] }, label: { data: new Float32Array(2), dims: [2, 1] } }),
    /input "dense": expected shape \[B, 3\], got \[2, 4\]/);
  await assert.rejects(step.run({ dense: { data: new Float64Array(6), dims: [2, 3] }, label: { data: new Float32Array(2), dims: [2, 1] } }),
    /input "dense": expected dtype float32\[B, 3\], got float64\[2, 3\]/);
  await assert.rejects(step.run({ dense: { data: new Float32Array(6), dims: [2, 3] }, label: { data: new Float32Array(3), dims: [3, 1] } }),
    /input "label": expected shape \[B, 1\], got \[3, 1\].*B=2 from "dense"/);
  await assert.rejects(step.run({ dense: { data: new Float32Array(6), dims: [2, 3] } }), /missing input "label"/);
});
