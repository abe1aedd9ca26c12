// The reference MMoE of ../shared/bench/torch_mmoe.py, trained end to end by liverank: 26 sparse
// fields × 16 dims gathered from one 100k-row table in TypeScript (lazy Adam on touched rows),
// 13 dense inputs, 4 experts [256, 128], 2 softmax gates, 2 towers [64, 1], BCE ×2, Adam 1e-3 as an
// ONNX graph on a worker thread (TrainStep optimizerThread; LIVERANK_OPT_THREAD=0 keeps it inside the
// step graph, for comparison). When Debian's PyTorch is installed, the PyTorch script runs
// interleaved with ours in the same run and both are printed side by side.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Graph, Shape, Tensor } from '../src/engine/graph.js';
import type { Feed } from '../src/engine/runtime.js';
import { lookupRows } from '../src/engine/lookup.js';
import * as op from '../src/engine/ops/index.js';
import { TrainStep } from '../src/engine/step.js';
import { EmbeddingTable } from '../src/embedding/index.js';
import { forward } from '../src/models/assemble.js';
import { resolveModel } from '../src/models/registry.js';
import { EMB_INPUT, type InputLayout, type TaskInfo } from '../src/models/base.js';
import { bceWithLogits, reduceTaskLoss } from '../src/train/losses.js';
import { Rng } from '../src/util/rng.js';
import type { BenchOptions } from './run.js';

const F = 26, D = 16, V = 100_000, DENSE = 13;
const here = dirname(fileURLToPath(import.meta.url));
const TORCH_SCRIPT = [resolve(here, '../../shared/bench/torch_mmoe.py'), '/work/shared/bench/torch_mmoe.py'].find(existsSync);
const PYTHON = '/usr/bin/python3';

