// `npm run bench -- seq [--json] [--quick] [--L=20,50] [--block=mean,din]`: the cost of behaviour-sequence blocks (models/seq/).
// A serving-sized MMoE (24 id fields × 8 dims from one 100k-row table, 16 dense, 4 experts [128],
// 2 towers [64]) plus one behaviour sequence of length L (ids from the same table), read by:
//   mean  the pooled baseline (the lookup's masked mean, no block);
//   din   DIN target attention (activation unit MLP [36], no softmax);
//   bst   one self-attention layer (2 heads, FFN 32) then DIN;
//   +sim  SIM soft search first: top-50 of the L behaviours by ⟨e_candidate, e_behaviour⟩ in
//         TypeScript, the graph sees 50 (the selection is inside the timed region); ranking is also
//         timed with the selection inside the exported model (TopK; what `liverank train` exports).
// Training: samples/s of TrainStep (batch 1024; in-graph gather, dense Adam, sparse Adam scatter).
// Fine ranking: one request = one user's sequence × 500 candidates through the EXPORTED model
// (tables folded in, int64 ids; one ORT session, default threads), p50 / p99 over repeated runs —
// model.onnx (the sequence fed per candidate) and the request model (fed once, [1, L]) —
// SIM selection and the int64 feeds included. Machine shared: numbers as measured (load printed).
// `--plot=FILE.svg` also draws the time-vs-length curves (bench/seq-plot.ts).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { renderChart } from '../src/diagnostics/report/render.js';
import { timeVsLengthChart } from './seq-plot.js';
import * as ort from 'onnxruntime-node';
import type { Graph, Shape } from '../src/engine/graph.js';
import type { Feed } from '../src/engine/runtime.js';
import { sessionOptions } from '../src/engine/runtime.js';
import { lookupRows, type LookupPart } from '../src/engine/lookup.js';
import * as op from '../src/engine/ops/index.js';
import { TrainStep } from '../src/engine/step.js';
import { exportForward } from '../src/engine/export.js';
import { EmbeddingTable } from '../src/embedding/index.js';
import { NO_ROW } from '../src/embedding/mapper.js';
import { forward } from '../src/models/assemble.js';
import { resolveModel } from '../src/models/registry.js';
import { EMB_INPUT, type InputLayout, type TaskInfo } from '../src/models/base.js';
import { sequenceRowTensors } from '../src/models/seq/rows.js';
import { simSoftSearch } from '../src/models/seq/sim.js';
import { simSelectGraph } from '../src/models/seq/sim-graph.js';
import { bceWithLogits, reduceTaskLoss } from '../src/train/losses.js';
import { Rng } from '../src/util/rng.js';
import { toInt64 } from '../src/serving/fine-ranker-model.js';
import type { BenchOptions } from './run.js';

const F = 24, D = 8, V = 100_000, DENSE = 16, K = 50, CANDIDATES = 500;
const tasks: TaskInfo[] = [{ name: 't0', kind: 'binary' }, { name: 't1', kind: 'binary' }];
type Block = 'mean' | 'din' | 'bst';
interface Case { block: Block; L: number; sim: boolean }

function setup(c: Case) {
  const Lg = c.sim ? Math.min(K, c.L) : c.L; // positions the graph sees
  const layout: InputLayout = {
    fields: [...Array.from({ length: F }, (_, f) => ({ name: f === 0 ? 'streamer_id' : `f${f}`, dim: D, offset: f * D, ids: V })),
      { name: 'seq', dim: D, offset: F * D, length: Lg }],
    denseWidth: DENSE,
  };
  const sequence = c.block === 'mean' ? [] : [{ feature: 'seq', query: 'streamer_id', block: c.block, attention_mlp: [36], heads: 2, ffn: 32, after: 'din' }];
  const model = resolveModel({ type: 'mmoe', experts: 4, expert: [128], tower: [64], sequence }, tasks);
  const parts: LookupPart[] = [...layout.fields.slice(0, F).map((f) => ({ ids: `ids.${f.name}`, table: 'T' })), { ids: 'ids.seq', table: 'T', length: Lg, pooling: 'mean' }];
  const rowPart: LookupPart[] = [{ ids: 'ids.seq', table: 'T', length: Lg, pooling: 'none' }];
  const build = (g: Graph) => {
    const f = forward(g, model, layout, tasks);
    const outputs = { p0: f.preds.t0!, p1: f.preds.t1! };
    if (!g.training) return { outputs };
    const losses = tasks.map((t) => reduceTaskLoss(bceWithLogits(f.out.logits[t.name]!, g.input(`label.${t.name}`, 'float32', ['B', 1])), null, null));
    return { loss: op.addN(losses), outputs, gradInputs: { emb: f.inputs.emb!, ...sequenceRowTensors(g) } };
  };
  const substitute = (g: Graph, name: string, _d: unknown, shape: Shape) => {
    if (name === 'seq.seq_mask') return g.inputs.find((t) => t.name === 'ids.seq_mask') ?? g.rawInput('ids.seq_mask', 'float32', ['B', Lg]);
    if (name !== EMB_INPUT && name !== 'seq.seq') return null;
    const tab = () => g.inputs.find((t) => t.name === 'table') ?? g.rawInput('table', 'float32', [V, D]);
    return lookupRows(g, name === EMB_INPUT ? parts : rowPart, tab, 'int32', shape);
  };
  return { Lg, build, substitute, parts, rowPart };
}

