// Whole-layer and whole-model gradient checks (float64, central finite differences) and layer
// semantics (norm statistics, dropout, attention masking).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../graph.js';
import * as op from '../ops/index.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import { Runner } from '../runtime.js';
import { batchNorm, layerNorm, linear, mlp, multiHeadSelfAttention, parallelMlp, mixExperts, dropout } from './index.js';

const TOL = 1e-6;

function bce(z: Tensor, y: Tensor): Tensor {
  return op.reduceMean(op.sub(op.softplus(z), op.mul(y, z)));
}

function labels(n: number, seed: number) {
  const f = randomFeed([n, 1], seed);
  for (let i = 0; i < n; i++) f.data[i] = (f.data[i] as number) > 0 ? 1 : 0;
  return f;
}

function assertGrads(name: string, r: Awaited<ReturnType<typeof gradCheck>>) {
  for (const p of r.perTensor) {
    assert.ok(p.relError <= TOL, `${name}: d/d${p.name} relative error ${p.relError.toExponential(2)} > ${TOL}`);
  }
  assert.ok(r.perTensor.some((p) => p.norm > 0), `${name}: all gradients are zero`);
}

test('MLP with BCE: every parameter and the input against finite differences', async () => {
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', ['B', 5]);
    const y = g.input('y', 'float64', ['B', 1]);
    return bce(mlp(x, 'mlp', [7, 4, 1], { lastActivation: false, activation: 'tanh' }), y);
  }, { x: randomFeed([6, 5], 1), y: labels(6, 2) }, { wrt: ['x', 'mlp.0.weight', 'mlp.0.bias', 'mlp.1.weight', 'mlp.2.weight', 'mlp.2.bias'] });
  assertGrads('MLP', r);
});

test('MMoE (parallel experts, softmax gates, two towers) against finite differences', async () => {
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', ['B', 6]);
    const ys = [g.input('y0', 'float64', ['B', 1]), g.input('y1', 'float64', ['B', 1])];
    const E = parallelMlp(x, 'experts', 3, [5, 4], { activation: 'tanh' });
    let loss: Tensor | null = null;
    ys.forEach((y, t) => {
      const w = op.softmax(linear(x, `gate${t}`, 3, { bias: false }), -1);
      const z = mlp(mixExperts(E, w), `tower${t}`, [3, 1], { lastActivation: false, activation: 'tanh' });
      const l = bce(z, y);
      loss = loss ? op.add(loss, l) : l;
    });
    return loss!;
  }, { x: randomFeed([5, 6], 3), y0: labels(5, 4), y1: labels(5, 5) }, { maxCoords: 24 });
  assertGrads('MMoE', r);
  assert.ok(r.perTensor.length >= 12);
});

test('LayerNorm and BatchNorm (training statistics) against finite differences', async () => {
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', ['B', 4]);
    const h = layerNorm(batchNorm(linear(x, 'l', 4, { bias: false }), 'bn'), 'ln'); // a bias before BN has zero gradient
    return op.reduceSum(op.mul(op.tanh(h), g.constant(Float64Array.of(1, -2, 0.5, 3), [4], 'float64')));
  }, { x: randomFeed([5, 4], 7) }, { training: true });
  assertGrads('norms', r);
});

test('multi-head self-attention with a padding mask against finite differences', async () => {
  const mask = { data: Float64Array.of(1, 1, 1, 0, 1, 1, 0, 0), dims: [2, 4] };
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', ['B', 4, 6]);
    const m = g.input('mask', 'float64', ['B', 4]);
    const h = multiHeadSelfAttention(x, 'att', { heads: 2, mask: m });
    return op.reduceSum(op.mul(op.tanh(h), 0.7));
  }, { x: randomFeed([2, 4, 6], 9), mask }, { wrt: ['x', 'att.q.weight', 'att.k.weight', 'att.v.weight', 'att.o.weight'], maxCoords: 24 });
  assertGrads('attention', r);
});

