// Sequence blocks through the shared input layer: DIN weights of padding are exactly 0, a one-item
// sequence gives that item's weighted value, permuting the sequence changes BST's output but not
// the mean-pooled baseline's, HSTU's attention is causal, padded behaviours get no gradient, FD
// gradient checks of every block (float64), SIM soft search selection, config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { gradCheck, randomFeed } from '../../engine/gradcheck.js';
import { gradients } from '../../engine/autodiff.js';
import { initialize } from '../../engine/params.js';
import { Runner, type Feed } from '../../engine/runtime.js';
import { ModelInputs, type InputLayout } from '../base.js';
import { parseSequence, type SeqBlock } from './config.js';
import { applySequenceBlocks } from './input.js';
import { simSoftSearch } from './sim.js';
import { simSelectGraph } from './sim-graph.js';
import { Rng } from '../../util/rng.js';
import '../../engine/gradients/index.js';

const D = 4, L = 5;
const layout: InputLayout = {
  fields: [{ name: 'streamer_id', dim: D, offset: 0, ids: 10 }, { name: 'seq', dim: D, offset: D, length: L }, { name: 'other', dim: 2, offset: 2 * D, ids: 3 }],
  denseWidth: 0,
};
const block = (o: Record<string, unknown>): SeqBlock => parseSequence([{ feature: 'seq', query: 'streamer_id', ...o }])[0]!;

/** The block's output (the seq field's columns after the input layer) and its weights. */
function build(g: Graph, b: SeqBlock): { out: Tensor; weights?: Tensor; all: Tensor } {
  const base = new ModelInputs(g, layout);
  const r = applySequenceBlocks(base, [b]);
  return { out: r.inputs.field('seq'), weights: r.extras['seq.seq.weights'], all: r.inputs.all() };
}

