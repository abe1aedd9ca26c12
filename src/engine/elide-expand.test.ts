// The Expand peephole: elided where the consumers broadcast to the same shape, kept elsewhere; the
// scores are identical either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from './graph.js';
import * as op from './ops/index.js';
import { broadcastShape } from './elide-expand.js';
import { serializeGraph } from './serialize.js';
import { Runner } from './runtime.js';

const countOps = (bytes: Uint8Array, name: string) => {
  const s = Buffer.from(bytes).toString('latin1');
  return s.split(name).length - 1;
};

test('broadcastShape: numpy rules with symbolic dims', () => {
  assert.deepEqual(broadcastShape([1, 'B', 4], [3, 'B', 1]), [3, 'B', 4]);
  assert.deepEqual(broadcastShape([4], ['B', 1]), ['B', 4]);
  assert.equal(broadcastShape([3], [4]), null);
  assert.equal(broadcastShape(['B'], ['C']), null);
});

test('Expand feeding broadcasting Mul/Add is elided; feeding Relu or a graph output it stays; same values', async () => {
  const g = new Graph({ name: 'expand' });
  const a = g.rawInput('a', 'float32', [1, 'B', 4]);
  const b = g.rawInput('b', 'float32', [3, 'B', 1]);
  const c = g.rawInput('c', 'float32', [3, 'B', 4]);
  const e = op.expand(a, [3, 'B', 4] as never);
  g.output('y', op.add(op.mul(e, b), c)); // Mul broadcasts [1,B,4]×[3,B,1] → [3,B,4]: elidable
  const e2 = op.expand(a, [3, 'B', 4] as never);
  g.output('z', op.relu(e2)); // Relu does not broadcast: kept
  const withPeep = serializeGraph(g), without = serializeGraph(g, { keepExpands: true });
  assert.equal(countOps(without, 'Expand'), 2);
  assert.equal(countOps(withPeep, 'Expand'), 1);
  const B = 2, r = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s + 1));
  const feeds = { a: { data: r(B * 4, 0.7), dims: [1, B, 4] }, b: { data: r(3 * B, 1.3), dims: [3, B, 1] }, c: { data: r(3 * B * 4, 0.3), dims: [3, B, 4] } };
  const x = await (await Runner.fromGraph(g)).run(feeds);
  const g2 = await Runner.fromGraph(g, { keepExpands: true });
  const y = await g2.run(feeds);
  assert.deepEqual(Array.from(x.y!.data as Float32Array), Array.from(y.y!.data as Float32Array));
  assert.deepEqual(Array.from(x.z!.data as Float32Array), Array.from(y.z!.data as Float32Array));
});
