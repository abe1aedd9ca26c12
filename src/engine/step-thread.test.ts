// optimizerThread: the dense update as a second graph on a worker thread gives the same parameters
// and optimizer state as the single step graph; `during` overlaps it and its errors propagate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from './graph.js';
import * as op from './ops/index.js';
import { init } from './params.js';
import { TrainStep } from './step.js';
import { WasmAdamThread } from './wasm-optim.js';
import type { OptimizerConfig } from './optim.js';

// A small model with an input gradient: loss = Σ_b (tanh(e_b·W + b) − y_b)²
function model(g: Graph) {
  const e = g.input('emb', 'float32', ['B', 3]);
  const y = g.input('y', 'float32', ['B', 2]);
  const W = g.param({ name: 'W', shape: [3, 2], init: init.xavier, trainable: true });
  const b = g.param({ name: 'b', shape: [2], init: init.constant(0.1), trainable: true, decay: false });
  const d = op.sub(op.tanh(op.add(op.matmul(e, W), b)), y);
  return { loss: op.reduceSum(op.mul(d, d)), gradInputs: { emb: e } };
}
const feeds = (k: number) => ({
  emb: { data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + k)), dims: [4, 3] },
  y: { data: Float32Array.from({ length: 8 }, (_, i) => Math.cos(i * k)), dims: [4, 2] },
});

const configs: OptimizerConfig[] = [
  { type: 'adam', lr: 0.05, beta1: 0.8 }, // the wasm kernel (wasm-optim.ts)
  { type: 'adam', lr: 0.05, weightDecay: 0.01 },
  { type: 'adamw', lr: 0.05, weightDecay: 0.1 },
  { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
  { type: 'adagrad', lr: 0.1 },
];

for (const c of configs) {
  test(`optimizerThread ${c.type}: same θ, slots, losses and input gradients as the single graph`, async () => {
    const one = await TrainStep.create(model, { optimizer: c, clipNorm: 2, seed: 3 });
    const two = await TrainStep.create(model, { optimizer: c, clipNorm: 2, seed: 3, optimizerThread: true });
    try {
      const lrs = [c.lr, c.lr * 0.5, c.lr * 2, c.lr];
      for (const [k, lr] of lrs.entries()) {
        const a = await one.run(feeds(k), lr);
        const b = await two.run(feeds(k), lr);
        assert.equal(b.loss, a.loss);
        assert.deepEqual(Array.from(b.inputGrads.emb!.data as Float32Array), Array.from(a.inputGrads.emb!.data as Float32Array));
      }
      assert.deepEqual(Array.from(two.store.theta), Array.from(one.store.theta));
      two.slots.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(one.slots[i]!)));
      assert.equal(two.step, 4);
    } finally {
      await two.dispose();
    }
  });
}

test('optimizerThread with plain Adam runs the wasm kernel; slots replaced from outside (a checkpoint load) are taken over', async () => {
  const c: OptimizerConfig = { type: 'adam', lr: 0.05 };
  const one = await TrainStep.create(model, { optimizer: c, seed: 5 });
  const two = await TrainStep.create(model, { optimizer: c, seed: 5, optimizerThread: true });
  try {
    assert.ok((two as unknown as { thread: unknown }).thread instanceof WasmAdamThread, 'the wasm Adam thread is used');
    for (let k = 0; k < 2; k++) { await one.run(feeds(k)); await two.run(feeds(k)); }
    // as loadStepCheckpoint does: fresh arrays for θ and the slots
    two.store.theta = Float32Array.from(one.store.theta);
    two.slots = one.slots.map((x) => Float32Array.from(x));
    for (let k = 2; k < 4; k++) { await one.run(feeds(k)); await two.run(feeds(k)); }
    assert.deepEqual(Array.from(two.store.theta), Array.from(one.store.theta));
    two.slots.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(one.slots[i]!)));
  } finally {
    await two.dispose();
  }
});

test('optimizerThread: during() sees the gradients before θ moves; its error propagates and the step still lands', async () => {
  const step = await TrainStep.create(model, { optimizer: { type: 'sgd', lr: 0.1 }, optimizerThread: true });
  try {
    const before = Float32Array.from(step.store.theta);
    let seen = -1;
    await step.run(feeds(1), undefined, (r) => { seen = (r.inputGrads.emb!.data as Float32Array).length; });
    assert.equal(seen, 12);
    assert.notDeepEqual(Array.from(step.store.theta), Array.from(before));
    const mid = Float32Array.from(step.store.theta);
    await assert.rejects(step.run(feeds(2), undefined, () => { throw new Error('sparse update failed'); }), /sparse update failed/);
    assert.equal(step.store.theta.length, mid.length, 'θ is back from the worker, not detached');
    assert.equal(step.step, 2);
    await step.run(feeds(3));
    assert.equal(step.step, 3);
  } finally {
    await step.dispose();
  }
});