async function run(g: Graph, feeds: Record<string, Feed>, seed = 7): Promise<Record<string, Feed>> {
  const all = { ...feeds };
  for (const t of g.inputs) {
    if (all[t.name]) continue;
    const p = g.params.get(t.name);
    if (!p) throw new Error(`no feed for ${t.name}`);
    const data = new Float64Array(p.spec.shape.reduce((a, c) => a * c, 1));
    initialize(p.spec, data, seed);
    if (t.name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = 0.1 * (i + 1); // non-zero biases: nothing cancels by accident
    all[t.name] = { data, dims: p.spec.shape };
  }
  return (await Runner.fromGraph(g)).run(all);
}

const f64 = (n: number[], dims: number[]): Feed => ({ data: Float64Array.from(n), dims });
function feeds(B: number, mask: number[], seed = 1) {
  return { emb: randomFeed([B, 2 * D + 2], seed), 'seq.seq': randomFeed([B, L, D], seed + 1), 'seq.seq_mask': f64(mask, [B, L]) };
}

test('DIN: padded positions get weight exactly 0; no softmax by default (weights do not sum to 1)', async () => {
  for (const softmax of [false, true]) {
    const g = new Graph({ float: 'float64' });
    const r = build(g, block({ block: 'din', attention_mlp: [6], softmax }));
    g.output('w', r.weights!);
    const mask = [1, 1, 0, 0, 0, 1, 1, 1, 1, 0];
    const w = (await run(g, feeds(2, mask))).w!.data as Float64Array;
    mask.forEach((m, i) => { if (!m) assert.ok(w[i] === 0, `softmax=${softmax}: padded position ${i} has weight ${w[i]}`); }); // === 0 holds for ±0
    const row0 = w[0]! + w[1]!;
    if (softmax) assert.ok(Math.abs(row0 - 1) < 1e-12);
    else assert.ok(Math.abs(row0 - 1) > 1e-3, `raw DIN weights happen to sum to 1 (${row0})`);
  }
});

test('DIN: a sequence of one item gives that item\'s weighted value (softmax: the item itself); empty gives 0', async () => {
  for (const softmax of [false, true]) {
    const g = new Graph({ float: 'float64' });
    const r = build(g, block({ block: 'din', softmax }));
    g.output('out', r.out); g.output('w', r.weights!);
    const f = feeds(2, [0, 0, 1, 0, 0, /* empty: */ 0, 0, 0, 0, 0]);
    const res = await run(g, f);
    const out = res.out!.data as Float64Array, w = res.w!.data as Float64Array, k = f['seq.seq'].data as Float64Array;
    for (let d = 0; d < D; d++) {
      const want = (softmax ? 1 : w[2]!) * k[2 * D + d]!;
      assert.ok(Math.abs(out[d]! - want) < 1e-12, `softmax=${softmax} d=${d}: ${out[d]} vs ${want}`);
      assert.ok(out[D + d] === 0, 'empty sequence: zero vector');
    }
    if (!softmax) assert.ok(Math.abs(w[2]!) > 1e-6 && Math.abs(w[2]! - 1) > 1e-6);
  }
});

test('permuting the sequence changes BST\'s output (positions) but not the mean-pooled baseline\'s', async () => {
  const perm = [3, 0, 4, 1, 2];
  const outs = async (b: SeqBlock, seqData: Float64Array) => {
    const g = new Graph({ float: 'float64' });
    g.output('out', build(g, b).out);
    const f = feeds(1, [1, 1, 1, 1, 1]);
    return (await run(g, { ...f, 'seq.seq': { data: seqData, dims: [1, L, D] } })).out!.data as Float64Array;
  };
  const x = randomFeed([1, L, D], 11).data as Float64Array;
  const px = new Float64Array(L * D);
  perm.forEach((p, i) => px.set(x.subarray(p * D, p * D + D), i * D));
  const maxDiff = (a: Float64Array, b: Float64Array) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
  const mean = block({ block: 'mean' });
  assert.ok(maxDiff(await outs(mean, x), await outs(mean, px)) < 1e-12, 'mean pooling is order-free');
  for (const after of ['din', 'mean']) {
    const bst = block({ block: 'bst', heads: 2, after });
    assert.ok(maxDiff(await outs(bst, x), await outs(bst, px)) > 1e-4, `BST (after ${after}) ignores the order`);
  }
  // DIN alone is order-free too (a set function); without positions so is BST + mean.
  const din = block({ block: 'din' });
  assert.ok(maxDiff(await outs(din, x), await outs(din, px)) < 1e-12);
  const bstNoPos = block({ block: 'bst', heads: 2, after: 'mean', position: false });
  assert.ok(maxDiff(await outs(bstNoPos, x), await outs(bstNoPos, px)) < 1e-10);
});

test('HSTU: token i attends only to itself and older tokens (j ≥ i) that are not padding; the candidate sees all', async () => {
  const g = new Graph({ float: 'float64' });
  const r = build(g, block({ block: 'hstu', heads: 2, layers: 2 }));
  g.output('w', r.weights!); g.output('out', r.out);
  const mask = [1, 1, 1, 0, 0];
  const w = (await run(g, feeds(1, mask))).w!.data as Float64Array; // [1, 2, 6, 6]
  const T = L + 1;
  let seen = 0;
  for (let h = 0; h < 2; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    const a = w[h * T * T + i * T + j]!;
    const allowed = j >= i && (j === 0 || mask[j - 1] === 1);
    if (!allowed) assert.ok(a === 0, `head ${h}: (${i}, ${j}) = ${a}`);
    else if (i === 0 && Math.abs(a) > 0) seen++;
  }
  assert.ok(seen >= 6, 'the candidate token attends to the valid history');
});

test('padded behaviours receive exactly zero gradient (DIN, BST, HSTU)', async () => {
  for (const b of [block({ block: 'din' }), block({ block: 'bst', heads: 2 }), block({ block: 'hstu', heads: 2 })]) {
    const g = new Graph({ float: 'float64' });
    const r = build(g, b);
    const loss = op.reduceSum(op.mul(r.all, r.all));
    const keys = g.inputs.find((t) => t.name === 'seq.seq')!;
    g.output('dk', gradients(loss, [keys])[0]!);
    const mask = [1, 1, 0, 0, 0, 1, 0, 1, 1, 0];
    const dk = (await run(g, feeds(2, mask))).dk!.data as Float64Array;
    mask.forEach((m, p) => {
      for (let d = 0; d < D; d++) {
        const v = dk[p * D + d]!;
        if (!m) assert.ok(v === 0, `${b.block}: padded position ${p} gets gradient ${v}`);
      }
    });
    assert.ok(dk.some((v) => Math.abs(v) > 1e-8), `${b.block}: no gradient at all`);
  }
});

test('finite-difference gradient checks: DIN (raw and softmax), BST → DIN, BST → mean (post- and pre-LN), HSTU', async () => {
  const cases: Record<string, unknown>[] = [
    { block: 'din', attention_mlp: [5], attention_activation: 'tanh' },
    { block: 'din', attention_mlp: [5], softmax: true },
    { block: 'bst', heads: 2, attention_mlp: [4], attention_activation: 'tanh' },
    { block: 'bst', heads: 1, after: 'mean', layers: 2 },
    { block: 'bst', heads: 2, after: 'mean', pre_ln: true },
    { block: 'hstu', heads: 2, layers: 2 },
  ];
  for (const c of cases) {
    const b = block(c);
    const r = await gradCheck((g) => {
      const out = build(g, b).all;
      const y = g.input('y', 'float64', ['B', 2 * D + 2]);
      return op.reduceSum(op.mul(op.tanh(out), y));
    }, { ...feeds(2, [1, 1, 1, 0, 0, 1, 0, 0, 0, 0], 3), y: randomFeed([2, 2 * D + 2], 9) }, { maxCoords: 16, wrt: undefined });
    for (const p of r.perTensor) {
      if (p.name === 'seq.seq_mask' || p.name === 'y') continue;
      assert.ok(p.relError <= 1e-6, `${JSON.stringify(c)}: d/d${p.name} relative error ${p.relError.toExponential(2)}`);
    }
    const seen = r.perTensor.find((p) => p.name === 'seq.seq')!;
    assert.ok(seen.norm > 0, `${JSON.stringify(c)}: zero gradient w.r.t. the behaviours`);
    assert.ok(r.perTensor.find((p) => p.name === 'emb')!.norm > 0);
  }
});

test('SIM soft search keeps the top-k by ⟨e_q, e_k⟩ in recency order, never padding; short rows keep all', () => {
  // Table: 6 rows of dim 2. Query row 0 = (1, 0): similarity = first coordinate.
  const values = Float32Array.from([1, 0, /*1*/ 0.5, 9, /*2*/ 3, 0, /*3*/ -1, 0, /*4*/ 2, 0, /*5*/ 10, 0]);
  const table = { values, dim: 2, rows: 6 };
  const seq = { ids: Int32Array.from([1, 2, 3, 4, 5, /* row 1 */ 3, 1, 0, 0, 0]), mask: Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 0, 0, 0]), lengths: Int32Array.from([4, 2]), maxLen: 5 };
  const stats = { rows: 0, offered: 0, kept: 0 };
  const out = simSoftSearch(seq, Int32Array.from([0, 0]), table, 3, stats);
  assert.equal(out.maxLen, 3);
  // Row 0: scores 0.5, 3, −1, 2 (id 5 is padding) → top-3 = ids 2, 4, 1 → recency order 1, 2, 4.
  assert.deepEqual(Array.from(out.ids.subarray(0, 3)), [1, 2, 4]);
  assert.deepEqual(Array.from(out.mask), [1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(out.ids.subarray(3)), [3, 1, 0]);
  assert.deepEqual(Array.from(out.lengths), [3, 2]);
  assert.deepEqual(stats, { rows: 2, offered: 6, kept: 5 });
  assert.throws(() => simSoftSearch(seq, Int32Array.from([0, 7]), table, 3), /query id 7 at row 1/);
});