/** A batch: F ids per row (field 0 = the candidate streamer), a sequence of L ids (lengths ≥ L/2), dense, labels. */
function batchData(r: Rng, B: number, L: number, oneUser: boolean) {
  const ids = Array.from({ length: F }, (_, f) => {
    const a = new Int32Array(B);
    const same = oneUser && f >= F / 2 ? r.int(V) : -1; // request-level fields: one value per request
    for (let b = 0; b < B; b++) a[b] = same >= 0 ? same : r.int(V);
    return a;
  });
  const seq = new Int32Array(B * L), mask = new Uint8Array(B * L), lengths = new Int32Array(B);
  const userSeq = Int32Array.from({ length: L }, () => r.int(V)), userLen = L - r.int(Math.floor(L / 2));
  for (let b = 0; b < B; b++) {
    const len = oneUser ? userLen : L - r.int(Math.floor(L / 2));
    lengths[b] = len;
    for (let j = 0; j < len; j++) { seq[b * L + j] = oneUser ? userSeq[j]! : r.int(V); mask[b * L + j] = 1; }
  }
  const dense = Float32Array.from({ length: B * DENSE }, () => r.normal());
  const labels = tasks.map(() => Float32Array.from({ length: B }, () => (r.next() > 0.8 ? 1 : 0)));
  return { ids, seq: { ids: seq, mask, lengths, maxLen: L }, dense, labels };
}

const quant = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]!; };