test('attention: rows sum to 1, padded keys get 0 weight, causal upper triangle is 0', async () => {
  const g = new Graph({ float: 'float64' });
  const x = g.input('x', 'float64', [1, 3, 4]);
  const m = g.input('mask', 'float64', [1, 3]);
  let w1: Tensor | null = null, w2: Tensor | null = null;
  multiHeadSelfAttention(x, 'a', { heads: 1, mask: m, onWeights: (w) => (w1 = w) });
  multiHeadSelfAttention(x, 'b', { heads: 2, causal: true, onWeights: (w) => (w2 = w) });
  g.output('w1', w1!);
  g.output('w2', w2!);
  const feeds = { x: randomFeed([1, 3, 4], 1), mask: { data: Float64Array.of(1, 1, 0), dims: [1, 3] } };
  for (const t of g.inputs.filter((t) => t.name.includes('.'))) feeds[t.name as 'x'] = randomFeed(t.shape as number[], 3);
  const out = await (await Runner.fromGraph(g)).run(feeds);
  const a = out.w1!.data as Float64Array;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(a[i * 3]! + a[i * 3 + 1]! + a[i * 3 + 2]! - 1) < 1e-12);
    assert.ok(a[i * 3 + 2]! < 1e-12, 'padded key has weight');
  }
  const c = out.w2!.data as Float64Array; // [1, 2, 3, 3]
  for (let h = 0; h < 2; h++) for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) assert.ok(c[h * 9 + i * 3 + j]! < 1e-12);
});

test('BatchNorm: train mode normalizes with batch statistics and updates running stats; eval uses them', async () => {
  const build = (training: boolean) => {
    const g = new Graph({ float: 'float64', training });
    const x = g.input('x', 'float64', ['B', 2]);
    g.output('y', batchNorm(x, 'bn', { momentum: 0.9, eps: 0 }));
    if (training) for (const [k, v] of g.stateUpdates) g.output(`next:${k}`, v);
    return g;
  };
  const x = { data: Float64Array.of(1, 10, 3, 20), dims: [2, 2] };
  const params = {
    'bn.gamma': { data: Float64Array.of(1, 1), dims: [2] }, 'bn.beta': { data: Float64Array.of(0, 0), dims: [2] },
    'bn.running_mean': { data: Float64Array.of(0, 0), dims: [2] }, 'bn.running_var': { data: Float64Array.of(1, 1), dims: [2] },
  };
  const tr = await (await Runner.fromGraph(build(true))).run({ x, ...params });
  assert.deepEqual(Array.from(tr.y!.data as Float64Array), [-1, -1, 1, 1]);
  assert.deepEqual(Array.from(tr['next:bn.running_mean']!.data as Float64Array).map((v) => +v.toFixed(12)), [0.2, 1.5]);
  assert.deepEqual(Array.from(tr['next:bn.running_var']!.data as Float64Array).map((v) => +v.toFixed(12)), [1, 3.4]);
  const ev = await (await Runner.fromGraph(build(false))).run({ x, ...params });
  assert.deepEqual(Array.from(ev.y!.data as Float64Array), [1, 10, 3, 20]);
});

test('dropout: eval is the identity; train zeroes about p and rescales the rest by 1/(1−p)', async () => {
  const mk = (training: boolean) => {
    const g = new Graph({ training, seed: 5 });
    const x = g.input('x', 'float32', [10000]);
    g.output('y', dropout(x, 0.3));
    return g;
  };
  const x = { data: new Float32Array(10000).fill(1), dims: [10000] };
  const ev = await (await Runner.fromGraph(mk(false))).run({ x });
  assert.ok((ev.y!.data as Float32Array).every((v) => v === 1));
  const tr = await (await Runner.fromGraph(mk(true))).run({ x });
  const y = tr.y!.data as Float32Array;
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / 10000 - 0.3) < 0.03, `dropped fraction ${zeros / 10000}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
});
