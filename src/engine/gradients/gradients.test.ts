// Every op's gradient rule against central finite differences in float64 (relative error ≤ 1e-6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Tensor } from '../graph.js';
import * as op from '../ops/index.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import type { Feed } from '../runtime.js';
import { Rng } from '../../util/rng.js';

const TOL = 1e-6;

/** loss = Σ y ⊙ R with a fixed random R, so every output element matters differently. */
function weightedSum(y: Tensor, seed = 99): Tensor {
  const g = y.graph;
  const dims = y.shape.map((d) => (typeof d === 'number' ? d : 1));
  const r = new Rng(seed);
  const data = Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1));
  const R = g.constant(data, dims, 'float64');
  return op.reduceSum(op.mul(y, R));
}

interface Case {
  name: string;
  inputs: Record<string, { dims: number[]; scale?: number; margin?: number; positive?: boolean }>;
  /** Declared shapes (may use 'B'); default = dims. */
  shapes?: Record<string, (number | string)[]>;
  build: (g: Graph, x: Record<string, Tensor>) => Tensor;
  extra?: Record<string, Feed>;
}

const cases: Case[] = [
  { name: 'MatMul 2-D', inputs: { a: { dims: [3, 4] }, b: { dims: [4, 5] } }, build: (_, x) => op.matmul(x.a!, x.b!) },
  { name: 'MatMul batched × 2-D', inputs: { a: { dims: [2, 3, 4] }, b: { dims: [4, 5] } }, build: (_, x) => op.matmul(x.a!, x.b!) },
  { name: 'MatMul batched × batched (broadcast)', inputs: { a: { dims: [2, 3, 4] }, b: { dims: [1, 4, 2] } }, build: (_, x) => op.matmul(x.a!, x.b!) },
  { name: 'MatMul symbolic batch', inputs: { a: { dims: [3, 4] }, b: { dims: [4, 2] } }, shapes: { a: ['B', 4] }, build: (_, x) => op.matmul(x.a!, x.b!) },
  { name: 'Gemm', inputs: { a: { dims: [3, 4] }, b: { dims: [4, 5] }, c: { dims: [5] } }, build: (_, x) => op.gemm(x.a!, x.b!, x.c!) },
  { name: 'Gemm transA transB alpha beta', inputs: { a: { dims: [4, 3] }, b: { dims: [5, 4] }, c: { dims: [3, 5] } }, build: (_, x) => op.gemm(x.a!, x.b!, x.c!, { transA: true, transB: true, alpha: 0.7, beta: 1.3 }) },
  { name: 'Gemm transA', inputs: { a: { dims: [4, 3] }, b: { dims: [4, 5] } }, build: (_, x) => op.gemm(x.a!, x.b!, null, { transA: true, alpha: 1.5 }) },
  { name: 'Gemm transB', inputs: { a: { dims: [3, 4] }, b: { dims: [5, 4] } }, build: (_, x) => op.gemm(x.a!, x.b!, null, { transB: true }) },
  { name: 'Add broadcast', inputs: { a: { dims: [3, 4] }, b: { dims: [4] } }, build: (_, x) => op.add(x.a!, x.b!) },
  { name: 'Add broadcast keepdim', inputs: { a: { dims: [3, 4] }, b: { dims: [3, 1] } }, build: (_, x) => op.add(x.a!, x.b!) },
  { name: 'Sub broadcast', inputs: { a: { dims: [4] }, b: { dims: [2, 3, 4] } }, build: (_, x) => op.sub(x.a!, x.b!) },
  { name: 'Mul broadcast', inputs: { a: { dims: [2, 3] }, b: { dims: [2, 1] } }, build: (_, x) => op.mul(x.a!, x.b!) },
  { name: 'Mul self', inputs: { a: { dims: [2, 3] } }, build: (_, x) => op.mul(x.a!, x.a!) },
  { name: 'Div', inputs: { a: { dims: [2, 3] }, b: { dims: [3], margin: 0.5 } }, build: (_, x) => op.div(x.a!, x.b!) },
  { name: 'Neg', inputs: { a: { dims: [5] } }, build: (_, x) => op.neg(x.a!) },
  { name: 'Exp', inputs: { a: { dims: [2, 3] } }, build: (_, x) => op.exp(x.a!) },
  { name: 'Log', inputs: { a: { dims: [2, 3], positive: true, margin: 0.2 } }, build: (_, x) => op.log(x.a!) },
  { name: 'Sqrt', inputs: { a: { dims: [2, 3], positive: true, margin: 0.2 } }, build: (_, x) => op.sqrt(x.a!) },
  { name: 'Reciprocal', inputs: { a: { dims: [4], margin: 0.5 } }, build: (_, x) => op.reciprocal(x.a!) },
  { name: 'Pow (constant exponent 3)', inputs: { a: { dims: [2, 3] } }, build: (_, x) => op.pow(x.a!, 3) },
  { name: 'Pow (tensor exponent)', inputs: { a: { dims: [2, 3], positive: true, margin: 0.3 }, p: { dims: [3] } }, build: (_, x) => op.pow(x.a!, x.p!) },
  { name: 'Relu', inputs: { a: { dims: [3, 4], margin: 0.05 } }, build: (_, x) => op.relu(x.a!) },
  { name: 'LeakyRelu', inputs: { a: { dims: [3, 4], margin: 0.05 } }, build: (_, x) => op.leakyRelu(x.a!, 0.2) },
  { name: 'Sigmoid', inputs: { a: { dims: [3, 4], scale: 3 } }, build: (_, x) => op.sigmoid(x.a!) },
  { name: 'Tanh', inputs: { a: { dims: [3, 4], scale: 2 } }, build: (_, x) => op.tanh(x.a!) },
  { name: 'Softplus', inputs: { a: { dims: [3, 4], scale: 4 } }, build: (_, x) => op.softplus(x.a!) },
  { name: 'Abs', inputs: { a: { dims: [6], margin: 0.05 } }, build: (_, x) => op.abs(x.a!) },
  { name: 'Sign (zero gradient) + path', inputs: { a: { dims: [6], margin: 0.05 } }, build: (_, x) => op.add(op.sign(x.a!), op.mul(x.a!, 2)) },
  { name: 'Clip', inputs: { a: { dims: [8], scale: 2, margin: 0.05 } }, build: (_, x) => op.clip(x.a!, -0.5, 0.7) },
  { name: 'Max / Min', inputs: { a: { dims: [6] }, b: { dims: [6] } }, build: (_, x) => op.add(op.maximum(x.a!, x.b!), op.mul(op.minimum(x.a!, x.b!), 3)) },
  { name: 'Softmax', inputs: { a: { dims: [3, 5], scale: 2 } }, build: (_, x) => op.softmax(x.a!, -1) },
  { name: 'Softmax axis 0', inputs: { a: { dims: [3, 5], scale: 2 } }, build: (_, x) => op.softmax(x.a!, 0) },
  { name: 'LogSoftmax', inputs: { a: { dims: [3, 5], scale: 2 } }, build: (_, x) => op.logSoftmax(x.a!, 1) },
  { name: 'ReduceSum axes', inputs: { a: { dims: [2, 3, 4] } }, build: (_, x) => op.reduceSum(x.a!, [1]) },
  { name: 'ReduceSum keepdims', inputs: { a: { dims: [2, 3, 4] } }, build: (_, x) => op.reduceSum(x.a!, [0, 2], true) },
  { name: 'ReduceMean', inputs: { a: { dims: [2, 3, 4] } }, build: (_, x) => op.reduceMean(x.a!, [2]) },
  { name: 'ReduceMean symbolic batch', inputs: { a: { dims: [4, 3] } }, shapes: { a: ['B', 3] }, build: (_, x) => op.reduceMean(x.a!, [0]) },
  { name: 'ReduceMax', inputs: { a: { dims: [3, 4] } }, build: (_, x) => op.reduceMax(x.a!, [1]) },
  { name: 'Concat', inputs: { a: { dims: [2, 3] }, b: { dims: [2, 2] } }, build: (_, x) => op.concat([x.a!, x.b!, x.a!], 1) },
  { name: 'Split (one part unused)', inputs: { a: { dims: [2, 7] } }, build: (_, x) => { const [p, , r] = op.split(x.a!, [2, 3, 2], 1); return op.concat([p!, r!], 1); } },
  { name: 'Slice', inputs: { a: { dims: [4, 6] } }, build: (_, x) => op.slice(x.a!, [1, 2], [3, 5], [0, 1]) },
  { name: 'Slice negative / open end', inputs: { a: { dims: [5, 3] } }, build: (_, x) => op.slice(x.a!, [-3], [undefined], [0]) },
  { name: 'Gather axis 0 (duplicates)', inputs: { a: { dims: [5, 3] } }, build: (g, x) => op.gather(x.a!, g.constant(BigInt64Array.of(1n, 3n, 1n, 0n), [2, 2], 'int64'), 0) },
  { name: 'Gather axis 1', inputs: { a: { dims: [2, 5, 3] } }, build: (g, x) => op.gather(x.a!, g.constant(BigInt64Array.of(4n, 0n, 4n), [3], 'int64'), 1) },
  { name: 'Reshape', inputs: { a: { dims: [2, 6] } }, build: (_, x) => op.reshape(x.a!, [3, 4]) },
  { name: 'Reshape symbolic', inputs: { a: { dims: [2, 6] } }, shapes: { a: ['B', 6] }, build: (_, x) => op.reshape(x.a!, ['B', 2, 3]) },
  { name: 'Transpose', inputs: { a: { dims: [2, 3, 4] } }, build: (_, x) => op.transpose(x.a!, [2, 0, 1]) },
  { name: 'Unsqueeze', inputs: { a: { dims: [2, 3] } }, build: (_, x) => op.unsqueeze(x.a!, [1]) },
  { name: 'Squeeze', inputs: { a: { dims: [2, 1, 3] } }, build: (_, x) => op.squeeze(x.a!, [1]) },
  { name: 'Expand', inputs: { a: { dims: [3, 1] } }, build: (_, x) => op.expand(x.a!, [2, 3, 4]) },
  { name: 'Where / Greater / Less / Equal', inputs: { a: { dims: [6] }, b: { dims: [6] } }, build: (_, x) => {
    const c = op.and(op.greater(x.a!, -0.5), op.not(op.equal(op.less(x.a!, x.b!), op.greater(x.b!, 0.9))));
    return op.where(c, op.mul(x.a!, x.b!), op.exp(x.b!));
  } },
  // int64 cast carries no gradient: d/da [a · float(int(a))] = int(a), away from integer jumps.
  { name: 'Cast (through int64)', inputs: { a: { dims: [6], scale: 2.9, margin: 1.1 } }, build: (_, x) => op.mul(x.a!, op.cast(op.cast(x.a!, 'int64'), 'float64')) },
  { name: 'Pad', inputs: { a: { dims: [2, 3] } }, build: (_, x) => op.pad(x.a!, [1, 0, 0, 2]) },
  { name: 'Sum (addN)', inputs: { a: { dims: [2, 3] }, b: { dims: [3] }, c: { dims: [2, 1] } }, build: (_, x) => op.addN([x.a!, x.b!, x.c!]) },
];

