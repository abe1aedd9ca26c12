// Sequence blocks end to end on a small world: a multi-task model with DIN over one sequence and
// BST + SIM soft search over another trains (loss falls, the table rows of attended behaviours
// move), and the exported model.onnx (tables folded, ids in) scores like the trainer's evaluator.
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

async function exportParity(cfg: TrainConfig, out: string): Promise<void> {
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
  await exportParity(cfg, out);
});

test('HSTU ranker: trains and the exported model scores like the trainer', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-hstu-'));
  const cfg = config({
    type: 'hstu', bottom: [16], tower: [8],
    sequence: [{ feature: 'seq_streamers', query: 'streamer_id', block: 'hstu', heads: 2, layers: 2 }],
  });
  await train(cfg, { out, verbose: false });
  await exportParity(cfg, out);
});
