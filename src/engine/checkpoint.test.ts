// Dense checkpoints load by parameter name: a model that creates the same parameters in another
// order (so their offsets in the flat theta differ) gets every value, slot and buffer back in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from './graph.js';
import * as op from './ops/index.js';
import { mlp } from './layers/index.js';
import { init } from './params.js';
import { TrainStep } from './step.js';
import { loadParams, loadStepCheckpoint, saveStepCheckpoint } from './checkpoint.js';
import { ParameterStore } from './store.js';
import { ensureLayout } from './step.js';
import { Rng } from '../util/rng.js';

const B = 16;
function model(reorder: boolean) {
  return (g: Graph) => {
    if (reorder) { // declare the last layer first: its parameters move to the front of theta
      g.param({ name: 'mlp.1.bias', shape: [1], init: init.constant(0), trainable: true, decay: false });
      g.param({ name: 'mlp.1.weight', shape: [6, 1], init: init.constant(0), trainable: true });
    }
    const x = g.input('x', 'float32', ['B', 5]);
    const z = mlp(x, 'mlp', [6, 1], { lastActivation: false, norm: 'batch' });
    if (!g.training) return { outputs: { z } };
    const y = g.input('y', 'float32', ['B', 1]);
    return { loss: op.reduceMean(op.sub(op.softplus(z), op.mul(y, z))), outputs: { z } };
  };
}
const feeds = (i: number) => {
  const r = new Rng(i);
  return { x: { data: Float32Array.from({ length: B * 5 }, () => r.normal()), dims: [B, 5] }, y: { data: Float32Array.from({ length: B }, () => (r.uniform(0, 1) < 0.5 ? 1 : 0)), dims: [B, 1] } };
};

test('a checkpoint loads into a model that declares its parameters in another order', async () => {
  const a = await TrainStep.create(model(false), { optimizer: { type: 'adam', lr: 0.01 }, seed: 1, optimizerThread: false });
  for (let i = 0; i < 3; i++) await a.run(feeds(i));
  const path = join(mkdtempSync(join(tmpdir(), 'lr-reorder-')), 'dense.ckpt');
  saveStepCheckpoint(path, a);
  const b = await TrainStep.create(model(true), { optimizer: { type: 'adam', lr: 0.01 }, seed: 7, optimizerThread: false });
  assert.notEqual(b.store.trainable.get('mlp.1.weight')!.offset, a.store.trainable.get('mlp.1.weight')!.offset, 'the test needs different layouts');
  loadStepCheckpoint(path, b);
  for (const name of ['mlp.0.weight', 'mlp.1.weight', 'mlp.1.bias']) assert.deepEqual(Array.from(b.store.get(name)), Array.from(a.store.get(name)), name);
  const ra = await a.run(feeds(9)), rb = await b.run(feeds(9));
  assert.equal(rb.loss, ra.loss, 'Adam slots moved with their parameters');
  for (const name of ['mlp.0.weight', 'mlp.1.weight']) assert.deepEqual(Array.from(b.store.get(name)), Array.from(a.store.get(name)), `${name} after a step`);

  const store = new ParameterStore(3);
  ensureLayout(model(true), store);
  loadParams(path, store);
  assert.deepEqual(Array.from(store.get('mlp.1.weight')), Array.from(loadedWeight(path)), 'loadParams remaps too');
  await a.dispose(); await b.dispose();
});

function loadedWeight(path: string): Float32Array {
  const s = new ParameterStore(3);
  ensureLayout(model(false), s);
  loadParams(path, s);
  return s.get('mlp.1.weight');
}