for (const c of cases) {
  test(`gradient: ${c.name}`, async () => {
    const feeds: Record<string, Feed> = { ...c.extra };
    let seed = 11;
    for (const [name, s] of Object.entries(c.inputs)) {
      const f = randomFeed(s.dims, seed++, s.scale ?? 1, s.margin ?? 0);
      if (s.positive) for (let i = 0; i < f.data.length; i++) f.data[i] = Math.abs(f.data[i] as number);
      feeds[name] = f;
    }
    const r = await gradCheck((g) => {
      const x: Record<string, Tensor> = {};
      for (const [name, s] of Object.entries(c.inputs)) x[name] = g.input(name, 'float64', c.shapes?.[name] ?? s.dims);
      return weightedSum(c.build(g, x));
    }, feeds);
    for (const p of r.perTensor) {
      assert.ok(p.norm > 0, `${c.name}: gradient of ${p.name} is identically zero`);
      assert.ok(p.relError <= TOL, `${c.name}: d/d${p.name} relative error ${p.relError.toExponential(2)} > ${TOL}`);
    }
  });
}

test('stopGradient: the blocked path contributes exactly nothing', async () => {
  // loss = Σ stop(a)·a ⇒ d/da = a (not 2a).
  const a = randomFeed([4], 3);
  const { Graph } = await import('../graph.js');
  const { gradients } = await import('../autodiff.js');
  const { Runner } = await import('../runtime.js');
  const g = new Graph({ float: 'float64' });
  const x = g.input('a', 'float64', [4]);
  const [d] = gradients(op.reduceSum(op.mul(op.stopGradient(x), x)), [x]);
  g.output('d', d!);
  const out = await (await Runner.fromGraph(g)).run({ a });
  assert.deepEqual(Array.from(out.d!.data as Float64Array), Array.from(a.data as Float64Array));
});

