// Sibling-Gemm lowering: which products merge (same input, no transA/transB, float32, the 3/4 rule),
// that the step graph's values are bit-identical to the hand-grouped form linearGroup used to build
// (forward, input / weight / bias gradients; whole and row-blocked sessions), FD gradients of the
// merged form, and what the MMoE and PLE models get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Graph, type Node, type Tensor } from './graph.js';
import * as op from './ops/index.js';
import { gradients } from './autodiff.js';
import { gradCheck, randomFeed } from './gradcheck.js';
import { neededNodes } from './graph-walk.js';
import { Runner, type Feed } from './runtime.js';
import { serializeGraph } from './serialize.js';
import { mergeSiblingGemms, mergedMembers } from './sibling-gemms.js';
import { Rng } from '../util/rng.js';
import './gradients/index.js';

const f32 = (dims: number[], seed: number): Feed => ({ data: Float32Array.from(randomFeed(dims, seed).data as Float64Array), dims });
type Proto = ReturnType<typeof onnxProto.onnx.ModelProto.decode>;
const proto = (bytes: Uint8Array): Proto => onnxProto.onnx.ModelProto.decode(bytes);
/** For every Gemm / MatMul: the names its B input concatenates (just B's name when not a Concat), and its attributes. */
function products(m: Proto): { b: string[]; attrs: string[] }[] {
  const byOut = new Map(m.graph!.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
  return m.graph!.node!.filter((n) => n.opType === 'Gemm' || n.opType === 'MatMul').map((n) => {
    const src = byOut.get(n.input![1]!);
    return { b: src?.opType === 'Concat' ? [...src.input!] : [n.input![1]!], attrs: n.attribute!.filter((a) => Number(a.i) === 1).map((a) => a.name!) };
  });
}

test('which siblings merge: all, or all but one holding ≥ 3/4 of the columns; only if N ≤ (k − 1)·K', () => {
  const ns = (...n: number[]) => n.map((v) => ({ n: v }));
  const merged = (K: number, ...n: number[]) => mergedMembers(ns(...n), K).map((m) => m.n);
  assert.deepEqual(merged(16, 5, 4, 3), [5, 4, 3]);
  assert.deepEqual(merged(432, 1024, 4, 4), [4, 4], 'MMoE: the expert bank apart, the gates merged');
  assert.deepEqual(merged(16, 6, 1, 1), [1, 1], '6 = 3/4 of 8: the boundary belongs to the big member');
  assert.deepEqual(merged(16, 5, 1, 1), [5, 1, 1]);
  assert.deepEqual(merged(272, ...Array(6).fill(128), 256, ...Array(6).fill(3), 8), [...Array(6).fill(128), 256, ...Array(6).fill(3), 8], 'the demo PLE\'s level 0');
  assert.deepEqual(merged(432, 256, 256), [], 'two wide towers: the copies cost more than the saved passes over x');
  assert.deepEqual(merged(432, 432, 512), [], 'DCN-v2\'s cross and deep layers');
  assert.deepEqual(merged(256, 64, 64), [64, 64]);
  assert.deepEqual(merged(64, 128, 3), []);
  assert.deepEqual(merged(64, 7), []);
});

function siblings(float: 'float32' | 'float64'): Graph {
  const g = new Graph({ name: 'siblings', float });
  const x = g.rawInput('x', float, ['B', 16]), z = g.rawInput('z', float, ['B', 16]), s = g.rawInput('s', float, [6, 16]);
  const w = (name: string, shape: number[]) => g.rawInput(name, float, shape);
  g.output('a', op.gemm(x, w('wa', [16, 8]), w('ba', [8]))); // merged with b and c
  g.output('b', op.gemm(x, w('wb', [16, 4]), null)); // no bias: zeros in the merged bias
  g.output('c', op.matmul(x, w('wc', [16, 3]))); // a 2-D MatMul is a Gemm without bias
  g.output('d', op.gemm(z, w('wd', [16, 5]), null)); // another input: alone
  g.output('t1', op.gemm(s, w('v1', [6, 5]), null, { transA: true })); // transA: never merged
  g.output('t2', op.gemm(s, w('v2', [6, 3]), null, { transA: true }));
  g.output('u1', op.gemm(z, w('u1w', [5, 16]), null, { transB: true })); // transB: never merged
  g.output('u2', op.gemm(z, w('u2w', [2, 16]), null, { transB: true }));
  const y = g.rawInput('y', float, ['B', 16]);
  g.output('big', op.gemm(y, w('wbig', [16, 24]), w('bbig', [24]))); // 24 ≥ 3/4 of 28: its own Gemm
  g.output('g1', op.gemm(y, w('wg1', [16, 2]), null));
  g.output('g2', op.gemm(y, w('wg2', [16, 2]), null));
  return g;
}

test('sibling Gemms on one input merge; other inputs, transA, transB, a dominant member and float64 stay apart', async () => {
  const merged = products(proto(serializeGraph(siblings('float32'))));
  const concats = merged.filter((p) => p.b.length > 1).map((p) => p.b);
  assert.deepEqual(concats, [['wa', 'wb', 'wc'], ['wg1', 'wg2']]);
  assert.equal(merged.length, 8, 'x: 1, z: 1 + 2 transB, s: 2 transA, y: 2');
  assert.deepEqual(merged.filter((p) => p.attrs.includes('transA')).map((p) => p.b), [['v1'], ['v2']]);
  assert.ok(merged.some((p) => p.b[0] === 'wbig'));
  const plain = products(proto(serializeGraph(siblings('float32'), { plainGemms: true })));
  assert.equal(plain.length, 11);
  assert.ok(plain.every((p) => p.b.length === 1));
  assert.equal(products(proto(serializeGraph(siblings('float64')))).length, 11, 'float64 graphs (gradient checks) are left alone');
  assert.equal(products(proto(serializeGraph(siblings('float64'), { mergeFloat64: true }))).length, 8);

  // Same values as the plain Gemms (a Gemm's columns do not depend on their neighbours).
  const g = siblings('float32');
  const feeds: Record<string, Feed> = {};
  for (const t of g.inputs) feeds[t.name] = f32(t.shape.map((d) => (d === 'B' ? 5 : d)) as number[], t.id + 1);
  const [p, q] = [await (await Runner.fromGraph(g)).run(feeds), await (await Runner.fromGraph(g, { plainGemms: true })).run(feeds)];
  for (const k of Object.keys(q)) assert.deepEqual(p[k]!.data, q[k]!.data, k);
});

interface Member { name: string; out: number; bias: boolean; relu?: boolean }

/** The form linearGroup built by hand (stop 9): a dominant member alone, the rest as one Gemm split afterwards. */
function handGrouped(g: Graph, x: Tensor, ms: Member[], w: (m: Member) => Tensor, b: (m: Member) => Tensor): Tensor[] {
  const bias = (m: Member) => (m.bias ? b(m) : g.constant(new Float32Array(m.out), [m.out], 'float32'));
  const total = ms.reduce((s, m) => s + m.out, 0);
  const big = ms.findIndex((m) => m.out * 4 >= total * 3);
  const fused = (sel: Member[]) => (sel.length === 1 ? [op.gemm(x, w(sel[0]!), bias(sel[0]!))]
    : op.split(op.gemm(x, op.concat(sel.map(w), 1), op.concat(sel.map(bias), 0)), sel.map((m) => m.out), 1));
  if (big < 0) return fused(ms);
  const out: Tensor[] = [];
  out[big] = fused([ms[big]!])[0]!;
  const rest = ms.filter((_, i) => i !== big);
  fused(rest).forEach((y, j) => { out[ms.indexOf(rest[j]!)] = y; });
  return out;
}

/**
 * A training-step-like graph over the members: loss from every output (ReLU'd banks, softmax
 * gates), x also read elsewhere (so x's gradient is a sum with other terms), gradients of x and
 * of every weight and bias as outputs.
 */
function stepGraph(ms: Member[], D: number, hand: boolean): Graph {
  const g = new Graph({ name: hand ? 'hand' : 'plain' });
  const x0 = g.rawInput('x', 'float32', ['B', D]);
  const x = op.tanh(x0);
  const Ws = new Map(ms.map((m) => [m.name, g.rawInput(`${m.name}.w`, 'float32', [D, m.out])]));
  const bs = new Map(ms.filter((m) => m.bias).map((m) => [m.name, g.rawInput(`${m.name}.b`, 'float32', [m.out])]));
  const ys = hand
    ? handGrouped(g, x, ms, (m) => Ws.get(m.name)!, (m) => bs.get(m.name)!)
    : ms.map((m) => op.gemm(x, Ws.get(m.name)!, bs.get(m.name) ?? null));
  const parts = ys.map((y, i) => {
    const h = ms[i]!.relu ? op.relu(y) : op.softmax(y, -1);
    return op.reduceSum(op.mul(op.mul(h, h), 0.01 * (i + 1)));
  });
  const loss = op.addN([...parts, op.reduceSum(op.mul(x, x))]);
  const wrt = [x0, ...Ws.values(), ...bs.values()];
  g.output('loss', loss);
  gradients(loss, wrt).forEach((d, i) => g.output(`grad:${wrt[i]!.name}`, d!));
  return g;
}

const mmoeLike: Member[] = [
  { name: 'experts', out: 1024, bias: true, relu: true }, { name: 'gate1', out: 4, bias: false }, { name: 'gate2', out: 4, bias: false },
];
const pleLike: Member[] = [
  ...['t0', 't1', 't2', 't3', 't4', 't5'].map((t) => ({ name: `bank.${t}`, out: 128, bias: true, relu: true })),
  { name: 'bank.shared', out: 256, bias: true, relu: true },
  ...['t0', 't1', 't2', 't3', 't4', 't5'].map((t) => ({ name: `gate.${t}`, out: 3, bias: false })),
  { name: 'gate.shared', out: 8, bias: false },
];

for (const [name, ms, D] of [['MMoE-shaped (experts apart, gates merged)', mmoeLike, 96], ['PLE-shaped (14 members, one Gemm)', pleLike, 96]] as const) {
  test(`${name}: forward and backward bit-identical to the hand-grouped form, whole and row-blocked`, async () => {
    const plain = stepGraph([...ms], D, false), hand = stepGraph([...ms], D, true);
    const count = (g: Graph, o = {}) => products(proto(serializeGraph(g, o))).length;
    const asBuilt = { plainGemms: true }; // the hand-grouped graph exactly as built, without this lowering
    assert.equal(count(plain), count(hand, asBuilt), 'as many products as the hand-grouped form');
    assert.ok(count(plain, { plainGemms: true }) > count(plain) + 2 * (ms === pleLike ? 13 : 1));
    const [p, h] = [await Runner.fromGraph(plain), await Runner.fromGraph(hand, asBuilt)];
    const r = new Rng(3);
    for (const B of [1, 5, 2048, 2500]) {
      const feeds: Record<string, Feed> = { x: { data: Float32Array.from({ length: B * D }, () => r.normal()), dims: [B, D] } };
      for (const m of ms) {
        feeds[`${m.name}.w`] = { data: Float32Array.from({ length: D * m.out }, () => r.normal() * 0.2), dims: [D, m.out] };
        if (m.bias) feeds[`${m.name}.b`] = { data: Float32Array.from({ length: m.out }, () => r.normal() * 0.1), dims: [m.out] };
      }
      const [a, b] = [await p.run(feeds), await h.run(feeds)];
      assert.equal(Object.keys(a).length, 2 + ms.length + ms.filter((m) => m.bias).length);
      for (const k of Object.keys(b)) {
        const u = a[k]!.data as Float32Array, v = b[k]!.data as Float32Array;
        const bad = u.findIndex((e, i) => !Object.is(e, v[i]) && !(e === 0 && v[i] === 0));
        assert.equal(bad, -1, `${k} at B=${B}: element ${bad} is ${u[bad]} merged, ${v[bad]} by hand`);
      }
    }
  });
}

test('FD gradients of the merged form (float64 with mergeFloat64) and of the plain form agree', async () => {
  const ms: Member[] = [{ name: 'e', out: 12, bias: true, relu: true }, { name: 'g1', out: 2, bias: false }, { name: 'g2', out: 3, bias: true }];
  const build = (g: Graph) => {
    const x = op.tanh(g.input('x', 'float64', ['B', 9]));
    const ys = ms.map((m) => op.gemm(x, g.input(`${m.name}.w`, 'float64', [9, m.out]), m.bias ? g.input(`${m.name}.b`, 'float64', [m.out]) : null));
    return op.addN([...ys.map((y, i) => op.reduceSum(op.mul(op.tanh(y), i + 1))), op.reduceSum(op.mul(x, x))]);
  };
  const feeds: Record<string, Feed> = { x: randomFeed([5, 9], 4) };
  ms.forEach((m, i) => { feeds[`${m.name}.w`] = randomFeed([9, m.out], 10 + i); if (m.bias) feeds[`${m.name}.b`] = randomFeed([m.out], 20 + i); });
  const g = new Graph({ float: 'float64' });
  g.output('loss', build(g));
  assert.equal(products(proto(serializeGraph(g, { mergeFloat64: true }))).length, 1, 'all three members merge (12 < 3/4 of 17; 17 ≤ 2 · 9)');
  for (const serialize of [{ mergeFloat64: true }, {}]) {
    const r = await gradCheck(build, feeds, { serialize });
    for (const t of r.perTensor) assert.ok(t.relError <= 1e-6, `${JSON.stringify(serialize)} d/d${t.name}: ${t.relError.toExponential(2)}`);
    assert.equal(r.perTensor.length, 1 + ms.length + 2);
  }
});

test('members reading x through StopGradient merge too: forward and weight gradients (no input gradient flows there)', async () => {
  const g = new Graph({ name: 'stopgrad' });
  const x0 = g.rawInput('x', 'float32', ['B', 8]), x = op.tanh(x0);
  const ws = [5, 2, 3].map((n, i) => g.rawInput(`w${i}`, 'float32', [8, n]));
  const ys = ws.map((w, i) => op.gemm(i === 0 ? x : op.stopGradient(x), w, null));
  const loss = op.addN(ys.map((y, i) => op.reduceSum(op.mul(op.tanh(y), i + 1))));
  g.output('loss', loss);
  gradients(loss, [x0, ...ws]).forEach((d, i) => g.output(`d${i}`, d!));
  const merged = products(proto(serializeGraph(g)));
  assert.deepEqual(merged.filter((p) => p.b.length > 1).map((p) => p.b.length), [3, 3], 'x·[W_0 | W_1 | W_2] and xᵀ·[dY_0 | dY_1 | dY_2]');
  assert.deepEqual(merged[0]!.b, ['w0', 'w1', 'w2']);
  assert.equal(merged.length, 3, 'forward, the weight gradients, w0\'s own input gradient');
  const feeds: Record<string, Feed> = { x: f32([6, 8], 1) };
  ws.forEach((w, i) => { feeds[w.name] = f32([8, w.shape[1] as number], 2 + i); });
  const [p, q] = [await (await Runner.fromGraph(g)).run(feeds), await (await Runner.fromGraph(g, { plainGemms: true })).run(feeds)];
  for (const k of Object.keys(q)) {
    const u = p[k]!.data as Float32Array, v = q[k]!.data as Float32Array;
    u.forEach((e, i) => assert.ok(Math.abs(e - v[i]!) <= 1e-6 * (1 + Math.abs(v[i]!)), `${k}[${i}]: ${e} vs ${v[i]}`));
  }
});

test('a weight computed from a sibling\'s output is not merged (it would be its own input)', async () => {
  const g = new Graph({ name: 'dep' });
  const x = g.rawInput('x', 'float32', ['B', 4]);
  const w1 = g.rawInput('w1', 'float32', [4, 3]), w3 = g.rawInput('w3', 'float32', [4, 2]);
  const y1 = op.gemm(x, w1, null);
  const w2 = op.add(g.rawInput('w2', 'float32', [4, 2]), op.reduceSum(y1));
  g.output('y', op.concat([y1, op.gemm(x, w2, null), op.gemm(x, w3, null)], 1));
  assert.ok(products(proto(serializeGraph(g))).every((p) => p.b.length === 1));
  const feeds = { x: f32([3, 4], 1), w1: f32([4, 3], 2), w2: f32([4, 2], 3), w3: f32([4, 2], 4) };
  assert.equal((await (await Runner.fromGraph(g)).run(feeds)).y!.dims.join(), '3,7');
});

test('the lowering reads autodiff\'s records: a forward-only graph merges the forward only', () => {
  const g = new Graph({ name: 'fwd' });
  const x = g.rawInput('x', 'float32', ['B', 8]);
  g.output('a', op.gemm(x, g.rawInput('wa', 'float32', [8, 3]), null));
  g.output('b', op.gemm(x, g.rawInput('wb', 'float32', [8, 2]), null));
  const roots = [...g.outputs.values()];
  const { nodes } = mergeSiblingGemms(neededNodes(g, roots), new Set(roots.map((t) => t.id)));
  assert.deepEqual(nodes.map((n: Node) => n.op), ['Concat', 'Gemm', 'Split']);
});
