// Leading-axis ReduceSum lowering: which sums are lowered, and bit-identical values either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Graph } from './graph.js';
import * as op from './ops/index.js';
import { serializeGraph } from './serialize.js';
import { Runner } from './runtime.js';

const opCounts = (bytes: Uint8Array) => {
  const c: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(bytes).graph!.node!) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
};

function build(): Graph {
  const g = new Graph({ name: 'lead_sum' });
  const x = g.rawInput('x', 'float32', [4, 'B', 8]);
  g.output('mix', op.reduceSum(x, [0])); // lowered
  g.output('mix_keep', op.reduceSum(x, [0], true)); // lowered, keeps the axis
  g.output('last', op.reduceSum(x, [2])); // trailing axis: ReduceSum
  g.output('two', op.reduceSum(x, [0, 2])); // several axes: ReduceSum
  const y = g.rawInput('y', 'float32', ['B', 8]);
  g.output('rows', op.reduceSum(y, [0])); // symbolic leading dim: ReduceSum
  return g;
}

test('float32 sums over a small static leading axis become a product with a ones row', () => {
  assert.equal(opCounts(serializeGraph(build())).ReduceSum, 3);
  assert.equal(opCounts(serializeGraph(build())).MatMul, 2);
  assert.equal(opCounts(serializeGraph(build(), { plainReduceSums: true })).ReduceSum, 5);
  const g = new Graph({ name: 'lead_sum64' });
  g.output('s', op.reduceSum(g.rawInput('x', 'float64', [4, 3]), [0]));
  assert.equal(opCounts(serializeGraph(g)).ReduceSum, 1, 'float64 graphs (gradient checks) keep ReduceSum');
});

test('lowered leading-axis sums are bit-identical to ReduceSum, with and without keepdims', async () => {
  const g = build();
  const [low, plain] = [await Runner.fromGraph(g), await Runner.fromGraph(g, { plainReduceSums: true })];
  for (const B of [1, 5, 4096]) {
    const feeds = {
      x: { data: Float32Array.from({ length: 4 * B * 8 }, (_, i) => Math.sin(i * 0.77) * 10 ** (i % 5)), dims: [4, B, 8] },
      y: { data: Float32Array.from({ length: B * 8 }, (_, i) => Math.cos(i)), dims: [B, 8] },
    };
    const [p, q] = [await low.run(feeds), await plain.run(feeds)];
    for (const k of ['mix', 'mix_keep', 'last', 'two', 'rows']) {
      assert.deepEqual(p[k]!.dims, q[k]!.dims, `${k} dims at B=${B}`);
      assert.deepEqual(Array.from(p[k]!.data as Float32Array), Array.from(q[k]!.data as Float32Array), `${k} at B=${B}`);
    }
  }
});
