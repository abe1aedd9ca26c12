// Row-blocked Gemm lowering: which Gemms are blocked, what is emitted, and that the scores are
// bit-identical to the whole Gemm for batch sizes around the block boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Graph } from './graph.js';
import * as op from './ops/index.js';
import { serializeGraph } from './serialize.js';
import * as ort from 'onnxruntime-node';
import { Runner, sessionOptions } from './runtime.js';
import { ROW_BLOCK, ROW_BLOCKS } from './row-blocks.js';

const opCounts = (bytes: Uint8Array) => {
  const m = onnxProto.onnx.ModelProto.decode(bytes);
  const c: Record<string, number> = {};
  for (const n of m.graph!.node!) c[n.opType!] = (c[n.opType!] ?? 0) + 1;
  return c;
};

const K = 432, N = 1024;
function build(): Graph {
  const g = new Graph({ name: 'row_blocks' });
  const x = g.rawInput('x', 'float32', ['B', K]);
  const w = g.rawInput('w', 'float32', [K, N]);
  const b = g.rawInput('b', 'float32', [N]);
  const dy = g.rawInput('dy', 'float32', ['B', N]);
  g.output('y', op.relu(op.gemm(x, w, b))); // blocked, with its Relu moved into the blocks
  g.output('dx', op.gemm(dy, w, null, { transB: true })); // blocked
  g.output('dw', op.gemm(x, dy, null, { transA: true })); // rows of the result are not the batch: whole
  g.output('small', op.gemm(x, op.slice(w, [0], [8], [1]), null)); // K·N below MIN_WEIGHT: whole
  return g;
}

test('batch-sized float32 Gemms with a large weight are emitted in row blocks; others whole', () => {
  const blocked = opCounts(serializeGraph(build(), { rowBlocks: true })), whole = opCounts(serializeGraph(build()));
  assert.equal(whole.Gemm, 4);
  assert.equal(whole.Split ?? 0, 0);
  assert.equal(whole.Relu, 1);
  // y: Split → a Gemm (+ Relu) per block → Concat; dx (no bias, no Relu): one batched MatMul over
  // A viewed as [k, rows/k, K] and W expanded to [k, N, K], transposed (ORT fuses that into the MatMul).
  assert.equal(blocked.Gemm, ROW_BLOCKS + 2);
  assert.equal(blocked.Split, 1);
  assert.equal(blocked.Relu, ROW_BLOCKS, 'the Relu runs per block (ORT fuses it into each Gemm)');
  assert.equal(blocked.MatMul, 1);
  assert.equal(blocked.Expand, 1);
  assert.equal(blocked.Transpose, 1);

  const g64 = new Graph({ name: 'row_blocks64' });
  const x = g64.rawInput('x', 'float64', ['B', K]), w = g64.rawInput('w', 'float64', [K, N]);
  g64.output('y', op.gemm(x, w, null));
  assert.equal(opCounts(serializeGraph(g64, { rowBlocks: true })).Gemm, 1, 'float64 (gradient checks) stays whole');
});

test('a Gemm whose result is also a graph output keeps its Relu outside the blocks', () => {
  const g = new Graph({ name: 'row_blocks_kept' });
  const x = g.rawInput('x', 'float32', ['B', K]), w = g.rawInput('w', 'float32', [K, N]);
  const b = g.rawInput('b', 'float32', [N]);
  const h = op.gemm(x, w, b);
  g.output('h', h);
  g.output('y', op.relu(h));
  const c = opCounts(serializeGraph(g, { rowBlocks: true }));
  assert.equal(c.Gemm, ROW_BLOCKS);
  assert.equal(c.Relu, 1);
});

test('row-blocked Gemms give bit-identical results for batches around the block boundaries', async () => {
  const g = build();
  // The blocked form itself, for every batch size (the Runner would send small batches to the whole form).
  const blockedSession = await ort.InferenceSession.create(serializeGraph(g, { rowBlocks: true }), sessionOptions({ threads: 2 }));
  const whole = await Runner.fromGraph(g, { threads: 2, rowBlocks: false });
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s + 0.5));
  const w = rnd(K * N, 0.37), b = rnd(N, 1.7);
  // 3000 = 2 blocks of 1500; 4097 cannot be cut into 4 equal blocks (one batched block, or 4 split blocks).
  for (const B of [1, 3, 1023, 1025, 2049, 3000, 4096, 4097]) {
    const feeds = {
      x: { data: rnd(B * K, 0.11), dims: [B, K] }, w: { data: w, dims: [K, N] },
      b: { data: b, dims: [N] }, dy: { data: rnd(B * N, 0.23), dims: [B, N] },
    };
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor('float32', f.data, f.dims)]));
    const [p, q] = [await blockedSession.run(ortFeeds), await whole.run(feeds)];
    for (const k of ['y', 'dx', 'dw', 'small']) {
      assert.deepEqual([...p[k]!.dims], q[k]!.dims, `${k} dims at B=${B}`);
      const u = p[k]!.data as Float32Array, v = q[k]!.data as Float32Array;
      const bad = u.findIndex((e, i) => e !== v[i]);
      assert.equal(bad, -1, `${k} at B=${B}: element ${bad} is ${u[bad]} blocked, ${v[bad]} whole`);
    }
  }
});

test('the Runner runs batches of ≥ 2 blocks in the blocked session and smaller ones in the whole one', async () => {
  const r = await Runner.fromGraph(build());
  assert.equal(await r.sessionForBatch(new Map([['B', 2 * ROW_BLOCK - 1]])), r.session);
  const big = await r.sessionForBatch(new Map([['B', 2 * ROW_BLOCK]]));
  assert.notEqual(big, r.session);
  assert.equal(await r.sessionForBatch(new Map([['B', 4096]])), big, 'made once');
  const off = await Runner.fromGraph(build(), { rowBlocks: false });
  assert.equal(await off.sessionForBatch(new Map([['B', 4096]])), off.session);
});
