// GraphThread: a serialized graph run on a worker thread, inputs transferred, errors named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from './graph.js';
import * as op from './ops/index.js';
import { serializeGraph } from './serialize.js';
import { GraphThread } from './graph-thread.js';

test('GraphThread runs a graph on a worker: same result, inputs transferred (detached here)', async () => {
  const g = new Graph({ name: 'axpy' });
  const x = g.rawInput('x', 'float32', [3]), y = g.rawInput('y', 'float32', [3]);
  g.output('z', op.add(op.mul(x, 2), y));
  const t = await GraphThread.create('axpy', serializeGraph(g), { threads: 1 });
  try {
    const xs = Float32Array.of(1, 2, 3), ys = Float32Array.of(10, 20, 30);
    const out = await t.run({ x: { data: xs, dims: [3] }, y: { data: ys, dims: [3] } }, ['z']);
    assert.deepEqual(Array.from(out.z!.data as Float32Array), [12, 24, 36]);
    assert.deepEqual(out.z!.dims, [3]);
    assert.equal(xs.length, 0, 'the input buffer moved to the worker');
    const again = await t.run({ x: { data: Float32Array.of(0, 0, 1), dims: [3] }, y: { data: Float32Array.of(1, 1, 1), dims: [3] } }, ['z']);
    assert.deepEqual(Array.from(again.z!.data as Float32Array), [1, 1, 3]);
    await assert.rejects(t.run({ x: { data: Float32Array.of(1), dims: [1] } }, ['z']), /graph "axpy" on its worker thread/);
  } finally {
    await t.dispose();
  }
  await assert.rejects(t.run({ x: { data: Float32Array.of(1, 2, 3), dims: [3] }, y: { data: Float32Array.of(1, 2, 3), dims: [3] } }, ['z']), /graph "axpy": disposed/, 'a run after dispose fails instead of waiting');
});

test('GraphThread.create rejects bad model bytes with the graph name', async () => {
  await assert.rejects(GraphThread.create('broken', Uint8Array.of(1, 2, 3)), /graph "broken" on its worker thread/);
});

test('GraphThread.create with several graphs, one bad: rejects naming it, and the process survives terminating the worker', async () => {
  // Regression: the worker was terminated while the good graph's session was still being created,
  // which aborted the whole process (SIGABRT, "terminate called after throwing Napi::Error").
  const g = new Graph({ name: 'wide' });
  const x = g.rawInput('x', 'float32', [4, 256]);
  let h = x;
  for (let i = 0; i < 8; i++) h = op.relu(op.matmul(h, g.constant(new Float32Array(256 * 256).fill(0.001), [256, 256], 'float32', `w${i}`)));
  g.output('z', h);
  const good = serializeGraph(g);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(GraphThread.create('pair', [Uint8Array.of(1, 2, 3), good]), /graph "pair" on its worker thread: .*protobuf parsing failed/);
  }
  const t = await GraphThread.create('pair', [good, good]);
  await t.dispose();
});
