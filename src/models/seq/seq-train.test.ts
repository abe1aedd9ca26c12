// Sequence blocks end to end on a small world: a multi-task model with DIN over one sequence and
// BST + SIM soft search over another trains (loss falls, the table rows of attended behaviours
// move), and the exported model.onnx (tables folded, ids in) scores like the trainer's evaluator;
// so does model.request.onnx fed a request's shared sequences once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import { openSession, train } from '../../train/trainer.js';
import { sliceTable } from '../../data/table.js';
import { transform, loadFitted } from '../../features/index.js';
import { findCheckpoint, restoreParams } from '../../train/run-dir.js';
import { Evaluator, ensureLayout } from '../../engine/step.js';
import { ParameterStore } from '../../engine/store.js';
import { predOutput } from '../../train/heads.js';
import { worldIdFeatures } from '../../train/fixtures/world-features.js';
import { feedsFor, type ModelManifest } from '../../serving/fine-ranker-model.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(),
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 } },
    { name: 'seq_streamers', kind: 'sequence', column: 'seq_streamer_ids', max_len: 8, embedding: 'streamer_id' },
    { name: 'seq_categories', kind: 'sequence', column: 'seq_category_ids', max_len: 10, embedding: 'category' },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
  ],
};

function config(model: Record<string, unknown>): TrainConfig {
  return parseTrainConfig({
    name: 'seq-tiny',
    seed: 5,
    data: { source: 'world', impressions: 12000, world_seed: 2, split: [0.6, 0.2, 0.2] },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
    ],
    model,
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 256 },
  }, process.cwd(), 'test config');
}

async function exportParity(cfg: TrainConfig, out: string, shared: string[]): Promise<void> {
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'best')!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const n = 64;
  const fb = transform(loadFitted(join(out, 'features.json')), sliceTable(s.splits.test, 0, n));
  const want = await ev.run(s.asm.feeds(fb));
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as ModelManifest;
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  // Serving feeds the exported model the whole sequences (as the fine ranker does); a SIM block
  // selects inside the model what the trainer's lookup stage selected.
  const feeds = feedsFor(manifest, fb);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as Float32Array, f.dims);
  const got = await session.run(ortFeeds);
  let maxDiff = 0;
  for (const t of cfg.tasks) {
    const a = want[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  }
  assert.ok(maxDiff <= 1e-5, `exported vs trainer: max |Δp| ${maxDiff}`);
  await requestParity(cfg, out, s, ev, shared);
}

const toOrt = (feeds: Record<string, { data: unknown; dims: readonly number[] }>) =>
  Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as Float32Array, f.dims)]));

/**
 * One request (64 candidates, every row carrying row 0's sequences): model.request.onnx fed each
 * shared sequence ONCE ([1, L]) scores like model.onnx and the trainer; it takes exactly `shared`.
 */
async function requestParity(cfg: TrainConfig, out: string, s: Awaited<ReturnType<typeof openSession>>, ev: Evaluator, shared: string[]): Promise<void> {
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as ModelManifest;
  assert.deepEqual(manifest.request?.shared, shared.map((f) => `ids.${f}`));
  const n = 64;
  const t = sliceTable(s.splits.test, 0, n);
  const columns = { ...t.columns };
  for (const c of ['seq_streamer_ids', 'seq_category_ids']) columns[c] = Array.from({ length: n }, () => (t.columns[c] as (string | null)[])[0]!);
  const fb = transform(loadFitted(join(out, 'features.json')), { numRows: n, columns });
  const want = await ev.run(s.asm.feeds(fb));
  const full = await (await ort.InferenceSession.create(join(out, 'model.onnx'))).run(toOrt(feedsFor(manifest, fb)));
  const reqFeeds = feedsFor(manifest, fb, 0, n, new Set(manifest.request!.shared));
  for (const name of manifest.request!.shared) assert.deepEqual(reqFeeds[name]!.dims[0], 1, `${name} fed once`);
  const got = await (await ort.InferenceSession.create(join(out, 'model.request.onnx'))).run(toOrt(reqFeeds));
  let vsTrainer = 0, vsFull = 0;
  for (const task of cfg.tasks) {
    const a = want[predOutput(task.name)]!.data as Float32Array, b = got[predOutput(task.name)]!.data as Float32Array, c = full[predOutput(task.name)]!.data as Float32Array;
    assert.equal(b.length, n);
    for (let i = 0; i < n; i++) { vsTrainer = Math.max(vsTrainer, Math.abs(a[i]! - b[i]!)); vsFull = Math.max(vsFull, Math.abs(c[i]! - b[i]!)); }
  }
  assert.ok(vsTrainer <= 1e-5 && vsFull <= 1e-5, `request model vs trainer ${vsTrainer}, vs model.onnx ${vsFull}`);
}

test('MMoE with DIN (seq_streamers) and BST + SIM top-4 (seq_categories): trains, exports, served = trainer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-seq-'));
  const cfg = config({
    type: 'mmoe', experts: 2, expert: [16], tower: [8],
    sequence: [
      { feature: 'seq_streamers', query: 'streamer_id', block: 'din', attention_mlp: [8] },
      { feature: 'seq_categories', query: 'category', block: 'bst', heads: 2, sim: { k: 4 } },
    ],
  });
  const res = await train(cfg, { out, verbose: false });
  const log = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(res.steps > 20);
  assert.ok(log.some((l) => l.kind === 'val'));
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(m.tasks.click.all.auc > 0.55, `click AUC ${m.tasks.click.all.auc}`);
  await exportParity(cfg, out, ['seq_streamers']); // seq_categories: SIM selects per candidate, not shared
});

test('HSTU ranker: trains and the exported model scores like the trainer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-hstu-'));
  const cfg = config({
    type: 'hstu', bottom: [16], tower: [8],
    sequence: [{ feature: 'seq_streamers', query: 'streamer_id', block: 'hstu', heads: 2, layers: 2 }],
  });
  await train(cfg, { out, verbose: false });
  await exportParity(cfg, out, ['seq_streamers', 'seq_categories']);
});

test('BST → mean pooling and a mean block: the request model (sequences once per request) scores like the trainer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-bst-'));
  const cfg = config({
    type: 'shared_bottom', bottom: [16], tower: [8],
    sequence: [
      { feature: 'seq_streamers', block: 'bst', heads: 2, after: 'mean' },
      { feature: 'seq_categories', block: 'mean' },
    ],
  });
  await train(cfg, { out, verbose: false });
  await exportParity(cfg, out, ['seq_streamers', 'seq_categories']);
});