test('SIM in the exported graph (TopK) selects exactly what the TypeScript lookup stage selects, ties included', async () => {
  const r = new Rng(1);
  const R = 12, Dt = 4, B = 300, Ls = 10, K = 4; // 12 ids in 10 slots: many repeats, i.e. exact ties
  const values = Float32Array.from({ length: R * Dt }, () => r.normal() * 0.05);
  const ids = new Int32Array(B * Ls), mask = new Uint8Array(B * Ls), lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const len = r.int(Ls + 1);
    lengths[b] = len;
    for (let j = 0; j < len; j++) { ids[b * Ls + j] = r.int(R); mask[b * Ls + j] = 1; }
  }
  const q = Int32Array.from({ length: B }, () => r.int(R));
  const ts = simSoftSearch({ ids, mask, lengths, maxLen: Ls }, q, { values, dim: Dt, rows: R }, K);
  const g = new Graph();
  const sel = simSelectGraph(g.input('t', 'float32', [R, Dt]), g.input('i', 'int64', ['B', Ls]), g.input('m', 'float32', ['B', Ls]), g.input('q', 'int64', ['B']), K);
  g.output('sel_ids', sel.ids); g.output('sel_mask', sel.mask);
  const i64 = (a: Int32Array) => BigInt64Array.from(a, (v) => BigInt(v));
  const out = await (await Runner.fromGraph(g)).run({ t: { data: values, dims: [R, Dt] }, i: { data: i64(ids), dims: [B, Ls] }, m: { data: Float32Array.from(mask), dims: [B, Ls] }, q: { data: i64(q), dims: [B] } });
  assert.deepEqual(Array.from(out.sel_ids!.data as BigInt64Array, Number), Array.from(ts.ids));
  assert.deepEqual(Array.from(out.sel_mask!.data as Float32Array), Array.from(ts.mask));
});

