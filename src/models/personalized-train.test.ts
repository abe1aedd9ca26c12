// Every new model trains through `train()` on a tiny world (a few steps, the wide part on) and its
// exported model.onnx (embedding tables folded in, int64 ids) scores test rows like the evaluator
// restored from the run's checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { openSession, train } from '../train/trainer.js';
import { findCheckpoint, restoreParams } from '../train/run-dir.js';
import { predOutput } from '../train/heads.js';
import { sliceTable } from '../data/table.js';
import { loadFitted, transform } from '../features/index.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 2048 },
    { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 2048 },
    { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
    { name: 'country', kind: 'id', column: 'country', vocab: { min_count: 1 } },
    { name: 'scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'], dim: 2 },
    { name: 'seq_categories', kind: 'sequence', column: 'seq_category_ids', max_len: 5, embedding: 'category' },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
    { name: 'wide_country', kind: 'id', column: 'country', vocab: { min_count: 1 }, dim: 3 },
  ],
};

const prior = ['user_id', 'streamer_id'], domain = ['scenario', 'country'];
const models: [string, Record<string, unknown>][] = [
  ['ppnet', { type: 'ppnet', prior_features: prior, tower: [8, 4], gate_hidden: 8 }],
  ['epnet', { type: 'epnet', domain_features: domain, granularity: 'field', bottom: [8], tower: [4] }],
  ['pepnet', { type: 'pepnet', domain_features: domain, prior_features: prior, tower: [8], gate_position: 'output' }],
  ['mmoe_ppnet pepnet_towers', { type: 'mmoe_ppnet', pattern: 'pepnet_towers', domain_features: domain, prior_features: prior, experts: 2, expert: [8], tower: [4], gate_hidden: 8 }],
  ['mmoe_ppnet prior_gates', { type: 'mmoe_ppnet', pattern: 'prior_gates', prior_features: prior, experts: 2, expert: [8], tower: [4] }],
  ['mmoe_ppnet gated_experts', { type: 'mmoe_ppnet', pattern: 'gated_experts', prior_features: prior, experts: 2, expert: [8], tower: [4] }],
];

function config(model: Record<string, unknown>): TrainConfig {
  return parseTrainConfig({
    name: 'tiny-personalized',
    seed: 4,
    data: { source: 'world', impressions: 6000, world_seed: 3, split: [0.6, 0.2, 0.2] },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p' },
    ],
    model: { ...model, wide: ['wide_country'] },
    optimizer: { type: 'adam', lr: 0.01 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 128, max_steps: 6 },
  }, process.cwd(), 'test config');
}

for (const [name, model] of models) {
  test(`${name}: trains through train(); model.onnx scores test rows like the evaluator`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'lr-personalized-'));
    const cfg = config(model);
    const res = await train(cfg, { out, verbose: false });
    assert.equal(res.steps, 6);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.ok(Number.isFinite(m.tasks.click.all.auc), 'click AUC');

    const s = await openSession(cfg, out, () => {}, true);
    const store = new ParameterStore(cfg.seed);
    ensureLayout(s.build, store, s.asm.substitute);
    restoreParams(findCheckpoint(out)!, store, s.asm);
    const gates = [...store.trainable.keys()].filter((k) => /\.1\.weight$|\.prior\.weight$/.test(k) && /gate|ppnet/.test(k));
    assert.ok(gates.length > 0 && gates.every((k) => store.get(k).some((v) => v !== 0)), 'the gates left their neutral start');
    const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
    const n = 64;
    const fb = transform(loadFitted(join(out, 'features.json')), sliceTable(s.splits.test, 0, n));
    const want = await ev.run(s.asm.feeds(fb));
    const feeds: Record<string, ort.Tensor> = {};
    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    for (const inp of manifest.inputs as { name: string; feature?: string; mask?: string }[]) {
      if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
      const f = inp.feature!;
      if (fb.ids[f]) feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[f]!, (v) => BigInt(v)), [n]);
      else {
        const mv = fb.multi[f]!;
        feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(mv.ids, (v) => BigInt(v)), [n, mv.maxLen]);
        feeds[inp.mask!] = new ort.Tensor('float32', Float32Array.from(mv.mask), [n, mv.maxLen]);
      }
    }
    const got = await (await ort.InferenceSession.create(join(out, 'model.onnx'))).run(feeds);
    for (const t of cfg.tasks) {
      const a = want[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
      assert.equal(b.length, n);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
    }
  });
}

test('a gate feature that is not an embedded feature stops train() before any step, naming the key', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-personalized-'));
  await assert.rejects(train(config({ type: 'pepnet', domain_features: ['scenario'], prior_features: ['user_id', 'viewers_log'] }), { out, verbose: false }),
    /model\.prior_features: "viewers_log" is not an embedded feature; embedded features are user_id, streamer_id, .*dense features have no embedding/);
  assert.equal(findCheckpoint(out), null, 'no checkpoint written');
});
