// ReduceLogSumExp: values (stable for large inputs) and its gradient rule against central finite
// differences in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../graph.js';
import * as op from '../ops/index.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import { Runner } from '../runtime.js';
import { Rng } from '../../util/rng.js';

function weightedSum(y: Tensor, seed = 99): Tensor {
  const g = y.graph;
  const dims = y.shape.map((d) => (typeof d === 'number' ? d : 1));
  const r = new Rng(seed);
  const data = Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1));
  return op.reduceSum(op.mul(y, g.constant(data, dims, 'float64')));
}

const cases: { name: string; dims: number[]; shape?: (number | string)[]; axes: number[]; keep: boolean; scale?: number }[] = [
  { name: 'axis 1 keepdims', dims: [3, 5], axes: [1], keep: true, scale: 3 },
  { name: 'axis 1 no keepdims', dims: [3, 5], axes: [1], keep: false, scale: 3 },
  { name: 'axis 0', dims: [4, 2], axes: [0], keep: false },
  { name: 'axes 0, 2 of rank 3', dims: [2, 3, 4], axes: [0, 2], keep: true },
  { name: 'negative axis, symbolic batch', dims: [4, 6], shape: ['B', 6], axes: [-1], keep: true, scale: 5 },
];

for (const c of cases) {
  test(`gradient: ReduceLogSumExp ${c.name}`, async () => {
    const r = await gradCheck((g) => weightedSum(op.reduceLogSumExp(g.input('a', 'float64', c.shape ?? c.dims), c.axes, c.keep)), { a: randomFeed(c.dims, 7, c.scale ?? 1) });
    const p = r.perTensor[0]!;
    assert.ok(p.norm > 0, 'gradient identically zero');
    assert.ok(p.relError <= 1e-6, `relative error ${p.relError.toExponential(2)} > 1e-6`);
  });
}

test('ReduceLogSumExp: stable for large and masked (−1e9) inputs, float32 and float64', async () => {
  for (const float of ['float32', 'float64'] as const) {
    const g = new Graph({ float });
    const x = g.input('x', float, [2, 3]);
    g.output('y', op.reduceLogSumExp(x, [1]));
    const A = float === 'float32' ? Float32Array : Float64Array;
    const out = await (await Runner.fromGraph(g)).run({ x: { data: A.from([200, 201, 199, -1e9, 0, 1]), dims: [2, 3] } });
    const y = Array.from(out.y!.data as Float64Array);
    const want = [201 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), Math.log(1 + Math.E)];
    y.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < (float === 'float32' ? 1e-4 : 1e-12), `${float} row ${i}: ${v} vs ${want[i]}`));
  }
});
