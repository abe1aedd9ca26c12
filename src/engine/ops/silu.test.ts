// silu: values in float32 (the x·σ(x) form ORT fuses) and float64 (the x/(1+e^−x) form) equal
// x·σ(x), and its gradient matches central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../graph.js';
import { Runner } from '../runtime.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import * as op from './index.js';

const xs = [-30, -4, -1, -0.25, 0, 0.5, 2, 7, 30];

test('silu(x) = x·σ(x) in float32 and float64', async () => {
  for (const float of ['float32', 'float64'] as const) {
    const g = new Graph({ float });
    g.output('y', op.silu(g.input('x', float, [xs.length])));
    const data = float === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs);
    const y = (await (await Runner.fromGraph(g)).run({ x: { data, dims: [xs.length] } })).y!.data as Float32Array | Float64Array;
    xs.forEach((x, i) => {
      const want = x / (1 + Math.exp(-x));
      assert.ok(Math.abs(y[i]! - want) <= (float === 'float32' ? 1e-5 : 1e-12) * Math.max(1, Math.abs(want)), `${float} silu(${x}) = ${y[i]}, want ${want}`);
    });
  }
});

test('silu gradient against finite differences', async () => {
  const r = await gradCheck((g) => {
    const x = g.input('x', 'float64', [12]);
    const w = g.input('w', 'float64', [12]);
    return op.reduceSum(op.mul(op.silu(op.mul(x, 3)), w));
  }, { x: randomFeed([12], 1), w: randomFeed([12], 2) }, { wrt: ['x'] });
  assert.ok(r.maxRelError <= 1e-7, `relative error ${r.maxRelError}`);
  assert.ok(r.perTensor[0]!.norm > 0);
});