test('BST time_feature: aligned time-since embeddings (projected to D) enter the encoder; FD check through them', async () => {
  const lay: InputLayout = { fields: [...layout.fields, { name: 'age', dim: 2, offset: 2 * D + 2, length: L }], denseWidth: 0 };
  const b = parseSequence([{ feature: 'seq', query: 'streamer_id', block: 'bst', heads: 2, time_feature: 'age' }])[0]!;
  const mk = (g: Graph) => applySequenceBlocks(new ModelInputs(g, lay), [b]).inputs.field('seq');
  const base = { ...feeds(2, [1, 1, 1, 0, 0, 1, 1, 0, 0, 0], 3), emb: randomFeed([2, 2 * D + 4], 3), 'seq.age': randomFeed([2, L, 2], 4), 'seq.age_mask': f64([1, 1, 1, 0, 0, 1, 1, 0, 0, 0], [2, L]) };
  const g = new Graph({ float: 'float64' });
  g.output('out', mk(g));
  assert.ok(g.params.has('seq.seq.time_proj.weight'), 'the 2-dim time embedding is projected to D');
  const a = (await run(g, base)).out!.data as Float64Array;
  const c = (await run(g, { ...base, 'seq.age': randomFeed([2, L, 2], 5) })).out!.data as Float64Array;
  assert.ok(a.some((v, i) => Math.abs(v - c[i]!) > 1e-6), 'time embeddings do not reach the output');
  const r = await gradCheck((gg) => op.reduceSum(op.tanh(mk(gg))), base, { wrt: ['seq.age', 'seq.seq', 'seq.seq.time_proj.weight'], maxCoords: 16 });
  for (const p of r.perTensor) assert.ok(p.relError <= 1e-6, `d/d${p.name}: ${p.relError}`);
  assert.throws(() => parseSequence([{ feature: 'seq', query: 'q', block: 'bst', time_feature: 'age', sim: { k: 3 } }]), /time_feature with sim/);
});

test('config errors name the block and the key', () => {
  assert.throws(() => parseSequence([{ feature: 'seq', block: 'din' }]), /model\.sequence\[0\] \(seq\): block din needs `query`/);
  assert.throws(() => parseSequence([{ feature: 'seq', query: 'q', block: 'lstm' }]), /model\.sequence\[0\]/);
  assert.throws(() => parseSequence([{ feature: 'seq', query: 'q', sim: { k: 5000 } }]), /sim/);
  assert.throws(() => parseSequence({ feature: 'seq' }), /expected a list/);
  const g = new Graph({ float: 'float64' });
  assert.throws(() => applySequenceBlocks(new ModelInputs(g, layout), [block({ block: 'din', feature: 'other' } as never)]), /"other" is not a sequence/);
});