async function measure(c: Case, o: BenchOptions) {
  const s = setup(c);
  const table = new EmbeddingTable({ name: 'T', dim: D, rows: V, seed: 1, init: { kind: 'normal', std: 0.05 }, optimizer: { kind: 'adam', lr: 1e-3 } });
  const r = new Rng(7);
  // ---- training ----
  const B = 1024;
  const step = await TrainStep.create(s.build, { optimizer: { type: 'adam', lr: 1e-3 }, seed: 0, substitute: s.substitute, optimizerThread: true });
  const data = batchData(r, B, c.L, false);
  const once = async () => {
    const seq = c.sim ? simSoftSearch(data.seq, data.ids[0]!, table, K) : data.seq;
    const feeds: Record<string, Feed> = { table: { data: table.values, dims: [V, D] }, dense: { data: data.dense, dims: [B, DENSE] } };
    for (let f = 0; f < F; f++) feeds[`ids.${f === 0 ? 'streamer_id' : `f${f}`}`] = { data: data.ids[f]!, dims: [B] };
    feeds['ids.seq'] = { data: seq.ids, dims: [B, s.Lg] };
    feeds['ids.seq_mask'] = { data: Float32Array.from(seq.mask), dims: [B, s.Lg] };
    tasks.forEach((t, i) => { feeds[`label.${t.name}`] = { data: data.labels[i]!, dims: [B, 1] }; });
    await step.run(feeds, undefined, (res) => {
      const W = (F + 1) * D;
      table.accumulateFields(data.ids, res.inputGrads.emb!.data as Float32Array, data.ids.map((_, f) => f * D), W);
      const rows = res.inputGrads['seq.seq'];
      if (rows) {
        const ids = Int32Array.from(seq.ids, (v, i) => (seq.mask[i] ? v : NO_ROW));
        table.accumulate(ids, rows.data as Float32Array, 0, D);
      } else table.accumulatePooled(seq.ids, seq.mask, s.Lg, 'mean', res.inputGrads.emb!.data as Float32Array, F * D, W);
      table.step();
    });
  };
  const warm = 2, steps = o.quick ? 3 : c.L >= 1000 && !c.sim ? 4 : 10;
  for (let i = 0; i < warm; i++) await once();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await once();
  const trainSps = (B * steps * 1000) / (performance.now() - t0);
  // ---- fine ranking: the exported model, 500 candidates of one user ----
  const tables = { T: { values: table.values, rows: V, dim: D } };
  const maskSub = (g: Graph, name: string) => (name === 'seq.seq_mask' ? g.inputs.find((t) => t.name === 'ids.seq_mask') ?? g.rawInput('ids.seq_mask', 'float32', ['B', s.Lg]) : null);
  const bytes = exportForward(s.build, step.store, {
    folds: [{ input: EMB_INPUT, parts: s.parts }, ...(c.block === 'mean' ? [] : [{ input: 'seq.seq', parts: s.rowPart }])],
    tables, outputs: ['p0', 'p1'], substitute: maskSub,
  });
  // SIM inside the model (what `liverank train` exports): the whole sequence in, TopK selection in the graph.
  const inModel = !c.sim ? null : exportForward(s.build, step.store, {
    folds: [{ input: EMB_INPUT, parts: s.parts.map((p) => (p.length ? { ...p, length: c.L } : p)) }],
    tables, outputs: ['p0', 'p1'],
    substitute: (g, name, _d, _s, tableOf) => {
      if (name !== 'seq.seq' && name !== 'seq.seq_mask') return null;
      const inp = (n: string, dt: 'int64' | 'float32', sh: (string | number)[]) => g.inputs.find((t) => t.name === n) ?? g.rawInput(n, dt, sh);
      const sel = simSelectGraph(tableOf('T'), inp('ids.seq', 'int64', ['B', c.L]), inp('ids.seq_mask', 'float32', ['B', c.L]), inp('ids.streamer_id', 'int64', ['B']), K);
      return name === 'seq.seq_mask' ? sel.mask : op.mul(op.gather(tableOf('T'), sel.ids, 0), op.unsqueeze(sel.mask, [2]));
    },
  });
  // The request model (what `liverank train` exports beside model.onnx): the user's sequence fed once, [1, L].
  const sharedMask = (g: Graph, name: string) => (name === 'seq.seq_mask' ? g.inputs.find((t) => t.name === 'ids.seq_mask') ?? g.rawInput('ids.seq_mask', 'float32', [1, s.Lg]) : null);
  const requestModel = c.sim ? null : exportForward(s.build, step.store, {
    folds: [{ input: EMB_INPUT, parts: s.parts.map((p) => (p.length ? { ...p, shared: true } : p)) }, ...(c.block === 'mean' ? [] : [{ input: 'seq.seq', parts: s.rowPart.map((p) => ({ ...p, shared: true })) }])],
    tables, outputs: ['p0', 'p1'], substitute: sharedMask,
  });
  await step.dispose();
  const req = batchData(r, CANDIDATES, c.L, true);
  const i64 = (a: Int32Array) => toInt64(a); // the fine ranker's conversion
  const time = async (model: Uint8Array, tsSelect: boolean, shared = false) => {
    const session = await ort.InferenceSession.create(model, sessionOptions({}));
    const rank = async () => {
      const t = performance.now();
      const seq = tsSelect ? simSoftSearch(req.seq, req.ids[0]!, table, K) : req.seq;
      const feeds: Record<string, ort.Tensor> = { dense: new ort.Tensor('float32', req.dense, [CANDIDATES, DENSE]) };
      for (let f = 0; f < F; f++) feeds[`ids.${f === 0 ? 'streamer_id' : `f${f}`}`] = new ort.Tensor('int64', i64(req.ids[f]!), [CANDIDATES]);
      const rows = shared ? 1 : CANDIDATES; // the request model: row 0's sequence (every row holds the user's)
      feeds['ids.seq'] = new ort.Tensor('int64', i64(seq.ids.subarray(0, rows * seq.maxLen)), [rows, seq.maxLen]);
      feeds['ids.seq_mask'] = new ort.Tensor('float32', Float32Array.from(seq.mask.subarray(0, rows * seq.maxLen)), [rows, seq.maxLen]);
      await session.run(feeds);
      return performance.now() - t;
    };
    for (let i = 0; i < 5; i++) await rank();
    const lat: number[] = [];
    const n = o.quick ? 10 : c.L >= 1000 && !c.sim ? 20 : 60;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) lat.push(await rank());
    const cpu = process.cpuUsage(cpu0);
    await session.release();
    // CPU ms per request (all threads of this process): less sensitive to other tenants than wall time.
    return { p50: quant(lat, 0.5), p99: quant(lat, 0.99), cpuMs: (cpu.user + cpu.system) / 1000 / n, runs: n };
  };
  const ts = await time(bytes, c.sim);
  const gm = inModel ? await time(inModel, false) : null;
  const rm = requestModel ? await time(requestModel, false, true) : null;
  return { ...c, graphL: s.Lg, trainSps, ...ts, inModel: gm, request: rm };
}

