// A sequence block is an input block of every registry model: with `sequence: [{ block: din }]` each
// model builds, its predictions move when the behaviours change and stay put (bit for bit) when only
// padded rows change. (Export parity of sequence models: seq-train.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../../engine/graph.js';
import { Runner, type Feed } from '../../engine/runtime.js';
import { initialize } from '../../engine/params.js';
import { Rng } from '../../util/rng.js';
import type { InputLayout, TaskInfo } from '../base.js';
import { forward } from '../assemble.js';
import { resolveModel } from '../registry.js';
import '../../engine/gradients/index.js';

const D = 4, L = 6, B = 8;
const layout: InputLayout = {
  fields: [{ name: 'a', dim: D, offset: 0, ids: 5 }, { name: 'b', dim: D, offset: D, ids: 5 }, { name: 'seq', dim: D, offset: 2 * D, length: L }],
  denseWidth: 3,
};
const two: TaskInfo[] = [{ name: 't1', kind: 'binary' }, { name: 't2', kind: 'binary' }];
const seq = [{ feature: 'seq', query: 'a', block: 'din', attention_mlp: [6] }];
const cases: [string, Record<string, unknown>, TaskInfo[]][] = [
  ['dnn', { type: 'dnn', hidden: [8] }, two],
  ['shared_bottom', { type: 'shared_bottom', bottom: [8], tower: [4] }, two],
  ['esmm', { type: 'esmm', ctr_task: 't1', ctcvr_task: 't2', tower: [8] }, two],
  ['mmoe', { type: 'mmoe', experts: 2, expert: [8], tower: [4] }, two],
  ['cgc', { type: 'cgc', shared_experts: 2, task_experts: 1, expert: [8], tower: [4] }, two],
  ['ple', { type: 'ple', levels: 2, shared_experts: 2, task_experts: 1, expert: [8], tower: [4] }, two],
  ['deepfm', { type: 'deepfm', hidden: [8] }, [two[0]!]],
  ['dcn_v2', { type: 'dcn_v2', cross_layers: 1, hidden: [8] }, [two[0]!]],
  ['ppnet', { type: 'ppnet', prior_features: ['b'], tower: [8] }, two],
  ['epnet', { type: 'epnet', domain_features: ['b'] }, two],
  ['pepnet', { type: 'pepnet', domain_features: ['b'], prior_features: ['a'], tower: [8] }, two],
  ['mmoe_ppnet', { type: 'mmoe_ppnet', pattern: 'prior_gates', prior_features: ['b'], experts: 2, expert: [8], tower: [4] }, two],
  ['star', { type: 'star', domain: 'b', bottom: [8], tower: [4] }, two],
  ['hstu (its own block)', { type: 'hstu', bottom: [8], tower: [4], sequence: [{ feature: 'seq', query: 'a', block: 'hstu', heads: 2 }] }, two],
];

function inputs(r: Rng): Record<string, Feed> {
  const mask = Float32Array.from({ length: B * L }, (_, i) => (i % L < 1 + (Math.floor(i / L) % L) ? 1 : 0));
  return {
    emb: { data: Float32Array.from({ length: B * 3 * D }, () => r.normal()), dims: [B, 3 * D] },
    dense: { data: Float32Array.from({ length: B * 3 }, () => r.normal()), dims: [B, 3] },
    'seq.seq': { data: Float32Array.from({ length: B * L * D }, () => r.normal()), dims: [B, L, D] },
    'seq.seq_mask': { data: mask, dims: [B, L] },
    'ids.b': { data: BigInt64Array.from({ length: B }, () => BigInt(r.int(5))), dims: [B] },
  };
}

for (const [name, section, tasks] of cases) {
  test(`${name} with a DIN sequence block: builds; the behaviours move its predictions, padding does not`, async () => {
    const m = resolveModel({ sequence: seq, ...section }, tasks);
    const g = new Graph();
    const f = forward(g, m, layout, tasks);
    for (const [k, t] of Object.entries(f.preds)) g.output(`pred.${k}`, t);
    const r = new Rng(3);
    const base = inputs(r);
    const feeds: Record<string, Feed> = {};
    for (const t of g.inputs) {
      if (base[t.name]) { feeds[t.name] = base[t.name]!; continue; }
      const p = g.params.get(t.name);
      if (!p) throw new Error(`${name}: no feed for input ${t.name}`);
      const data = new Float32Array(p.spec.shape.reduce((a, c) => a * c, 1));
      initialize(p.spec, data, 5);
      if (/gate|ppnet|epnet/.test(t.name) && /\.1\.weight$/.test(t.name)) data.forEach((_, i) => (data[i] = 0.05 * Math.sin(i))); // zero-initialised gates made non-neutral
      feeds[t.name] = { data, dims: p.spec.shape };
    }
    assert.ok(g.inputs.some((t) => t.name === 'seq.seq'), `${name}: the block's rows are not an input`);
    const run = await Runner.fromGraph(g);
    const pred = async (fs: Record<string, Feed>) => Array.from((await run.run(fs))[`pred.${tasks[0]!.name}`]!.data as Float32Array);
    const p0 = await pred(feeds);
    assert.ok(p0.every(Number.isFinite));
    const rows = Float32Array.from(feeds['seq.seq']!.data as Float32Array);
    const mask = feeds['seq.seq_mask']!.data as Float32Array;
    const pad = Float32Array.from(rows), real = Float32Array.from(rows);
    for (let i = 0; i < B * L; i++) for (let d = 0; d < D; d++) (mask[i] ? real : pad)[i * D + d] += 0.7;
    const pPad = await pred({ ...feeds, 'seq.seq': { data: pad, dims: [B, L, D] } });
    const pReal = await pred({ ...feeds, 'seq.seq': { data: real, dims: [B, L, D] } });
    assert.deepEqual(pPad, p0, `${name}: changing padded rows changed a prediction`);
    assert.ok(pReal.some((v, i) => Math.abs(v - p0[i]!) > 1e-6), `${name}: the behaviours do not reach the predictions`);
  });
}