test('Cast float64 → float32 → float64 passes the gradient through (exact)', async () => {
  const { Graph } = await import('../graph.js');
  const { gradients } = await import('../autodiff.js');
  const { Runner } = await import('../runtime.js');
  const g = new Graph({ float: 'float64' });
  const x = g.input('a', 'float64', [3]);
  const w = g.constant(Float64Array.of(0.5, -2, 3), [3], 'float64');
  const [d] = gradients(op.reduceSum(op.mul(op.cast(op.cast(x, 'float32'), 'float64'), w)), [x]);
  g.output('d', d!);
  const out = await (await Runner.fromGraph(g)).run({ a: randomFeed([3], 5) });
  assert.deepEqual(Array.from(out.d!.data as Float64Array), [0.5, -2, 3]);
});

test('weight gradient Aᵀ·dY: an explicit Transpose into a plain Gemm, and ORT may not fold it back', async () => {
  // MLAS's transA path ran 1.2–1.6× slower on batch-sized A (gradients/matmul_grad.ts).
  const { Graph } = await import('../graph.js');
  const { gradients } = await import('../autodiff.js');
  const { sessionOptions } = await import('../runtime.js');
  const g = new Graph();
  const a = g.input('a', 'float32', ['B', 6]);
  const w = g.input('w', 'float32', [6, 3]);
  const b = g.input('b', 'float32', [3]);
  const before = g.nodes.length;
  const [dw] = gradients(op.reduceSum(op.gemm(a, w, b)), [w]);
  const made = g.nodes.slice(before);
  const gemmNode = made.find((n) => n.outputs.includes(dw!))!;
  assert.equal(gemmNode.op, 'Gemm');
  assert.equal(gemmNode.attrs.transA, undefined);
  const src = made.find((n) => n.outputs.includes(gemmNode.inputs[0]!))!;
  assert.equal(src.op, 'Transpose');
  assert.equal(src.inputs[0], a);
  const extra = sessionOptions({}).extra as { optimization?: { disable_specified_optimizers?: string } };
  assert.match(extra.optimization?.disable_specified_optimizers ?? '', /GemmTransposeFusion/);
});