export default async function bench(o: BenchOptions): Promise<void> {
  let cases: Case[] = [];
  for (const L of [20, 50, 200, 1000]) {
    cases.push({ block: 'mean', L, sim: false }, { block: 'din', L, sim: false });
    if (L <= 200) cases.push({ block: 'bst', L, sim: false });
  }
  cases.push({ block: 'din', L: 1000, sim: true }, { block: 'bst', L: 1000, sim: true });
  // --L=20,50 / --block=din: a subset of the cases.
  const arg = (k: string) => o.args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3).split(',');
  const Ls = arg('L')?.map(Number), blocks = arg('block');
  if (Ls) cases = cases.filter((c) => Ls.includes(c.L));
  if (blocks) cases = cases.filter((c) => blocks.includes(c.block));
  const load0 = loadavg()[0]!;
  const rows = [];
  for (const c of cases) {
    const m = await measure(c, o);
    rows.push(m);
    if (o.json) console.log(JSON.stringify({ bench: 'seq', block: m.block, L: m.L, sim: m.sim, graph_L: m.graphL, train_samples_per_s: Math.round(m.trainSps), rank500_p50_ms: +m.p50.toFixed(2), rank500_p99_ms: +m.p99.toFixed(2), rank500_cpu_ms: +m.cpuMs.toFixed(2), runs: m.runs, ...(m.inModel ? { sim_in_model_p50_ms: +m.inModel.p50.toFixed(2), sim_in_model_p99_ms: +m.inModel.p99.toFixed(2), sim_in_model_cpu_ms: +m.inModel.cpuMs.toFixed(2) } : {}), ...(m.request ? { request_model_p50_ms: +m.request.p50.toFixed(2), request_model_p99_ms: +m.request.p99.toFixed(2), request_model_cpu_ms: +m.request.cpuMs.toFixed(2) } : {}), load: +loadavg()[0]!.toFixed(1) }));
  }
  const plot = o.args.find((a) => a.startsWith('--plot='))?.slice('--plot='.length);
  if (plot) {
    const warnings: string[] = [];
    const svg = await renderChart(timeVsLengthChart(rows, `MMoE + one sequence; 500 candidates of one user; load ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on 2 cores; ${new Date().toISOString().slice(0, 16)} UTC`), warnings);
    if (warnings.length) throw new Error(`seq bench plot: ${warnings.join('; ')}`);
    writeFileSync(plot, svg);
    console.error(`wrote ${plot}`);
  }
  if (o.json) return;
  console.log(`sequence blocks: MMoE (24×8 emb from 100k rows + 16 dense → 4 experts [128] → 2 towers [64]) + one sequence of L; training batch 1024; fine ranking = exported model, 500 candidates of one user (p99 over the runs; budget 10 ms); load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} on ${2} shared cores`);
  console.log('| block | L | graph sees | train samples/s | rank 500 p50 ms | rank 500 p99 ms | CPU ms / rank | request model p50 / p99 ms | runs |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const rq = (m: { request: { p50: number; p99: number } | null }) => (m.request ? `${m.request.p50.toFixed(2)} / ${m.request.p99.toFixed(2)}` : '');
  for (const m of rows) {
    console.log(`| ${m.block}${m.sim ? ' + SIM top-50' : ''} | ${m.L} | ${m.graphL} | ${Math.round(m.trainSps).toLocaleString('en-US')} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.cpuMs.toFixed(1)} | ${rq(m)} | ${m.runs} |`);
    if (m.inModel) console.log(`| ${m.block} + SIM top-50 in the model | ${m.L} | ${m.graphL} | | ${m.inModel.p50.toFixed(2)} | ${m.inModel.p99.toFixed(2)} | ${m.inModel.cpuMs.toFixed(1)} | | ${m.inModel.runs} |`);
  }
}