export function torchAvailable(): boolean {
  if (!TORCH_SCRIPT || !existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function runTorch(batch: number, steps: number): number | null {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT!, '--batch', String(batch), '--steps', String(steps), '--threads', '2'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const line = r.stdout.trim().split('\n').pop()!;
  return (JSON.parse(line) as { samples_per_s: number }).samples_per_s;
}

const tasks: TaskInfo[] = [{ name: 't0', kind: 'binary' }, { name: 't1', kind: 'binary' }];
const layout: InputLayout = {
  fields: Array.from({ length: F }, (_, f) => ({ name: `f${f}`, dim: D, offset: f * D })),
  denseWidth: DENSE,
};

export async function makeReference(batch: number, optimizerThread = process.env.LIVERANK_OPT_THREAD !== '0') {
  const model = resolveModel({ type: 'mmoe', experts: 4, expert: [256, 128], tower: [64] }, tasks);
  const build = (g: Graph) => {
    const f = forward(g, model, layout, tasks);
    const losses = tasks.map((t) => {
      const y = g.input(`label.${t.name}`, 'float32', ['B', 1]);
      return reduceTaskLoss(bceWithLogits(f.out.logits[t.name]!, y), null, null);
    });
    return { loss: op.addN(losses) as Tensor, gradInputs: { emb: f.inputs.emb! } };
  };
  // Lazy Adam with the global step's bias correction (PyTorch SparseAdam / TF LazyAdam semantics);
  // the table default ('row', per-row step counts) costs one more random access per touched row.
  const table = new EmbeddingTable({ name: 'shared', dim: D, rows: V, optimizer: { kind: 'adam', lr: 1e-3, biasCorrection: 'global' } });
  // The graph gathers the 26 fields' rows from the table (fed as an input, no copy).
  const parts = Array.from({ length: F }, (_, f) => ({ ids: `ids.f${f}`, table: 'shared' }));
  const substitute = (g: Graph, name: string, _d: unknown, shape: Shape) => (name !== EMB_INPUT ? null
    : lookupRows(g, parts, () => g.inputs.find((t) => t.name === 'table') ?? g.rawInput('table', 'float32', [V, D]), 'int32', shape));
  const step = await TrainStep.create(build, { optimizer: { type: 'adam', lr: 1e-3 }, seed: 0, threads: 2, substitute, optimizerThread });
  const r = new Rng(0);
  const ids = Array.from({ length: F }, () => Int32Array.from({ length: batch }, () => r.int(V)));
  const dense = Float32Array.from({ length: batch * DENSE }, () => r.normal());
  const offsets = Array.from({ length: F }, (_, f) => f * D);
  const labels = tasks.map(() => Float32Array.from({ length: batch }, () => (r.next() > 0.8 ? 1 : 0)));
  const once = async () => {
    const feeds: Record<string, Feed> = { table: { data: table.values, dims: [V, D] } };
    for (let f = 0; f < F; f++) feeds[`ids.f${f}`] = { data: ids[f]!, dims: [batch] };
    const res = await step.run({
      ...feeds,
      dense: { data: dense, dims: [batch, DENSE] },
      'label.t0': { data: labels[0]!, dims: [batch, 1] },
      'label.t1': { data: labels[1]!, dims: [batch, 1] },
    }, undefined, (r) => {
      // The sparse update, while the dense optimizer update runs on its worker thread.
      const grad = r.inputGrads.emb!.data as Float32Array;
      table.accumulateFields(ids, grad, offsets, F * D);
      table.step();
    });
    return res.loss;
  };
  return { once, step, table };
}

async function runOurs(batch: number, steps: number, warmup: number): Promise<number> {
  const ref = await makeReference(batch);
  try {
    for (let i = 0; i < warmup; i++) await ref.once();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await ref.once();
    return (batch * steps * 1000) / (performance.now() - t0);
  } finally {
    await ref.step.dispose();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(o: BenchOptions): Promise<void> {
  const batches = [1024, 4096];
  // The VM's speed drifts by ±15 % within minutes (other tenants), so each round runs PyTorch and
  // liverank back to back and the reported ratio is the median of the per-round ratios.
  const rounds = o.quick ? 1 : 5;
  const haveTorch = torchAvailable();
  if (!haveTorch && !o.json) {
    console.log('PyTorch reference not found (apt-get install -y python3-torch libopenblas0-pthread); liverank only.');
  }
  const rows: { batch: number; ours: number; torch: number | null; ratio: number | null; ratios: number[] }[] = [];
  for (const batch of batches) {
    const steps = o.quick ? 5 : batch >= 4096 ? 15 : 40;
    const ours: number[] = [], torch: number[] = [], ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = haveTorch ? runTorch(batch, steps) : null;
      const us = await runOurs(batch, steps, 3);
      ours.push(us);
      if (t) { torch.push(t); ratios.push(us / t); }
    }
    rows.push({ batch, ours: median(ours), torch: torch.length ? median(torch) : null, ratio: ratios.length ? median(ratios) : null, ratios });
  }
  for (const r of rows) {
    const ratio = r.ratio;
    if (o.json) {
      console.log(JSON.stringify({
        bench: 'train-mmoe', batch: r.batch, liverank_samples_per_s: Math.round(r.ours),
        torch_samples_per_s: r.torch === null ? null : Math.round(r.torch), ratio: ratio === null ? null : +ratio.toFixed(2),
      }));
    }
  }
  if (!o.json) {
    console.log(`reference MMoE training (26×16 emb from 100k rows + 13 dense → 4 experts [256,128] → 2 gates → 2 towers [64,1]); ${rounds} rounds of PyTorch then liverank; samples/s: median over rounds; ratio: median of the per-round ratios (each round's in brackets)`);
    console.log('| batch | liverank samples/s | PyTorch samples/s | ratio |');
    console.log('|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.batch} | ${Math.round(r.ours).toLocaleString('en-US')} | ${r.torch === null ? 'n/a' : Math.round(r.torch).toLocaleString('en-US')} | ${r.ratio !== null ? `${r.ratio.toFixed(2)}× (${r.ratios.map((x) => x.toFixed(2)).join(', ')})` : 'n/a'} |`);
    }
  }
}
