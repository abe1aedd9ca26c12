// The counterfactual block of metrics.json: a tiny biased-log world, a model with position as a
// plain feature served at position 0. The block scores the SERVING form (not the logged form)
// against click_at_top, beside the oracle p_click_relevance; slide (no click) is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { openSession, train } from './trainer.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import { runServing, scoreServed } from './serve-form.js';
import { ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { auc } from '../metrics/auc.js';
import type { MatrixJSON } from '../metrics/index.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 2048 },
    { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 2048 },
    { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
    { name: 'scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'], dim: 2 },
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 } },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
  ],
};

function config(counterfactual: Record<string, string> | undefined): TrainConfig {
  return parseTrainConfig({
    name: 'tiny-counterfactual',
    seed: 5,
    data: { source: 'world', impressions: 6000, world_seed: 2, logging_policy: 'biased', split: [0.6, 0.2, 0.2] },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click', ...(counterfactual ? { counterfactual } : {}) },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
    ],
    model: { type: 'shared_bottom', bottom: [8], tower: [4], serve_as: { position: 0 } },
    optimizer: { type: 'adam', lr: 0.01 },
    embedding: { optimizer: 'adam', lr: 0.05 },
    train: { epochs: 1, batch_size: 128, max_steps: 12 },
  }, process.cwd(), 'test config');
}

const aucOf = (scores: ArrayLike<number>, labels: ArrayLike<number>, keep: (i: number) => boolean) => {
  const s: number[] = [], y: number[] = [];
  for (let i = 0; i < labels.length; i++) if (keep(i)) { s.push(scores[i]!); y.push(labels[i]!); }
  return auc(Float64Array.from(s), Uint8Array.from(y));
};

test('metrics.json counterfactual: served score (position at its canonical value) against click_at_top, oracle p_click_relevance, slide skipped', async () => {
  const cfg = config({ label: 'click_at_top', true_prob: 'p_click_relevance' });
  const out = mkdtempSync(join(tmpdir(), 'liverank-cf-'));
  await train(cfg, { out, verbose: false, valMetrics: true });
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as MatrixJSON;
  const mv = JSON.parse(readFileSync(join(out, 'metrics_val.json'), 'utf8')) as MatrixJSON;
  assert.ok(mv.counterfactual?.click, 'metrics_val.json has the block too');
  const cf = m.counterfactual?.click;
  assert.ok(cf, 'metrics.json has counterfactual.click');
  assert.deepEqual(Object.keys(m.counterfactual!), ['click'], 'only tasks that ask for it');

  // Recompute from the run: the same rows, the served scores, the labels and the oracle.
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'final')!, store, s.asm);
  const t = s.splits.test;
  const y = t.columns['click_at_top'] as ArrayLike<number>, o = t.columns['p_click_relevance'] as ArrayLike<number>;
  const sc = t.columns['scenario'] as ArrayLike<string>;
  const labelled = (i: number) => !Number.isNaN(y[i]!);
  let n = 0, slide = 0;
  for (let i = 0; i < t.numRows; i++) { if (labelled(i)) n++; if (sc[i] === 'slide') { slide++; assert.ok(!labelled(i), 'slide has no click_at_top'); } }
  assert.ok(slide > 0 && n > 200);
  assert.equal(cf.all.n, n);
  assert.equal(cf.skipped, t.numRows - n);
  assert.deepEqual(Object.keys(cf.by_scenario).sort(), ['home', 'outside']);
  assert.equal(cf.by_scenario.home!.n + cf.by_scenario.outside!.n, n);

  const served = await scoreServed(s, store, t);
  assert.ok(Math.abs(cf.all.auc - aucOf(served.preds.click!, y, labelled)) < 1e-12, 'AUC of the served scores');
  assert.ok(Math.abs(cf.all.oracle_auc - aucOf(o, y, labelled)) < 1e-12, 'oracle AUC of p_click_relevance');
  // Not the logged form: scoring with the logged positions ranks differently.
  const logged = await runServing(s, store, t, {});
  const loggedAuc = aucOf(logged.preds.click!, y, labelled);
  assert.notEqual(loggedAuc, cf.all.auc, 'the block scores position at its canonical value, not the logged one');
});

test('a counterfactual column that is not in the data is refused before training, naming the key', async () => {
  const cfg = config({ label: 'clicked_at_top', true_prob: 'p_click_relevance' });
  const out = mkdtempSync(join(tmpdir(), 'liverank-cf-bad-'));
  await assert.rejects(train(cfg, { out, verbose: false }), /tasks "click"\.counterfactual\.label: column "clicked_at_top" is not in the data/);
});
