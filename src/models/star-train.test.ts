// STAR trained through train() on a tiny world with the domain scenario × country: the per-domain
// running statistics are filled for the domains of the training data only, the exported model.onnx
// (ids.scenario / ids.country int64 inputs) scores like the trainer's evaluator, and a domain never
// seen in training (the out-of-vocabulary scenario) gets finite scores, the same in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseTrainConfig } from '../train/config.js';
import { openSession, train } from '../train/trainer.js';
import { findCheckpoint, restoreParams } from '../train/run-dir.js';
import { predOutput } from '../train/heads.js';
import { sliceTable } from '../data/table.js';
import { loadFitted, transform, type FeatureBatch } from '../features/index.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { worldIdFeatures } from '../train/fixtures/world-features.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(),
    { name: 'seq_categories', kind: 'sequence', column: 'seq_category_ids', max_len: 5, embedding: 'category' },
    { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
  ],
};

const config = () => parseTrainConfig({
  name: 'tiny-star',
  seed: 5,
  data: { source: 'world', impressions: 12000, world_seed: 2, split: [0.6, 0.2, 0.2] },
  features,
  tasks: [
    { name: 'click', label: 'click', true_prob: 'p_click' },
    { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
  ],
  model: { type: 'star', domain: ['scenario', 'country'], bottom: [16], tower: [8], input_norm: 'pn', aux: { hidden: [8] } },
  optimizer: { type: 'adam', lr: 0.005 },
  embedding: { optimizer: 'adam', lr: 0.01 },
  train: { epochs: 1, batch_size: 256 },
}, process.cwd(), 'test config');

function onnxFeeds(manifest: { inputs: { name: string; feature?: string; mask?: string }[] }, fb: FeatureBatch): Record<string, ort.Tensor> {
  const n = fb.numRows, feeds: Record<string, ort.Tensor> = {};
  for (const inp of manifest.inputs) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
    const f = inp.feature!;
    if (fb.ids[f]) feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[f]!, (v) => BigInt(v)), [n]);
    else {
      const mv = fb.multi[f]!;
      feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(mv.ids, (v) => BigInt(v)), [n, mv.maxLen]);
      feeds[inp.mask!] = new ort.Tensor('float32', Float32Array.from(mv.mask), [n, mv.maxLen]);
    }
  }
  return feeds;
}

test('STAR (scenario × country) through train(): domain statistics, model.onnx = evaluator, an unseen domain is finite', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-star-'));
  const cfg = config();
  await train(cfg, { out, verbose: false });
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'best')!, store, s.asm);

  // 5 scenario ids × the country ids; domain (i, j) = i·countries + j. Only real pairs have statistics.
  const fitted = loadFitted(join(out, 'features.json'));
  const countries = fitted.specs.find((x) => x.name === 'country')!.buckets;
  const rows = store.get('bottom.0.pn.domain_rows');
  assert.equal(rows.length, 5 * countries);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < countries; j++) {
      const n = rows[i * countries + j]!;
      if (i < 2 || j < 2) assert.equal(n, 0, `missing / OOV domain (${i}, ${j}) has no training rows`);
    }
  }
  const home = Array.from(rows.subarray(2 * countries, 3 * countries));
  assert.ok(home.filter((n) => n > 0).length >= 4, `home has statistics in several countries: ${home}`);
  const domainMean = store.get('bottom.0.pn.domain_mean');
  assert.ok(domainMean.some((v) => v !== 0) && domainMean.every(Number.isFinite));

  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.ok(manifest.inputs.some((i: { name: string }) => i.name === 'ids.scenario'));
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const fb = transform(fitted, sliceTable(s.splits.test, 0, 64));
  const compare = async (what: string) => {
    const want = await ev.run(s.asm.feeds(fb));
    const got = await session.run(onnxFeeds(manifest, fb));
    for (const t of cfg.tasks) {
      const a = want[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
      for (let i = 0; i < 64; i++) {
        assert.ok(Number.isFinite(b[i]!), `${what} ${t.name}[${i}] finite`);
        assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `${what} ${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    }
  };
  await compare('test rows');
  fb.ids.scenario!.fill(1); // out of vocabulary: a domain never seen in training → shared statistics
  await compare('unseen scenario');
});
